"""Replace every pixel by its nearest palette colour, through a look-up table over the image's colours."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .cluster import _to_space, check_image
from .fast import colour_codes, nearest
from .palette import Palette
from .pixels import ALPHA_MIN, as_pixels

__all__ = ["quantize", "assign", "label_table"]


def label_table(image: object, palette: Palette) -> tuple[NDArray[np.uint32], NDArray[np.uint32], NDArray[np.intp]]:
    """Nearest palette colour for each distinct colour of an image.

    Parameters
    ----------
    image : array_like
        Any input of :func:`kpalette.pixels.as_pixels` (its alpha, if any, is not looked at).
    palette : Palette

    Returns
    -------
    codes : numpy.ndarray of shape (h * w,), dtype uint32
        Each pixel's exact 24-bit colour code ``r << 16 | g << 8 | b``.
    distinct : numpy.ndarray of shape (m,), dtype uint32
        The image's distinct colour codes, in increasing order.
    labels : numpy.ndarray of shape (m,)
        Index of the nearest palette colour (in the palette's space, float64 distances) for each of them.
    """
    img = check_image(image)
    codes = colour_codes(img.reshape(-1, 3), 8)
    present = np.zeros(1 << 24, dtype=bool)
    present[codes] = True
    distinct = np.flatnonzero(present).astype(np.uint32)
    del present
    rgb = np.stack([(distinct >> 16) & 255, (distinct >> 8) & 255, distinct & 255], axis=1).astype(np.uint8)
    labels, _ = nearest(_to_space(rgb, palette.space), palette.centers)
    return codes, distinct, labels


def _pixel_labels(img: NDArray[np.uint8], palette: Palette) -> NDArray[np.uint8] | NDArray[np.int32]:
    """Each pixel's label, flat, through a table indexed by 24-bit colour (one byte per entry when k <= 256)."""
    codes, distinct, labels = label_table(img, palette)
    table = np.zeros(1 << 24, dtype=np.uint8 if len(palette) <= 256 else np.int32)
    table[distinct] = labels
    return table[codes]


def assign(image: object, palette: Palette) -> NDArray[np.intp]:
    """Label every pixel with the index of its nearest palette colour.

    Distances are measured in the palette's own space (Lab or RGB). Each distinct colour of the image is
    compared with the palette once; every pixel then finds its answer in a look-up table indexed by its
    24-bit colour, so the cost grows with the number of distinct colours, not of pixels.

    Parameters
    ----------
    image : array, PIL image, path, URL or bytes
        Any input of :func:`kpalette.pixels.as_pixels`.
    palette : Palette

    Returns
    -------
    numpy.ndarray of shape (h, w)
        Indices into ``palette``; ``-1`` for pixels that take no part (alpha below
        :data:`kpalette.pixels.ALPHA_MIN`, when the image has an alpha channel).
    """
    img, alpha = as_pixels(image)
    labels = _pixel_labels(img, palette).astype(np.intp).reshape(img.shape[:2])
    if alpha is not None:
        labels[alpha < ALPHA_MIN] = -1
    return labels


def quantize(image: object, palette: Palette) -> NDArray[np.uint8]:
    """Paint every pixel in its nearest palette colour: a poster-like, colour-quantized image.

    Parameters
    ----------
    image : array, PIL image, path, URL or bytes
        Any input of :func:`kpalette.pixels.as_pixels`.
    palette : Palette

    Returns
    -------
    numpy.ndarray of shape (h, w, 3) or (h, w, 4), dtype uint8
        Uses only the colours of ``palette.rgb``. An image with an alpha channel gives an RGBA poster: pixels
        that take part keep their alpha, pixels with alpha below :data:`kpalette.pixels.ALPHA_MIN` become fully
        transparent (the rule of :mod:`kpalette.pixels`).
    """
    img, alpha = as_pixels(image)
    poster = palette.rgb[_pixel_labels(img, palette)].reshape(img.shape)
    if alpha is None:
        return poster
    return np.dstack([poster, np.where(alpha >= ALPHA_MIN, alpha, 0).astype(np.uint8)])
