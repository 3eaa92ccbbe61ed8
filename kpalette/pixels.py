"""What :func:`~kpalette.extract_palette`, :func:`~kpalette.quantize` and :func:`~kpalette.assign` accept.

:func:`as_pixels` turns any image a person may hold into the one form the rest of kpalette works on: 8-bit RGB
pixels of shape ``(h, w, 3)`` and, when the image has transparency, an 8-bit alpha channel of shape ``(h, w)``.

=====================================  ============================================================================
input                                  read as
=====================================  ============================================================================
path (``str``, ``Path``), URL, bytes,  :func:`kpalette.load_image` (a file, ``http(s)://``, encoded image data)
binary file object
PIL image, any mode                    the same conversion as a file: ICC profile to sRGB, greyscale, palette,
                                       CMYK and 16-bit modes to 8-bit RGB, alpha kept
``uint8`` array                        as it is
``uint16`` array                       16 bits brought down to 8 (``round(v / 257)``)
other integer array                    8-bit values: every value must be from 0 to 255
float array                            values from 0 to 1 (as scikit-image returns them); a value above 1 (for
                                       example 0-255 floats) is an error that says so
shape ``(h, w)`` or ``(h, w, 1)``      greyscale
shape ``(h, w, 2)``                    greyscale and alpha
shape ``(h, w, 4)``                    RGB and alpha
=====================================  ============================================================================

Transparency: the rule
----------------------
A pixel takes part (in the palette, its shares, the poster) when its alpha is at least :data:`ALPHA_MIN`, 128 of
255: at least half of what is seen there is the pixel's own colour. Fainter pixels are left out entirely, and a
poster leaves them fully transparent; pixels that take part keep their alpha in the poster.

Why a threshold and not weighting each pixel by its alpha: a share should stay a share of the visible *area*,
which is what a designer reads "30 %" as; the colour stored under a faint pixel is often not the colour seen (a
black drop shadow at 10 % looks light grey on a white page, and editors leave arbitrary colours under
near-zero alpha), so weighting would still let large faint regions pull a centre towards a colour nobody sees;
and a yes-or-no rule works the same for every method (the fast method counts whole pixels) and for the poster,
where a pixel is either painted or not.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError

__all__ = ["as_pixels", "visible", "ALPHA_MIN"]

#: The least alpha (of 255) at which a pixel takes part: at least half opaque.
ALPHA_MIN = 128

_ENCODED = (str, os.PathLike, bytes, bytearray, memoryview)


def visible(alpha: NDArray[np.uint8] | None, name: str | None = None) -> NDArray[np.bool_] | None:
    """Which pixels take part, from an 8-bit alpha channel (``None`` when the image has no alpha).

    With ``name``, raise :class:`KPaletteError` (naming the image so) when no pixel takes part.
    """
    if alpha is None:
        return None
    mask = alpha >= ALPHA_MIN
    if name is not None and not mask.any():
        raise KPaletteError(f"{name}: every pixel is transparent or nearly (alpha below {ALPHA_MIN} of 255), "
                            "so there are no colours to take")
    return mask


def _to_uint8(values: NDArray[Any], what: str) -> NDArray[np.uint8]:
    """Bring one array of channel values to 8 bits, by the rules in the module's table."""
    dtype = values.dtype
    if dtype == np.uint8:
        return values
    if dtype == np.bool_:
        raise KPaletteError(f"expected image pixels, got a {what} of True/False values")
    if dtype == np.uint16:
        return ((values.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if np.issubdtype(dtype, np.integer):
        if values.size and (values.min() < 0 or values.max() > 255):
            raise KPaletteError(
                f"integer {what} values must be from 0 to 255, but these go from {values.min()} to {values.max()} "
                "(for 16-bit pixels use a uint16 array)")
        return values.astype(np.uint8)
    if np.issubdtype(dtype, np.floating):
        if not np.all(np.isfinite(values)):
            raise KPaletteError(f"the {what} has NaN or infinite values")
        if values.size:
            low, high = float(values.min()), float(values.max())
            if high > 1.0 + 1e-6:
                raise KPaletteError(
                    f"float {what} values must be from 0 to 1, but these go up to {high:g} "
                    "(for 0-255 values divide by 255, or pass a uint8 array)")
            if low < -1e-6:
                raise KPaletteError(f"float {what} values must be from 0 to 1, but these go down to {low:g}")
        return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
    raise KPaletteError(f"expected integer or float pixels, got {dtype}")


def _from_array(arr: NDArray[Any]) -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise KPaletteError(f"expected an image of shape (h, w), (h, w, 3) or (h, w, 4), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise KPaletteError("the image has no pixels")
    channels = arr.shape[2]
    colour = _to_uint8(arr[:, :, : 3 if channels >= 3 else 1], "pixel")
    alpha = _to_uint8(arr[:, :, -1], "alpha") if channels in (2, 4) else None
    if colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    elif channels == 4:
        colour = np.ascontiguousarray(colour)
    return colour, alpha


def as_pixels(image: object) -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
    """Any image input as 8-bit RGB pixels and its 8-bit alpha channel.

    Parameters
    ----------
    image : path, URL, bytes, binary file, PIL image or array
        See the table in :mod:`kpalette.pixels`.

    Returns
    -------
    rgb : numpy.ndarray of shape (h, w, 3), dtype uint8
    alpha : numpy.ndarray of shape (h, w), dtype uint8, or None
        ``None`` when the image has no transparency. :func:`visible` turns it into the mask of the pixels that
        take part.

    Raises
    ------
    KPaletteError
        If the input cannot be read, has no pixels, an unusable shape or dtype, or float values outside [0, 1].
    """
    from PIL import Image

    if isinstance(image, Image.Image):
        from .io import pil_pixels

        return pil_pixels(image, "the image")
    if isinstance(image, _ENCODED) or hasattr(image, "read"):
        from .io import read_pixels

        return read_pixels(image)
    try:
        arr = np.asarray(image)
    except (TypeError, ValueError) as exc:
        raise KPaletteError(f"expected an image (a path, a PIL image or an array), got {type(image).__name__}"
                            ) from exc
    if arr.dtype == object:
        raise KPaletteError(f"expected an image (a path, a PIL image or an array), got {type(image).__name__}")
    return _from_array(arr)
