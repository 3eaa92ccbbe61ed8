"""Draw a palette as an image of colour stripes, optionally labelled with their hex codes."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import KPaletteError
from .palette import Palette

__all__ = ["swatch", "text_colour"]


def text_colour(rgb: ArrayLike) -> str:
    """``"black"`` or ``"white"``, whichever reads better on a background of colour ``rgb`` (0 to 255)."""
    r, g, b = (np.asarray(rgb, dtype=float).reshape(-1)[:3] / 255.0).tolist()
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if lum > 0.45 else "white"


def _stripe_edges(palette: Palette, width: int, proportional: bool) -> NDArray[np.int_]:
    """The left edge of each stripe and, last, the right edge of the image."""
    k = len(palette)
    weights = palette.proportions if proportional else np.full(k, 1.0 / k)
    edges = np.rint(np.concatenate([[0.0], np.cumsum(weights)]) * width).astype(int)
    edges[-1] = width
    return edges


def _label(image: NDArray[np.uint8], palette: Palette, edges: NDArray[np.int_]) -> NDArray[np.uint8]:
    """Write each stripe's hex code in its middle, in black or white, where the stripe is wide enough."""
    from PIL import Image, ImageDraw, ImageFont

    height = image.shape[0]
    size = max(8, min(28, round(height * 0.2)))
    font = ImageFont.load_default(size=size)
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    for left, right, code, rgb in zip(edges[:-1], edges[1:], palette.hex, palette.rgb):
        x0, y0, x1, y1 = draw.textbbox((0, 0), code, font=font)
        if x1 - x0 + 6 > right - left or y1 - y0 + 4 > height:
            continue  # too narrow (or too low) to hold the label
        draw.text(((left + right) / 2, height / 2), code, font=font, anchor="mm",
                  fill=(0, 0, 0) if text_colour(rgb) == "black" else (255, 255, 255))
    return np.asarray(canvas, dtype=np.uint8).copy()


def swatch(palette: Palette, *, width: int = 800, height: int = 100, proportional: bool = False,
           labels: bool = False) -> NDArray[np.uint8]:
    """Draw the palette as side-by-side stripes, in the palette's order.

    Parameters
    ----------
    palette : Palette
    width, height : int
        Size of the image in pixels.
    proportional : bool, default False
        Equal stripes, or stripes as wide as each colour's share of the frame (a palette bar).
    labels : bool, default False
        Write each stripe's hex code on it, in black or white (whichever reads better), when the stripe is wide
        enough to hold it (Pillow's built-in font, a fifth of the height).

    Returns
    -------
    numpy.ndarray of shape (height, width, 3), dtype uint8
    """
    if width < 1 or height < 1:
        raise KPaletteError("width and height must be positive")
    k = len(palette)
    if k == 0:
        raise KPaletteError("the palette has no colours to draw")
    edges = _stripe_edges(palette, width, proportional)
    column = np.searchsorted(edges[1:], np.arange(width), side="right")
    column = np.minimum(column, k - 1)
    row = palette.rgb[column]
    image = np.broadcast_to(row, (height, width, 3)).copy()
    return _label(image, palette, edges) if labels else image
