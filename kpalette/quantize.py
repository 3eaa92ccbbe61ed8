"""Replace every pixel by its nearest palette colour."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .cluster import _to_space, check_image
from .palette import Palette

__all__ = ["quantize", "assign"]


def assign(image: object, palette: Palette) -> NDArray[np.intp]:
    """Label every pixel with the index of its nearest palette colour.

    Distances are measured in the palette's own space (Lab or RGB). Each distinct colour of the image is
    compared with the palette once, then the answer is looked up for every pixel.

    Parameters
    ----------
    image : array_like of shape (h, w, 3)
    palette : Palette

    Returns
    -------
    numpy.ndarray of shape (h, w)
        Indices into ``palette``.
    """
    img = check_image(image)
    flat = img.reshape(-1, 3)
    codes = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
    uniq, inverse = np.unique(codes, return_inverse=True)
    colours = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.uint8)
    points = _to_space(colours, palette.space)
    d2 = ((points[:, None, :] - palette.centers[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argmin(d2, axis=1)
    return nearest[inverse.reshape(-1)].reshape(img.shape[:2])


def quantize(image: object, palette: Palette) -> NDArray[np.uint8]:
    """Paint every pixel in its nearest palette colour: a poster-like, colour-quantized image.

    Parameters
    ----------
    image : array_like of shape (h, w, 3)
    palette : Palette

    Returns
    -------
    numpy.ndarray of shape (h, w, 3), dtype uint8
        Uses only the colours of ``palette.rgb``.
    """
    return palette.rgb[assign(image, palette)]
