"""Colour conversions between 8-bit sRGB, CIE Lab and hex codes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import KPaletteError

__all__ = ["rgb_to_lab", "lab_to_rgb", "to_hex", "from_hex", "delta_e"]

# The constants of scikit-image's conversions (skimage.color), copied so that turning a palette's Lab colours
# back into RGB needs no scikit-image import (it takes a large part of the command line's start-up time); a
# test checks that they stay equal to scikit-image's and that lab_to_rgb gives its results bit for bit.
#: sRGB (D65) to CIE XYZ.
XYZ_FROM_RGB = np.array([[0.412453, 0.35758, 0.180423],
                         [0.212671, 0.71516, 0.072169],
                         [0.019334, 0.119193, 0.950227]])
#: CIE XYZ to linear sRGB: the inverse of :data:`XYZ_FROM_RGB`, to the last bit as scikit-image computes it.
RGB_FROM_XYZ = np.array([[3.2404813432005266, -1.5371515162713183, -0.4985363261688878],
                         [-0.9692549499965682, 1.8759900014898907, 0.04155592655829284],
                         [0.055646639135177166, -0.20404133836651123, 1.0573110696453443]])
#: The D65 white point (2 degree observer) in XYZ.
WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_RGB_FROM_XYZ_T = RGB_FROM_XYZ.T.astype(np.float64)  # as skimage does it (a copy in the same memory order)


def rgb_to_lab(rgb: ArrayLike) -> NDArray[np.float64]:
    """Convert 8-bit sRGB colours to CIE Lab (D65 white point).

    Parameters
    ----------
    rgb : array_like of shape (..., 3)
        Colours with channel values from 0 to 255 (any integer or float dtype).

    Returns
    -------
    numpy.ndarray of shape (..., 3)
        ``L`` in [0, 100], ``a`` and ``b`` roughly in [-128, 127].
    """
    from skimage.color import rgb2lab  # imported when needed: see the constants above

    arr = np.asarray(rgb, dtype=np.float64) / 255.0
    return rgb2lab(arr.reshape(-1, 1, 3)).reshape(arr.shape)


def lab_to_rgb(lab: ArrayLike) -> NDArray[np.uint8]:
    """Convert CIE Lab colours to 8-bit sRGB, clipping colours outside the sRGB gamut.

    Parameters
    ----------
    lab : array_like of shape (..., 3)

    Returns
    -------
    numpy.ndarray of shape (..., 3), dtype uint8
    """
    arr = np.asarray(lab, dtype=np.float64)
    rgb = _lab_to_srgb(arr.reshape(-1, 3)).reshape(arr.shape)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def _lab_to_srgb(lab: NDArray[np.float64]) -> NDArray[np.float64]:
    """``skimage.color.lab2rgb`` for ``(n, 3)`` colours, step by step the same (sRGB from 0 to 1, clipped), except
    that a negative Z is set to zero without a warning."""
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    y = (L + 16.0) / 116.0
    x = (a / 500.0) + y
    z = y - (b / 200.0)
    z[z < 0] = 0
    xyz = np.stack([x, y, z], axis=-1)
    cube = xyz > 0.2068966
    xyz[cube] = np.power(xyz[cube], 3.0)
    xyz[~cube] = (xyz[~cube] - 16.0 / 116.0) / 7.787
    xyz *= WHITE_D65
    rgb = (xyz.reshape(-1, 1, 3) @ _RGB_FROM_XYZ_T).reshape(-1, 3)
    curve = rgb > 0.0031308
    rgb[curve] = 1.055 * np.power(rgb[curve], 1 / 2.4) - 0.055
    rgb[~curve] *= 12.92
    np.clip(rgb, 0, 1, out=rgb)
    return rgb


def to_hex(rgb: ArrayLike) -> list[str]:
    """Format 8-bit RGB colours as ``#rrggbb`` strings.

    Parameters
    ----------
    rgb : array_like of shape (k, 3) or (3,)
        Channel values from 0 to 255; floats are rounded to the nearest integer.

    Returns
    -------
    list of str
        One lower-case ``#rrggbb`` code per colour.
    """
    arr = np.clip(np.rint(np.asarray(rgb, dtype=np.float64)), 0, 255).astype(int).reshape(-1, 3)
    return ["#{:02x}{:02x}{:02x}".format(*row) for row in arr]


def from_hex(codes: Iterable[str]) -> NDArray[np.uint8]:
    """Parse ``#rrggbb`` (or ``rrggbb``) codes into a ``(k, 3)`` uint8 array."""
    rows = []
    for code in codes:
        text = code.strip().lstrip("#")
        if len(text) != 6:
            raise KPaletteError(f"{code!r} is not a #rrggbb colour code")
        try:
            rows.append([int(text[i : i + 2], 16) for i in (0, 2, 4)])
        except ValueError:
            raise KPaletteError(f"{code!r} is not a #rrggbb colour code") from None
    return np.array(rows, dtype=np.uint8).reshape(-1, 3)


def delta_e(image: ArrayLike, other: ArrayLike, *, formula: str = "2000") -> float:
    """Mean colour difference between two RGB images of the same shape.

    Parameters
    ----------
    image, other : array_like of shape (h, w, 3)
        8-bit RGB images.
    formula : {"2000", "76"}
        CIEDE2000 (follows perception most closely) or CIE76 (plain Euclidean distance in Lab).

    Returns
    -------
    float
        The mean Delta E over all pixels; about 1 is the smallest difference most people can see.
    """
    from skimage.color import deltaE_cie76, deltaE_ciede2000

    a = rgb_to_lab(image)
    b = rgb_to_lab(other)
    if formula == "2000":
        return float(np.mean(deltaE_ciede2000(a, b)))
    if formula == "76":
        return float(np.mean(deltaE_cie76(a, b)))
    raise KPaletteError(f"formula must be '2000' or '76', not {formula!r}")
