"""The nearest colour name for each palette colour: the CSS named colours.

Why this list: the 148 named colours of CSS (CSS Color Module Level 4, section 6.1, "Named Colors") are a
standard that the W3C keeps, every design tool and browser knows them, and a designer can type the name straight
into a style sheet. A larger crowd-sourced list (the 949 xkcd survey colours, CC0) names more shades, but some of
its names are jokes a client should not find in a swatch file. Sharing a hex value, ``aqua``/``cyan`` and
``fuchsia``/``magenta`` are given as ``cyan`` and ``magenta``, and the seven ``gray``/``grey`` pairs with the
``grey`` spelling the book uses, so 139 distinct colours remain.

The names and values are facts of the CSS standard (the same table as ``matplotlib.colors.CSS4_COLORS`` and the
``webcolors`` package, which a test checks); the W3C document licence allows copying them.

"Nearest" is the smallest CIEDE2000 difference (:func:`ciede2000`) between the colour as shown (its 8-bit
sRGB value) and each named colour, with ties going to the first name in alphabetical order. CIEDE2000 follows
perception where the plain Lab distance does not: a film's dark navy is "midnightblue" by CIEDE2000 and
"black" by the Lab distance, which counts the small chroma of a dark colour as much as a light one's.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["CSS_COLOURS", "NAMES", "nearest_names", "ciede2000"]

#: The CSS named colours: name to ``#rrggbb``, as the CSS standard lists them (148 names).
CSS_COLOURS: dict[str, str] = {
    "aliceblue": "#f0f8ff", "antiquewhite": "#faebd7", "aqua": "#00ffff", "aquamarine": "#7fffd4",
    "azure": "#f0ffff", "beige": "#f5f5dc", "bisque": "#ffe4c4", "black": "#000000", "blanchedalmond": "#ffebcd",
    "blue": "#0000ff", "blueviolet": "#8a2be2", "brown": "#a52a2a", "burlywood": "#deb887", "cadetblue": "#5f9ea0",
    "chartreuse": "#7fff00", "chocolate": "#d2691e", "coral": "#ff7f50", "cornflowerblue": "#6495ed",
    "cornsilk": "#fff8dc", "crimson": "#dc143c", "cyan": "#00ffff", "darkblue": "#00008b", "darkcyan": "#008b8b",
    "darkgoldenrod": "#b8860b", "darkgray": "#a9a9a9", "darkgreen": "#006400", "darkgrey": "#a9a9a9",
    "darkkhaki": "#bdb76b", "darkmagenta": "#8b008b", "darkolivegreen": "#556b2f", "darkorange": "#ff8c00",
    "darkorchid": "#9932cc", "darkred": "#8b0000", "darksalmon": "#e9967a", "darkseagreen": "#8fbc8f",
    "darkslateblue": "#483d8b", "darkslategray": "#2f4f4f", "darkslategrey": "#2f4f4f", "darkturquoise": "#00ced1",
    "darkviolet": "#9400d3", "deeppink": "#ff1493", "deepskyblue": "#00bfff", "dimgray": "#696969",
    "dimgrey": "#696969", "dodgerblue": "#1e90ff", "firebrick": "#b22222", "floralwhite": "#fffaf0",
    "forestgreen": "#228b22", "fuchsia": "#ff00ff", "gainsboro": "#dcdcdc", "ghostwhite": "#f8f8ff",
    "gold": "#ffd700", "goldenrod": "#daa520", "gray": "#808080", "green": "#008000", "greenyellow": "#adff2f",
    "grey": "#808080", "honeydew": "#f0fff0", "hotpink": "#ff69b4", "indianred": "#cd5c5c", "indigo": "#4b0082",
    "ivory": "#fffff0", "khaki": "#f0e68c", "lavender": "#e6e6fa", "lavenderblush": "#fff0f5",
    "lawngreen": "#7cfc00", "lemonchiffon": "#fffacd", "lightblue": "#add8e6", "lightcoral": "#f08080",
    "lightcyan": "#e0ffff", "lightgoldenrodyellow": "#fafad2", "lightgray": "#d3d3d3", "lightgreen": "#90ee90",
    "lightgrey": "#d3d3d3", "lightpink": "#ffb6c1", "lightsalmon": "#ffa07a", "lightseagreen": "#20b2aa",
    "lightskyblue": "#87cefa", "lightslategray": "#778899", "lightslategrey": "#778899",
    "lightsteelblue": "#b0c4de", "lightyellow": "#ffffe0", "lime": "#00ff00", "limegreen": "#32cd32",
    "linen": "#faf0e6", "magenta": "#ff00ff", "maroon": "#800000", "mediumaquamarine": "#66cdaa",
    "mediumblue": "#0000cd", "mediumorchid": "#ba55d3", "mediumpurple": "#9370db", "mediumseagreen": "#3cb371",
    "mediumslateblue": "#7b68ee", "mediumspringgreen": "#00fa9a", "mediumturquoise": "#48d1cc",
    "mediumvioletred": "#c71585", "midnightblue": "#191970", "mintcream": "#f5fffa", "mistyrose": "#ffe4e1",
    "moccasin": "#ffe4b5", "navajowhite": "#ffdead", "navy": "#000080", "oldlace": "#fdf5e6", "olive": "#808000",
    "olivedrab": "#6b8e23", "orange": "#ffa500", "orangered": "#ff4500", "orchid": "#da70d6",
    "palegoldenrod": "#eee8aa", "palegreen": "#98fb98", "paleturquoise": "#afeeee", "palevioletred": "#db7093",
    "papayawhip": "#ffefd5", "peachpuff": "#ffdab9", "peru": "#cd853f", "pink": "#ffc0cb", "plum": "#dda0dd",
    "powderblue": "#b0e0e6", "purple": "#800080", "rebeccapurple": "#663399", "red": "#ff0000",
    "rosybrown": "#bc8f8f", "royalblue": "#4169e1", "saddlebrown": "#8b4513", "salmon": "#fa8072",
    "sandybrown": "#f4a460", "seagreen": "#2e8b57", "seashell": "#fff5ee", "sienna": "#a0522d",
    "silver": "#c0c0c0", "skyblue": "#87ceeb", "slateblue": "#6a5acd", "slategray": "#708090",
    "slategrey": "#708090", "snow": "#fffafa", "springgreen": "#00ff7f", "steelblue": "#4682b4", "tan": "#d2b48c",
    "teal": "#008080", "thistle": "#d8bfd8", "tomato": "#ff6347", "turquoise": "#40e0d0", "violet": "#ee82ee",
    "wheat": "#f5deb3", "white": "#ffffff", "whitesmoke": "#f5f5f5", "yellow": "#ffff00", "yellowgreen": "#9acd32",
}

_SAME_COLOUR = {"aqua": "cyan", "fuchsia": "magenta", "darkgray": "darkgrey", "darkslategray": "darkslategrey",
                "dimgray": "dimgrey", "gray": "grey", "lightgray": "lightgrey", "lightslategray": "lightslategrey",
                "slategray": "slategrey"}

#: The names :func:`nearest_names` gives: one per distinct colour, in alphabetical order (139 names).
NAMES: tuple[str, ...] = tuple(sorted(name for name in CSS_COLOURS if name not in _SAME_COLOUR))


@lru_cache(maxsize=1)
def _named_lab() -> NDArray[np.float64]:
    from .fast import bin_lab

    codes = np.array([int(CSS_COLOURS[name][1:], 16) for name in NAMES], dtype=np.intp)
    return bin_lab(codes, 8)


def ciede2000(lab1: ArrayLike, lab2: ArrayLike) -> NDArray[np.float64]:
    """The CIEDE2000 colour difference between Lab colours (broadcast like NumPy; kL = kC = kH = 1).

    The formula of Sharma, Wu and Dalal (2005), step by step; the same numbers as
    ``skimage.color.deltaE_ciede2000`` (a test checks it), without importing scikit-image.
    """
    a = np.asarray(lab1, dtype=np.float64)
    b = np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = a[..., 0], a[..., 1], a[..., 2]
    L2, a2, b2 = b[..., 0], b[..., 1], b[..., 2]
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    c7 = cbar**7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.arctan2(b1, a1p) % (2 * np.pi)
    h2p = np.arctan2(b2, a2p) % (2 * np.pi)
    dL, dC = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > np.pi, dh - 2 * np.pi, np.where(dh < -np.pi, dh + 2 * np.pi, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(dh / 2)
    Lbar, cbarp = (L1 + L2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    wrap = np.where(hsum < 2 * np.pi, 2 * np.pi, -2 * np.pi)   # the mean hue of two hues across 0 degrees
    hbar = np.where(np.abs(h1p - h2p) > np.pi, (hsum + wrap) / 2, hsum / 2)
    hbar = np.where(c1p * c2p == 0, hsum, hbar)
    t = (1 - 0.17 * np.cos(hbar - np.radians(30)) + 0.24 * np.cos(2 * hbar)
         + 0.32 * np.cos(3 * hbar + np.radians(6)) - 0.20 * np.cos(4 * hbar - np.radians(63)))
    sl = 1 + 0.015 * (Lbar - 50) ** 2 / np.sqrt(20 + (Lbar - 50) ** 2)
    sc = 1 + 0.045 * cbarp
    sh = 1 + 0.015 * cbarp * t
    c7p = cbarp**7
    rt = (-2 * np.sqrt(c7p / (c7p + 25.0**7))
          * np.sin(np.radians(60) * np.exp(-(((np.degrees(hbar) - 275) / 25) ** 2))))
    d2 = (dL / sl) ** 2 + (dC / sc) ** 2 + (dH / sh) ** 2 + rt * (dC / sc) * (dH / sh)
    return np.sqrt(np.maximum(d2, 0.0))


def nearest_names(rgb: ArrayLike) -> list[str]:
    """The nearest CSS colour name for each 8-bit sRGB colour.

    Parameters
    ----------
    rgb : array_like of shape (k, 3) or (3,)
        Colours with channel values from 0 to 255.

    Returns
    -------
    list of str
        One name per colour, from :data:`NAMES`.

    Examples
    --------
    >>> nearest_names([[255, 0, 0], [12, 35, 65]])
    ['red', 'midnightblue']
    """
    from .fast import bin_lab

    arr = np.clip(np.rint(np.asarray(rgb, dtype=np.float64)), 0, 255).astype(np.intp).reshape(-1, 3)
    if len(arr) == 0:
        return []
    lab = bin_lab((arr[:, 0] << 16) | (arr[:, 1] << 8) | arr[:, 2], 8)
    named = _named_lab()
    return [NAMES[i] for i in np.argmin(ciede2000(lab[:, None, :], named[None, :, :]), axis=1)]
