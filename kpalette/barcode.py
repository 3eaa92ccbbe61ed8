"""The movie barcode: a film's colour over time, one column per sampled frame.

Two styles:

- ``"palette"``: each column is that frame's palette stacked top to bottom, largest share first, each colour
  as tall as its share of the frame;
- ``"mean"``: each column is the frame's mean colour, the crude barcode most tools draw (averaging a blue sky
  and an orange sunset gives a grey that is in neither).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError
from .film import FramePalette, frame_colours

__all__ = ["barcode", "STYLES"]

STYLES = ("palette", "mean")


def _column(palette_rgb: NDArray[np.uint8], shares: NDArray[np.float64], height: int) -> NDArray[np.uint8]:
    """One column: the colours stacked by share, as rows of pixels."""
    edges = np.rint(np.concatenate([[0.0], np.cumsum(shares)]) * height).astype(int)
    edges[-1] = height
    which = np.minimum(np.searchsorted(edges[1:], np.arange(height), side="right"), len(shares) - 1)
    return palette_rgb[which]


def barcode(frames: Sequence[FramePalette], *, height: int = 200, style: str = "palette") -> NDArray[np.uint8]:
    """Draw the movie barcode of a film's sampled frames.

    Parameters
    ----------
    frames : sequence of FramePalette
        In time order (``Film.frames`` from :func:`kpalette.film.analyse_film`).
    height : int, default 200
        Height of the image in pixels.
    style : {"palette", "mean"}, default "palette"

    Returns
    -------
    numpy.ndarray of shape (height, len(frames), 3), dtype uint8
        One column per frame, left to right.

    Raises
    ------
    KPaletteError
        If there are no frames, the height is not positive or the style is unknown.
    """
    if style not in STYLES:
        raise KPaletteError(f"the barcode style must be one of {', '.join(STYLES)}, not {style!r}")
    if isinstance(height, bool) or not isinstance(height, (int, np.integer)) or height < 1:
        raise KPaletteError(f"the barcode height must be a whole number of pixels, at least 1, got {height!r}")
    if len(frames) == 0:
        raise KPaletteError("there are no frames to draw a barcode of")
    out = np.empty((int(height), len(frames), 3), dtype=np.uint8)
    if style == "mean":
        out[:] = np.array([frame.mean for frame in frames], dtype=np.uint8)[None]
        return out
    for x, (rgb, shares) in enumerate(frame_colours(frames)):
        out[:, x] = _column(rgb, shares, int(height))
    return out
