"""Read image files into arrays."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import KPaletteError

__all__ = ["load_image"]


def load_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read an image file as an 8-bit RGB array of shape ``(h, w, 3)``.

    The EXIF orientation is applied (a phone photo comes out upright); greyscale, palette and other modes are
    converted to RGB; an animated file gives its first frame.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    numpy.ndarray of shape (h, w, 3), dtype uint8

    Raises
    ------
    KPaletteError
        If the file is missing or is not an image Pillow can read.
    """
    p = Path(path)
    if not p.exists():
        raise KPaletteError(f"{p}: no such file")
    if p.is_dir():
        raise KPaletteError(f"{p}: is a directory, not an image")
    try:
        with Image.open(p) as im:
            im = ImageOps.exif_transpose(im)
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise KPaletteError(f"{p}: not an image file that can be read ({exc})") from None
