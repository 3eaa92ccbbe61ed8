"""Draw a palette as an image of colour stripes."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError
from .palette import Palette

__all__ = ["swatch"]


def swatch(palette: Palette, *, width: int = 800, height: int = 100, proportional: bool = False) -> NDArray[np.uint8]:
    """Draw the palette as side-by-side stripes, in the palette's order.

    Parameters
    ----------
    palette : Palette
    width, height : int
        Size of the image in pixels.
    proportional : bool, default False
        Equal stripes, or stripes as wide as each colour's share of the frame (a palette bar).

    Returns
    -------
    numpy.ndarray of shape (height, width, 3), dtype uint8
    """
    if width < 1 or height < 1:
        raise KPaletteError("width and height must be positive")
    k = len(palette)
    if k == 0:
        raise KPaletteError("the palette has no colours to draw")
    weights = palette.proportions if proportional else np.full(k, 1.0 / k)
    edges = np.rint(np.concatenate([[0.0], np.cumsum(weights)]) * width).astype(int)
    edges[-1] = width
    column = np.searchsorted(edges[1:], np.arange(width), side="right")
    column = np.minimum(column, k - 1)
    row = palette.rgb[column]
    return np.broadcast_to(row, (height, width, 3)).copy()
