"""Cluster a frame's pixels into a palette with k-means."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .color import rgb_to_lab
from .errors import KPaletteError
from .fast import fast_centers
from .palette import SPACES, Palette
from .pixels import ALPHA_MIN, as_pixels, visible

__all__ = ["extract_palette", "METHODS", "check_image", "image_and_mask", "check_k", "pixels_of"]

METHODS = ("fast", "minibatch", "kmeans")


def check_image(image: object) -> NDArray[np.uint8]:
    """Return the 8-bit RGB pixels of ``image``, shape ``(h, w, 3)``, or raise :class:`KPaletteError`.

    Any input of :func:`kpalette.pixels.as_pixels` (arrays of any integer or float dtype, grey and RGBA arrays,
    PIL images, paths); the alpha channel, if any, is dropped (see :func:`image_and_mask` to keep it).
    """
    return as_pixels(image)[0]


def image_and_mask(image: object, mask: object = None) -> tuple[NDArray[np.uint8], NDArray[np.bool_] | None]:
    """The pixels of ``image`` and which of them take part: the alpha rule of :mod:`kpalette.pixels`, and
    ``mask`` (shape ``(h, w)``) when given, both at once."""
    rgb, alpha = as_pixels(image)
    keep = visible(alpha)
    if mask is not None:
        given = np.asarray(mask, dtype=bool)
        if given.shape != rgb.shape[:2]:
            raise KPaletteError(f"the mask has shape {given.shape}, not the image's height and width {rgb.shape[:2]}")
        keep = given if keep is None else keep & given
    return rgb, keep


def check_k(k: object) -> int:
    """Return ``k`` as a positive int, or raise :class:`KPaletteError`."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise KPaletteError(f"k must be a whole number of colours, got {k!r}")
    if k < 1:
        raise KPaletteError(f"k must be at least 1, got {k}")
    return int(k)


def pixels_of(image: NDArray[np.uint8], mask: NDArray[np.bool_] | None = None) -> NDArray[np.uint8]:
    """The pixels of an ``(h, w, 3)`` image as an ``(n, 3)`` table, keeping only those where ``mask`` is true."""
    flat = image.reshape(-1, 3)
    if mask is None:
        return flat
    keep = np.asarray(mask, dtype=bool).reshape(-1)
    if keep.shape[0] != flat.shape[0]:
        raise KPaletteError("the mask does not have the image's height and width")
    if not keep.any():
        raise KPaletteError(f"the image has no opaque pixels (a pixel takes part when its alpha is at least {ALPHA_MIN} "
                            "of 255 and the mask, if any, is true there)")
    return flat[keep]


def _distinct(pixels: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Distinct colours of an ``(n, 3)`` uint8 table and how often each occurs."""
    codes = (pixels[:, 0].astype(np.uint32) << 16) | (pixels[:, 1].astype(np.uint32) << 8) | pixels[:, 2]
    uniq, counts = np.unique(codes, return_counts=True)
    colours = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.uint8)
    return colours, counts.astype(np.int64)


def _to_space(pixels: NDArray[np.uint8], space: str) -> NDArray[np.float64]:
    return rgb_to_lab(pixels) if space == "lab" else pixels.astype(np.float64)


def extract_palette(
    image: object,
    k: int = 8,
    *,
    space: Literal["lab", "rgb"] = "lab",
    method: str = "fast",
    seed: int = 42,
    mask: NDArray[np.bool_] | None = None,
) -> Palette:
    """Find the ``k`` colours that best summarise a frame.

    Parameters
    ----------
    image : array, PIL image, path, URL or bytes
        The frame: any input of :func:`kpalette.pixels.as_pixels` (8-bit or 16-bit, integer or float in [0, 1],
        grey, RGB or RGBA arrays; a PIL image of any mode; a file). Pixels with alpha below
        :data:`kpalette.pixels.ALPHA_MIN` (less than half opaque) take no part.
    k : int, default 8
        Number of colours. An image with fewer distinct colours gives back just those colours.
    space : {"lab", "rgb"}, default "lab"
        Where distances are measured: CIE Lab (close to perception) or plain RGB.
    method : {"fast", "minibatch", "kmeans"}, default "fast"
        ``"fast"`` clusters the distinct colours weighted by their counts (see :mod:`kpalette.fast`);
        ``"minibatch"`` is the reference pipeline, ``MiniBatchKMeans(batch_size=2**15, n_init=10)`` on every
        pixel; ``"kmeans"`` is full k-means (Lloyd, ``n_init=10``) on every pixel.
    seed : int, default 42
        Random seed: the same image, arguments and seed give the same palette.
    mask : array_like of bool, shape (h, w), optional
        Only pixels where the mask is true take part (for example the mask of :func:`kpalette.load_image`); with
        an image that has alpha, a pixel must pass both.

    Returns
    -------
    Palette
        The colours ordered by share, largest first.

    Raises
    ------
    KPaletteError
        If the image, ``k``, ``space`` or ``method`` is not valid.
    """
    img, take = image_and_mask(image, mask)
    k = check_k(k)
    if space not in SPACES:
        raise KPaletteError(f"space must be one of {', '.join(SPACES)}, not {space!r}")
    if method not in METHODS:
        raise KPaletteError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    pixels = pixels_of(img, take)

    if method == "fast":
        # fast_centers handles an image with k or fewer distinct colours exactly on its own
        centers, weights = fast_centers(pixels, k, space=space, seed=seed)
        return Palette(centers, weights, space).sort("share")

    colours, counts = _distinct(pixels)
    if len(colours) <= k:
        # nothing to cluster: every distinct colour is its own centre
        return Palette(_to_space(colours, space), counts, space).sort("share")

    # scikit-learn is imported here, not at the top, so that the fast method (and the command line) start quickly
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    data = _to_space(pixels, space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "minibatch":
            model = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=2**15, n_init=10)
        else:
            model = KMeans(n_clusters=k, random_state=seed, n_init=10)
        model.fit(data)
    shares = np.bincount(model.labels_, minlength=k).astype(np.float64)
    keep = shares > 0
    return Palette(model.cluster_centers_[keep], shares[keep], space).sort("share")
