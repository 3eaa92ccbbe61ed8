"""Read image files into arrays, the way a designer expects to see them.

:func:`load_image` opens any image Pillow can read (JPEG, PNG, GIF, TIFF, WebP, BMP, ...) and always gives back
8-bit RGB pixels, upright, with an optional mask of the pixels that are not transparent.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Literal, overload

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import KPaletteError

__all__ = ["load_image", "MAX_PIXELS"]

#: The largest image :func:`load_image` decodes, in pixels (100 megapixels, about a 12,000 x 8,000 photo).
#: Bigger files, and "decompression bombs" whose header claims a huge size, are refused before decoding.
MAX_PIXELS = 100_000_000

_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _check_file(p: Path) -> None:
    if not p.exists():
        raise KPaletteError(f"{p}: no such file")
    if p.is_dir():
        raise KPaletteError(f"{p}: is a directory, not an image file")
    if not p.is_file():
        raise KPaletteError(f"{p}: is not a regular file")
    if p.stat().st_size == 0:
        raise KPaletteError(f"{p}: the file is empty")


def _to_rgb8(im: Image.Image) -> tuple[NDArray[np.uint8], NDArray[np.bool_] | None]:
    """8-bit RGB pixels of a decoded Pillow image, and its opacity mask (None when it has no alpha)."""
    mode = im.mode
    if mode == "P" and im.has_transparency_data:
        im, mode = im.convert("RGBA"), "RGBA"
    elif mode in ("RGB", "L", "1") and "transparency" in im.info:
        im, mode = im.convert("RGBA" if mode == "RGB" else "LA"), "RGBA" if mode == "RGB" else "LA"
    if mode.startswith("I") or mode == "F":
        # 16-bit (or 32-bit) greyscale: Pillow's convert("RGB") would clip at 255, so scale by hand
        raw = np.asarray(im).astype(np.float64)
        if mode == "F" and raw.size and np.nanmax(raw) <= 1.0:
            raw = raw * 65535.0
        grey = np.clip(np.rint(np.nan_to_num(raw) / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), None
    if mode in _ALPHA_MODES:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.uint8)
        return np.ascontiguousarray(rgba[:, :, :3]), rgba[:, :, 3] > 0
    return np.asarray(im.convert("RGB"), dtype=np.uint8).copy(), None


@overload
def load_image(path: str | os.PathLike[str], *, with_mask: Literal[False] = False) -> NDArray[np.uint8]: ...
@overload
def load_image(path: str | os.PathLike[str], *, with_mask: Literal[True]
               ) -> tuple[NDArray[np.uint8], NDArray[np.bool_] | None]: ...


def load_image(path: str | os.PathLike[str], *, with_mask: bool = False
               ) -> NDArray[np.uint8] | tuple[NDArray[np.uint8], NDArray[np.bool_] | None]:
    """Read an image file as an 8-bit RGB array of shape ``(h, w, 3)``.

    Whatever the file holds, the result is the same kind of array:

    - the EXIF orientation is applied, so a phone photo comes out upright;
    - greyscale (8 or 16 bit), palette, CMYK and other modes become RGB; 16-bit channels are scaled to 8 bits;
    - an animated GIF, WebP or multi-page TIFF gives its first frame;
    - the file's name does not matter (no extension, or ``.JPG``): its content says what it is.

    Parameters
    ----------
    path : str or os.PathLike
        The image file.
    with_mask : bool, default False
        Also return which pixels are visible (useful for PNGs with transparency).

    Returns
    -------
    image : numpy.ndarray of shape (h, w, 3), dtype uint8
        The pixels (for transparent pixels, whatever colour the file stores under them).
    mask : numpy.ndarray of shape (h, w), dtype bool, or None
        Only when ``with_mask`` is true: ``True`` where the pixel is at least partly opaque (alpha > 0), or
        ``None`` when the file has no transparency. Pass it on as ``extract_palette(image, mask=mask)`` so
        transparent pixels take no part.

    Raises
    ------
    KPaletteError
        If the path is missing, a directory or an empty file; if the file is not an image, is damaged or cut
        short; if it has more than :data:`MAX_PIXELS` pixels; or, with ``with_mask``, if every pixel is fully
        transparent.

    Examples
    --------
    >>> image = load_image("pics/rocket.jpg")          # doctest: +SKIP
    >>> image, mask = load_image("logo.png", with_mask=True)  # doctest: +SKIP
    """
    p = Path(path)
    _check_file(p)
    try:
        with warnings.catch_warnings():
            # we apply our own size limit below, before any pixel is decoded
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise KPaletteError(
                        f"{p}: the image claims to be {w:,} x {h:,} pixels, more than the {MAX_PIXELS:,} "
                        "pixels kpalette reads")
                im.seek(0)
                upright = ImageOps.exif_transpose(im)
                upright.load()
                image, mask = _to_rgb8(upright)
    except KPaletteError:
        raise
    except Image.DecompressionBombError:
        raise KPaletteError(f"{p}: the image is too large to read safely (more than {MAX_PIXELS:,} pixels)"
                            ) from None
    except UnidentifiedImageError:
        raise KPaletteError(f"{p}: not an image file kpalette can read (try JPEG, PNG, GIF, TIFF, WebP or BMP)"
                            ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise KPaletteError(f"{p}: the image is damaged or cut short ({detail})") from None
    except MemoryError:
        raise KPaletteError(f"{p}: not enough memory to read the image") from None
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise KPaletteError(f"{p}: the image has no pixels")
    if not with_mask:
        return image
    if mask is not None and not mask.any():
        raise KPaletteError(f"{p}: every pixel is fully transparent, so there are no colours to take")
    return image, mask
