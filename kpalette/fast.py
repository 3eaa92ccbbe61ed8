"""The fast method: k-means on a frame's distinct colours, weighted by how often they occur.

A first, simple version; see the chapter "Making it fast".
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from .color import rgb_to_lab

__all__ = ["fast_centers"]


def fast_centers(pixels: NDArray[np.uint8], k: int, *, space: str = "lab", seed: int = 42
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cluster ``(n, 3)`` uint8 pixels into at most ``k`` centres, working on distinct colours only.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
        The (opaque) pixels of the frame.
    k : int
        Number of clusters.
    space : {"lab", "rgb"}
        Space of the returned centres (and of the distances).
    seed : int
        Random seed.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        ``m <= k`` centres in ``space``.
    weights : numpy.ndarray of shape (m,)
        Number of pixels in each cluster.
    """
    codes = (pixels[:, 0].astype(np.uint32) << 16) | (pixels[:, 1].astype(np.uint32) << 8) | pixels[:, 2]
    uniq, counts = np.unique(codes, return_counts=True)
    colours = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    points = rgb_to_lab(colours) if space == "lab" else colours.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(points, sample_weight=counts)
    weights = np.bincount(model.labels_, weights=counts, minlength=k)
    keep = weights > 0
    return model.cluster_centers_[keep], weights[keep]
