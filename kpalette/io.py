"""Read images into arrays, the way a designer expects to see them.

:func:`load_image` opens any image Pillow can read (JPEG, PNG, GIF, TIFF, WebP, BMP, ...), from a file, an
``http(s)://`` address, bytes or a binary file object, and always gives back 8-bit sRGB pixels, upright, with an
optional mask of the pixels that take part (see :mod:`kpalette.pixels` for the transparency rule).

Colour management: a file with an embedded ICC profile (a Display P3 phone photo, an Adobe RGB camera file, a
CMYK print file) is converted to sRGB with Pillow's ``ImageCms`` (LittleCMS, perceptual intent) before anything
else, so its colours are the ones a colour-managed viewer shows. A damaged profile is ignored, as browsers do,
and so is a profile on 16-bit and 32-bit greyscale images, which LittleCMS is not given.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import IO, Literal, overload

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import KPaletteError
from .fetch import fetch, is_url
from .pixels import visible

__all__ = ["load_image", "read_pixels", "pil_pixels", "MAX_PIXELS", "ImageSource"]

#: The largest image :func:`load_image` decodes, in pixels (100 megapixels, about a 12,000 x 8,000 photo).
#: Bigger files, and "decompression bombs" whose header claims a huge size, are refused before decoding.
MAX_PIXELS = 100_000_000

#: What :func:`load_image` reads: a path, an ``http(s)://`` address, encoded bytes or a binary file object.
ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

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


def _to_srgb(im: Image.Image) -> Image.Image:
    """Convert an image with an embedded ICC profile to sRGB (see the module docstring); others pass through."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode.startswith("I") or im.mode == "F":
        return im
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    alpha = None
    if im.mode == "P" or im.mode == "1":
        im = im.convert("RGBA" if im.mode == "P" and im.has_transparency_data else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = im.getchannel("A")
        im = im.convert("RGB" if im.mode in ("RGBA", "RGBa") else "L")
    try:
        converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im if alpha is None else Image.merge("RGBA", (*im.convert("RGB").split(), alpha))
    assert converted is not None
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def pil_pixels(im: Image.Image, name: str = "the image") -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
    """8-bit sRGB pixels of a decoded Pillow image and its 8-bit alpha (``None`` when it has none).

    The ICC profile, if any, is applied first; palette, greyscale, CMYK and 16-bit modes become RGB.
    """
    im = _to_srgb(im)
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
        rgb, alpha = np.repeat(grey[:, :, None], 3, axis=2), None
    elif mode in _ALPHA_MODES:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.uint8)
        rgb, alpha = np.ascontiguousarray(rgba[:, :, :3]), rgba[:, :, 3].copy()
    else:
        rgb, alpha = np.asarray(im.convert("RGB"), dtype=np.uint8).copy(), None
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise KPaletteError(f"{name}: the image has no pixels")
    return rgb, alpha


def _open(source: ImageSource) -> tuple[IO[bytes] | Path, str]:
    """What Pillow should open, and the name that error messages give it."""
    if is_url(source):
        return io.BytesIO(fetch(str(source))), str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise KPaletteError("the image data is empty")
        return io.BytesIO(bytes(source)), "the image data"
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        _check_file(p)
        return p, str(p)
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "the image file"))
        try:
            seekable = bool(source.seekable())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            seekable = False
        try:
            data = source if seekable else io.BytesIO(source.read())
        except OSError as exc:
            raise KPaletteError(f"{name}: cannot read ({exc.strerror or exc})") from None
        if isinstance(data, io.BytesIO) and not data.getbuffer().nbytes:
            raise KPaletteError(f"{name}: the image data is empty")
        return data, name  # type: ignore[return-value]
    raise KPaletteError(f"expected a path, an http(s) address, bytes or a binary file, got {type(source).__name__}")


def read_pixels(source: ImageSource) -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
    """Decode an image: 8-bit sRGB pixels, upright, and the 8-bit alpha channel (``None`` if there is none).

    The checks and messages are those of :func:`load_image`, which is this plus the mask.
    """
    target, name = _open(source)
    try:
        with warnings.catch_warnings():
            # we apply our own size limit below, before any pixel is decoded
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(target) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise KPaletteError(
                        f"{name}: the image claims to be {w:,} x {h:,} pixels, more than the {MAX_PIXELS:,} "
                        "pixels kpalette reads")
                im.seek(0)
                upright = ImageOps.exif_transpose(im)
                upright.load()
                return pil_pixels(upright, name)
    except KPaletteError:
        raise
    except Image.DecompressionBombError:
        raise KPaletteError(f"{name}: the image is too large to read safely (more than {MAX_PIXELS:,} pixels)"
                            ) from None
    except UnidentifiedImageError:
        raise KPaletteError(f"{name}: not an image file kpalette can read (try JPEG, PNG, GIF, TIFF, WebP or BMP)"
                            ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise KPaletteError(f"{name}: the image is damaged or cut short ({detail})") from None
    except MemoryError:
        raise KPaletteError(f"{name}: not enough memory to read the image") from None


@overload
def load_image(source: ImageSource, *, with_mask: Literal[False] = False) -> NDArray[np.uint8]: ...
@overload
def load_image(source: ImageSource, *, with_mask: Literal[True]
               ) -> tuple[NDArray[np.uint8], NDArray[np.bool_] | None]: ...


def load_image(source: ImageSource, *, with_mask: bool = False
               ) -> NDArray[np.uint8] | tuple[NDArray[np.uint8], NDArray[np.bool_] | None]:
    """Read an image as an 8-bit sRGB array of shape ``(h, w, 3)``.

    Whatever the file holds, the result is the same kind of array:

    - an embedded ICC profile (Display P3, Adobe RGB, CMYK) is converted to sRGB first;
    - the EXIF orientation is applied, so a phone photo comes out upright;
    - greyscale (8 or 16 bit), palette, CMYK and other modes become RGB; 16-bit channels are scaled to 8 bits;
    - an animated GIF, WebP or multi-page TIFF gives its first frame;
    - the file's name does not matter (no extension, or ``.JPG``): its content says what it is.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        A path; an ``http://`` or ``https://`` address (fetched within :data:`kpalette.fetch.TIMEOUT` seconds and
        :data:`kpalette.fetch.MAX_BYTES` bytes); the bytes of an encoded image; or a file opened in binary mode
        (``sys.stdin.buffer`` too).
    with_mask : bool, default False
        Also return which pixels take part (useful for PNGs with transparency).

    Returns
    -------
    image : numpy.ndarray of shape (h, w, 3), dtype uint8
        The pixels (for transparent pixels, whatever colour the file stores under them).
    mask : numpy.ndarray of shape (h, w), dtype bool, or None
        Only when ``with_mask`` is true: ``True`` where the pixel takes part, that is where its alpha is at
        least :data:`kpalette.pixels.ALPHA_MIN` (128 of 255, at least half opaque), or ``None`` when the file has
        no transparency. Pass it on as ``extract_palette(image, mask=mask)``.

    Raises
    ------
    KPaletteError
        If the path is missing, a directory or an empty file; if the download fails; if the data is not an
        image, is damaged or cut short; if it has more than :data:`MAX_PIXELS` pixels; or, with ``with_mask``,
        if no pixel is opaque enough to take part.

    Examples
    --------
    >>> image = load_image("pics/rocket.jpg")          # doctest: +SKIP
    >>> image, mask = load_image("logo.png", with_mask=True)  # doctest: +SKIP
    >>> image = load_image("https://example.org/frame.jpg")   # doctest: +SKIP
    """
    image, alpha = read_pixels(source)
    if not with_mask:
        return image
    return image, visible(alpha, _name(source))


def _name(source: object) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "the image data"
    if isinstance(source, (str, os.PathLike)):
        return str(source) if is_url(source) else str(Path(source))
    return str(getattr(source, "name", "the image file"))
