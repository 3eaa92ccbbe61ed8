"""The fast method: k-means on a frame's colours weighted by how often they occur, not on its pixels.

The k-means objective sums the squared distance from every pixel to its nearest centre. Pixels of the same
colour contribute the same term, so the sum over pixels equals a sum over *distinct* colours, each weighted by
its count. Grouping colours into fine bins of RGB changes the objective by at most the spread inside a bin.
This module builds that weighted table in one pass over the pixels and runs k-means on it:

1. :func:`colour_table`: one pass over the pixels counts them in bins of ``bits`` bits per channel
   (7 bits: 2 x 2 x 2 colours per bin, so a bin's centre is within half a level of each of its colours).
2. The occupied bins are converted to the clustering space (Lab or RGB): a few thousand to a few hundred
   thousand colours, never the whole image.
3. :func:`pyramid`: the bins are merged into coarser levels (6, 5 and 4 bits), each point placed at the
   weighted mean of its members, so each level is the same problem in less detail.
4. Ten k-means++ starts (:func:`kmeans_pp`) run side by side to convergence on the coarsest level
   (:func:`lloyd`); the best three are refined on the 5-bit level, the best of those on the 6-bit level, and
   the 7-bit bins are then given to their nearest centres, which gives each centre's pixel count.

The clustering is plain NumPy without BLAS calls or threads, so the same input and seed give the same palette on any
machine and with any number of threads. Labelling each pixel (:func:`kpalette.assign`) uses a look-up table
over the image's exact distinct colours, so labels are exactly the nearest centres.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .color import rgb_to_lab

__all__ = ["fast_centers", "colour_table", "ColourTable", "pyramid", "kmeans_pp", "lloyd", "nearest",
           "colour_codes", "FINE_BITS", "LEVELS"]

FINE_BITS = 7
LEVELS = (6, 5, 4)
TOP = 3
TOL = 1e-3
_CHUNK = 1 << 17
_PARALLEL = 1 << 21  # images with at least this many pixels are counted by two threads
_SORTED = 1 << 20    # images with fewer pixels are counted by sorting their codes


def colour_codes(pixels: NDArray[np.uint8], bits: int = 8) -> NDArray[np.uint32]:
    """Code each pixel's colour as one integer, keeping the top ``bits`` bits of each channel.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
    bits : int, default 8
        1 to 8; with 8 bits the code is the exact 24-bit colour ``r << 16 | g << 8 | b``.

    Returns
    -------
    numpy.ndarray of shape (n,), dtype uint32
        ``(r >> (8 - bits)) << 2 * bits | (g >> (8 - bits)) << bits | b >> (8 - bits)``, from 0 to
        ``2 ** (3 * bits) - 1``.

    Notes
    -----
    Each pixel's three bytes (and the next pixel's first byte) are read at once as one little-endian 32-bit
    word, ``r | g << 8 | b << 16 | ...``; masks and shifts then move the kept bits into place. The work is
    done chunk by chunk in small reused buffers, so no temporary array larger than a chunk is made.
    """
    px = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    n = len(px)
    codes = np.empty(n, dtype=np.uint32)
    if n == 0:
        return codes
    drop = 8 - bits
    keep = (0xFF << drop) & 0xFF
    mask = np.uint32(keep | keep << 8 | keep << 16)
    g_field = np.uint32(((1 << bits) - 1) << bits)
    words = np.ndarray(shape=(n - 1,), dtype="<u4", buffer=px, strides=(3,))
    t = np.empty(min(_CHUNK, n), dtype=np.uint32)
    u = np.empty_like(t)
    for start in range(0, n - 1, _CHUNK):
        w = words[start:start + _CHUNK]
        out, tt, uu = codes[start:start + len(w)], t[:len(w)], u[:len(w)]
        np.bitwise_and(w, mask, out=tt)              # r, g, b with their low bits cleared
        np.bitwise_and(tt, np.uint32(0xFF), out=out)  # r ...
        if 2 * bits >= drop:                          # ... to the top field
            np.left_shift(out, np.uint32(2 * bits - drop), out=out)
        else:
            np.right_shift(out, np.uint32(drop - 2 * bits), out=out)
        np.right_shift(tt, np.uint32(8 + drop - bits), out=uu)  # g to the middle field
        np.bitwise_and(uu, g_field, out=uu)
        out |= uu
        np.right_shift(tt, np.uint32(16 + drop), out=uu)        # b to the bottom field
        out |= uu
    r, g, b = (int(v) >> drop for v in px[-1])  # the last pixel has no byte after it to read
    codes[-1] = (r << 2 * bits) | (g << bits) | b
    return codes


def _count(pixels: NDArray[np.uint8], bits: int) -> NDArray[np.intp]:
    """Pixel counts of all ``2 ** (3 * bits)`` bins."""
    return np.bincount(colour_codes(pixels, bits), minlength=1 << (3 * bits))


def decode(codes: NDArray[np.integer], bits: int) -> NDArray[np.float64]:
    """The RGB colour (0 to 255) at the centre of each bin of :func:`colour_codes`."""
    mask = (1 << bits) - 1
    step = 1 << (8 - bits)
    q = np.stack([(codes >> (2 * bits)) & mask, (codes >> bits) & mask, codes & mask], axis=1)
    return q * float(step) + (step - 1) / 2.0


@dataclass(frozen=True)
class ColourTable:
    """A frame reduced to weighted colours.

    Attributes
    ----------
    codes : numpy.ndarray of shape (m,)
        Code of each occupied bin (see :func:`colour_codes`).
    rgb : numpy.ndarray of shape (m, 3)
        The colour at the centre of each bin, RGB from 0 to 255.
    counts : numpy.ndarray of shape (m,)
        Number of pixels in each bin.
    bits : int
        Bits per channel of the bins (8: exact colours).
    """

    codes: NDArray[np.intp]
    rgb: NDArray[np.float64]
    counts: NDArray[np.float64]
    bits: int

    def __len__(self) -> int:
        return len(self.codes)


def colour_table(pixels: NDArray[np.uint8], bits: int = FINE_BITS) -> ColourTable:
    """Count the pixels in bins of ``bits`` bits per channel: one pass over the image.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
    bits : int, default 7
        Bits per channel. 7 bits make bins of 2 x 2 x 2 colours, 8 bits counts exact colours (2**24 counters,
        128 MB, so only for small images).

    Returns
    -------
    ColourTable
        Only the occupied bins, in code order.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if len(pixels) >= _PARALLEL:
        # two halves counted at once (NumPy releases the GIL); integer counts add up exactly, in any order
        half = len(pixels) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            a, b = pool.map(_count, (pixels[:half], pixels[half:]), (bits, bits))
        counts = a + b
    elif len(pixels) < _SORTED:
        # few pixels: sorting their codes is cheaper than scanning 2 ** (3 * bits) counters
        codes = np.sort(colour_codes(pixels, bits))
        first = np.empty(len(codes), dtype=bool)   # where each run of equal codes starts
        first[:1] = True
        np.not_equal(codes[1:], codes[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        occupied = codes[starts].astype(np.intp)
        sizes = np.diff(starts, append=len(codes))
        return ColourTable(occupied, decode(occupied, bits), sizes.astype(np.float64), bits)
    else:
        counts = _count(pixels, bits)
    occupied = np.flatnonzero(counts != 0)
    return ColourTable(occupied, decode(occupied, bits), counts[occupied].astype(np.float64), bits)


def pyramid(table: ColourTable, points: NDArray[np.float64], levels: tuple[int, ...] = LEVELS
            ) -> list[tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]]:
    """Merge the table's bins into coarser bins, level by level.

    Parameters
    ----------
    table : ColourTable
    points : numpy.ndarray of shape (m, 3)
        The table's colours in the clustering space.
    levels : tuple of int
        Bits per channel of each coarser level, finest first.

    Returns
    -------
    list of (points, weights, parent)
        For each level: its points (the weighted mean of their members' points), their weights (pixel
        counts) and, for each point of the level above (finer), the index of the coarse point it belongs to.
    """
    out = []
    bits, codes, pts, wts = table.bits, table.codes, points, table.counts
    for coarse in levels:
        shift = bits - coarse
        mask = (1 << bits) - 1
        r, g, b = (codes >> (2 * bits)) & mask, (codes >> bits) & mask, codes & mask
        ccodes = ((r >> shift) << (2 * coarse)) | ((g >> shift) << coarse) | (b >> shift)
        present = np.zeros(1 << (3 * coarse), dtype=bool)
        present[ccodes] = True
        uniq = np.flatnonzero(present)
        rank = np.empty(len(present), dtype=np.intp)   # index of each occupied coarse bin among them
        rank[uniq] = np.arange(len(uniq))
        parent = rank[ccodes]
        w = np.bincount(parent, weights=wts)
        p = np.stack([np.bincount(parent, weights=wts * pts[:, j]) for j in range(3)], axis=1) / w[:, None]
        out.append((p, w, parent))
        bits, codes, pts, wts = coarse, uniq, p, w
    return out


def nearest(points: NDArray[np.floating], centers: NDArray[np.float64]
            ) -> tuple[NDArray[np.intp], NDArray[np.floating]]:
    """Index of the nearest centre for each point, and the squared distance to it.

    Parameters
    ----------
    points : numpy.ndarray of shape (n, 3)
        float64, or float32 for speed (the clustering uses float32 distances; labelling pixels uses float64).
    centers : numpy.ndarray of shape (k, 3), or (r, k, 3) for ``r`` sets of centres at once

    Returns
    -------
    labels : numpy.ndarray of shape (n,) or (r, n)
    sq_dist : numpy.ndarray of shape (n,) or (r, n)

    Notes
    -----
    Uses ``|x - c|**2 = |x|**2 - 2 x.c + |c|**2`` with the dot product written out as three elementwise
    products: no BLAS call, so the result does not depend on the number of threads. Ties go to the lower index.
    """
    cols = np.ascontiguousarray(points.T)
    labels, best = _nearest(cols, _sq_norms(cols), np.asarray(centers))
    return (labels[0], best[0]) if np.ndim(centers) == 2 else (labels, best)


def _sq_norms(cols: NDArray[np.floating]) -> NDArray[np.floating]:
    """``|x|**2`` for points given as three rows of coordinates."""
    return cols[0] * cols[0] + cols[1] * cols[1] + cols[2] * cols[2]


def _nearest(cols: NDArray[np.floating], sq_norms: NDArray[np.floating], centers: NDArray[np.float64]
             ) -> tuple[NDArray[np.intp], NDArray[np.floating]]:
    """:func:`nearest` for points given as three contiguous rows of coordinates, shape (3, n)."""
    c = centers.astype(cols.dtype).reshape(-1, centers.shape[-2], 3)
    r, k, _ = c.shape
    c2 = -2.0 * c
    cc = (c * c).sum(axis=2)
    shape = (r, cols.shape[1])
    best = np.empty(shape, dtype=cols.dtype)   # running minimum of |c|**2 - 2 x.c over the centres so far
    d = np.empty_like(best)                    # the same for centre j, (r, n)
    tmp = np.empty_like(best)
    label_type = np.uint8 if k <= 256 else np.intp   # small while updated k times
    labels = np.zeros(shape, dtype=label_type)
    candidate = np.empty_like(labels)
    closer = np.empty(shape, dtype=bool)
    for j in range(k):
        row = best if j == 0 else d
        # |c|**2 + x0 c0' + x1 c1' + x2 c2' (c' = -2c), summed in this order, into reused buffers
        np.multiply(cols[0], c2[:, j, 0, None], out=tmp)
        np.add(cc[:, j, None], tmp, out=row)
        np.multiply(cols[1], c2[:, j, 1, None], out=tmp)
        row += tmp
        np.multiply(cols[2], c2[:, j, 2, None], out=tmp)
        row += tmp
        if j:
            np.less(d, best, out=closer)
            # labels = j where closer, without a masked copy (slow, it branches): every label so far is
            # below j, so the larger of the label and closer * j is j where closer and the label elsewhere
            np.multiply(closer, label_type(j), out=candidate)
            np.maximum(labels, candidate, out=labels)
            np.minimum(best, d, out=best)
    best += sq_norms
    np.maximum(best, 0, out=best)
    return labels.astype(np.intp, copy=False), best


def _sq_dist(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Squared distances between broadcast points ``a`` and ``b`` (last axis: the 3 coordinates).

    Written out coordinate by coordinate: a reduction over an axis of length 3 is slow in NumPy. The sum
    ``d0 * d0 + d1 * d1 + d2 * d2`` is accumulated in place, in that order, in two buffers.
    """
    out = np.subtract(a[..., 0], b[..., 0])
    np.multiply(out, out, out=out)
    tmp = np.subtract(a[..., 1], b[..., 1])
    np.multiply(tmp, tmp, out=tmp)
    out += tmp
    np.subtract(a[..., 2], b[..., 2], out=tmp)
    np.multiply(tmp, tmp, out=tmp)
    out += tmp
    return out


def kmeans_pp(points: NDArray[np.float64], weights: NDArray[np.float64], k: int,
              rng: np.random.Generator, runs: int = 1) -> NDArray[np.float64]:
    """Greedy k-means++ starting centres for weighted points, for ``runs`` independent starts at once.

    Each new centre is drawn with probability proportional to weight times squared distance to the
    nearest centre so far; of ``2 + log k`` such draws the one that lowers the objective most is kept
    (scikit-learn's greedy k-means++, with weights).

    Returns
    -------
    numpy.ndarray of shape (runs, k, 3)
    """
    n = len(points)
    trials = 2 + int(np.log(k))
    rows = np.arange(runs)
    centers = np.empty((runs, k, 3))
    cum = np.cumsum(weights)
    first = np.minimum(np.searchsorted(cum, rng.random(runs) * cum[-1], side="right"), n - 1)
    centers[:, 0] = points[first]
    closest = _sq_dist(points[None, :, :], points[first][:, None, :])               # (runs, n)
    for c in range(1, k):
        potential = np.cumsum(weights * closest, axis=1)                             # (runs, n)
        total = potential[:, -1]
        draws = rng.random((runs, trials)) * total[:, None]
        cand = np.stack([potential[r].searchsorted(draws[r], side="right") for r in rows])
        cand = np.minimum(cand, n - 1)                                               # (runs, trials)
        d_cand = _sq_dist(points[None, None, :, :], points[cand][:, :, None, :])
        np.minimum(closest[:, None, :], d_cand, out=d_cand)                          # (runs, trials, n)
        best = (d_cand * weights).sum(axis=2).argmin(axis=1)
        centers[:, c] = points[cand[rows, best]]
        closest = d_cand[rows, best]
    return centers


def lloyd(points: NDArray[np.float64], weights: NDArray[np.float64], centers: NDArray[np.float64], *,
          max_iter: int = 100, tol: float = 1e-4
          ) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.float64], int]:
    """Weighted Lloyd iterations, for several sets of centres at once.

    Each iteration assigns every point to its nearest centre and moves each centre to the weighted mean of
    its points.

    Parameters
    ----------
    points : numpy.ndarray of shape (n, 3)
    weights : numpy.ndarray of shape (n,)
    centers : numpy.ndarray of shape (r, k, 3)
        ``r`` sets of starting centres, run side by side (not modified).
    max_iter : int
    tol : float
        Stop when no centre of any set moves by more than ``sqrt(tol)`` (in the units of the space), or no
        label changes.

    Returns
    -------
    centers : numpy.ndarray of shape (r, k, 3)
    labels : numpy.ndarray of shape (r, n)
    inertia : numpy.ndarray of shape (r,)
        Weighted sum of squared distances to the nearest centre, for each set.
    n_iter : int
    """
    centers = np.array(centers, dtype=np.float64)
    r, k, _ = centers.shape
    offset = (np.arange(r) * k)[:, None]
    cols = np.ascontiguousarray(points.T, dtype=np.float32)
    sq_norms = _sq_norms(cols)
    # weights and weighted coordinates of every set's points, for the updates (none when max_iter is 0)
    n_sets = r if max_iter > 0 else 0
    w_r = np.tile(weights, n_sets)
    wx_r = [np.tile(weights * points[:, j], n_sets) for j in range(3)] if n_sets else []
    previous = None
    n_iter = 0
    final = None   # (labels, squared distances) for the current centres, once known
    for n_iter in range(1, max_iter + 1):
        labels, d2 = _nearest(cols, sq_norms, centers)
        if previous is not None and np.array_equal(labels, previous):
            final = labels, d2   # converged: the centres are those these labels were computed for
            break
        previous = labels
        flat = (labels + offset).ravel()
        mass = np.bincount(flat, weights=w_r, minlength=r * k)
        sums = np.stack([np.bincount(flat, weights=wx, minlength=r * k) for wx in wx_r], axis=1)
        new = centers.reshape(-1, 3).copy()
        filled = mass > 0
        np.divide(sums, mass[:, None], out=new, where=filled[:, None])   # an emptied cluster keeps its centre
        new = new.reshape(r, k, 3)
        shift = float(((new - centers) ** 2).sum(axis=2).max())
        centers = new
        if shift <= tol:
            break
    labels, d2 = final if final is not None else _nearest(cols, sq_norms, centers)
    return centers, labels, (d2 * weights).sum(axis=1, dtype=np.float64), n_iter


def fast_centers(pixels: NDArray[np.uint8], k: int, *, space: str = "lab", seed: int = 42, n_init: int = 10,
                 polish: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cluster ``(n, 3)`` uint8 pixels into at most ``k`` centres, working on weighted colour bins only.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
        The (opaque) pixels of the frame.
    k : int
        Number of clusters.
    space : {"lab", "rgb"}
        Space of the returned centres (and of the distances).
    seed : int
        Random seed: the same pixels and seed give the same centres.
    n_init : int, default 10
        Number of k-means++ starts, each run to convergence on the coarsest level.
    polish : int, default 0
        Extra Lloyd steps on the finest (7-bit) bins at the end; the final labelling of those bins (which
        gives the weights) is always done.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        ``m <= k`` centres in ``space``.
    weights : numpy.ndarray of shape (m,)
        Number of pixels in each cluster (counted per 7-bit bin).
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    table = colour_table(pixels)
    rng = np.random.default_rng(seed)
    if len(table) <= k:
        # so few colours that bins could merge some of them: use the exact colours (there are few)
        uniq, n_each = np.unique(colour_codes(pixels, 8), return_counts=True)
        exact_rgb = decode(uniq, 8)
        points = rgb_to_lab(exact_rgb) if space == "lab" else exact_rgb
        counts = n_each.astype(np.float64)
        if len(points) <= k:
            return points, counts
        centers, labels, inertia, _ = lloyd(points, counts, kmeans_pp(points, counts, k, rng, runs=n_init))
        best = int(np.argmin(inertia))
        weights = np.bincount(labels[best], weights=counts, minlength=k)
        return centers[best][weights > 0], weights[weights > 0]
    points = rgb_to_lab(table.rgb) if space == "lab" else table.rgb
    counts = table.counts
    levels = pyramid(table, points, LEVELS)

    # several starts on the coarsest level, where an iteration costs least, all run side by side
    cpts, cw, _ = levels[-1]
    source = (cpts, cw) if len(cpts) > k else (points, counts)
    starts = kmeans_pp(*source, k, rng, runs=n_init)
    centers, _, inertia, _ = lloyd(*source, starts)
    order = np.argsort(inertia, kind="stable")
    # the best few go down one level, the best of those is refined level by level down to the 7-bit bins
    centers = centers[order[:TOP]]
    for lpts, lw, _ in levels[-2::-1]:
        centers, _, inertia, _ = lloyd(lpts, lw, centers, tol=TOL)
        centers = centers[np.argsort(inertia, kind="stable")[:1]]
    centers, labels, _, _ = lloyd(points, counts, centers, max_iter=polish, tol=TOL)
    centers, labels = centers[0], labels[0]
    weights = np.bincount(labels, weights=counts, minlength=len(centers))
    keep = weights > 0
    return centers[keep], weights[keep]
