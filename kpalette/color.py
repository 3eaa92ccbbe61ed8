"""Colour conversions between 8-bit sRGB, CIE Lab and hex codes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from skimage.color import deltaE_cie76, deltaE_ciede2000, lab2rgb, rgb2lab

from .errors import KPaletteError

__all__ = ["rgb_to_lab", "lab_to_rgb", "to_hex", "from_hex", "delta_e"]


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
    rgb = lab2rgb(arr.reshape(-1, 1, 3)).reshape(arr.shape)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


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
    a = rgb_to_lab(image)
    b = rgb_to_lab(other)
    if formula == "2000":
        return float(np.mean(deltaE_ciede2000(a, b)))
    if formula == "76":
        return float(np.mean(deltaE_cie76(a, b)))
    raise KPaletteError(f"formula must be '2000' or '76', not {formula!r}")
