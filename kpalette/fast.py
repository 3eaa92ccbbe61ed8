"""The fast method: k-means on a frame's colours weighted by how often they occur, not on its pixels.

The k-means objective sums the squared distance from every pixel to its nearest centre. Pixels of the same
colour contribute the same term, so the sum over pixels equals a sum over *distinct* colours, each weighted by
its count. Grouping colours into fine bins of RGB changes the objective by at most the spread inside a bin.
This module builds that weighted table in one pass over the pixels and runs k-means on it:

1. :func:`colour_table`: one pass over the pixels counts them in bins of ``bits`` bits per channel
   (7 bits: 2 x 2 x 2 colours per bin, so a bin's centre is within half a level of each of its colours).
2. The occupied bins are converted to the clustering space (Lab or RGB): a few thousand to a few hundred
   thousand colours, never the whole image (:func:`bin_lab` looks the conversion up per channel).
3. :func:`pyramid`: the bins are merged into coarser levels (5 and 4 bits), each point placed at the
   weighted mean of its members, so each level is the same problem in less detail.
4. Ten k-means++ starts (:func:`kmeans_pp`) take a few Lloyd steps side by side on the coarsest level
   (:func:`lloyd`), enough to tell good starts from bad ones; the best three take a few more on the 5-bit
   level, and the best of those is kept.
5. Every 7-bit bin is given to its nearest centre, which gives each centre's pixel count, and each centre
   moves to the weighted mean of its bins: one last Lloyd update, at full detail.

Each level starts close to its answer, so a few steps per level are enough (:data:`START_STEPS`,
:data:`LEVEL_STEPS`); the benchmark (``make bench``) checks the result against full k-means on every pixel.

The clustering is plain NumPy without BLAS calls or threads, so the same input and seed give the same palette on any
machine and with any number of threads. Labelling each pixel (:func:`kpalette.assign`) uses a look-up table
over the image's exact distinct colours, so labels are exactly the nearest centres.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .color import WHITE_D65, XYZ_FROM_RGB

__all__ = ["fast_centers", "table_centers", "colour_table", "ColourTable", "pyramid", "kmeans_pp", "lloyd", "nearest",
           "colour_codes", "bin_lab", "decode", "FINE_BITS", "LEVELS", "START_STEPS", "LEVEL_STEPS"]

FINE_BITS = 7
LEVELS = (5, 4)
TOP = 3
TOL = 1e-3
#: Lloyd steps, at most, for each start on the coarsest level: enough to rank the starts.
START_STEPS = 6
#: Lloyd steps, at most, on each finer level: it starts close to its answer.
LEVEL_STEPS = 5
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


def _channels(codes: NDArray[np.integer], bits: int) -> tuple[NDArray[np.intp], ...]:
    """The red, green and blue bin numbers (0 to ``2 ** bits - 1``) of each code."""
    mask = (1 << bits) - 1
    return codes >> (2 * bits), (codes >> bits) & mask, codes & mask


def _bin_centres(bits: int) -> NDArray[np.float64]:
    """The channel value (0 to 255) at the middle of each of the ``2 ** bits`` bins of one channel."""
    step = 1 << (8 - bits)
    return np.arange(1 << bits) * float(step) + (step - 1) / 2.0


def decode(codes: NDArray[np.integer], bits: int) -> NDArray[np.float64]:
    """The RGB colour (0 to 255) at the centre of each bin of :func:`colour_codes`, shape (m, 3)."""
    centre = _bin_centres(bits)
    out = np.empty((len(codes), 3))
    for j, channel in enumerate(_channels(codes, bits)):
        out[:, j] = centre[channel]
    return out


# sRGB (D65) to CIE XYZ, each row divided by the white point's X, Y or Z (the constants of skimage.color.rgb2lab)
_XYZ_FROM_RGB = XYZ_FROM_RGB / WHITE_D65[:, None]

_LINEAR: dict[int, NDArray[np.float64]] = {}


def _linear_centres(bits: int) -> NDArray[np.float64]:
    """Linear-light value (0 to 1) of each of the ``2 ** bits`` bin centres of one channel: the sRGB curve, a
    power (the slow part of converting to Lab), computed once per bin centre instead of once per colour."""
    if bits not in _LINEAR:
        v = _bin_centres(bits) / 255.0
        _LINEAR[bits] = np.where(v > 0.04045, ((v + 0.055) / 1.055) ** 2.4, v / 12.92)
    return _LINEAR[bits]


def _lab_f(t: NDArray[np.float32]) -> None:
    """CIE Lab's f, in place: the cube root, with a straight line near black."""
    low = t <= 0.008856
    near_black = np.float32(7.787) * t[low] + np.float32(16.0 / 116.0)
    np.cbrt(t, out=t)
    t[low] = near_black


def bin_lab(codes: NDArray[np.integer], bits: int) -> NDArray[np.float64]:
    """The CIE Lab colour at the centre of each bin of :func:`colour_codes`, shape (m, 3).

    The numbers of ``rgb_to_lab(decode(codes, bits))`` to within 1e-3 (a thousandth of the smallest difference a
    viewer can see), about four times faster. A bin centre takes one of only ``2 ** bits`` values per channel,
    so the sRGB curve, a power and the slow part of the conversion, is looked up from a table of ``2 ** bits``
    values (see :func:`_linear_centres`) instead of computed for every colour; and the arithmetic before the
    final L, a and b is done in 32-bit floats.
    """
    lut = _linear_centres(bits).astype(np.float32)
    linear = [np.take(lut, channel) for channel in _channels(codes, bits)]
    matrix = _XYZ_FROM_RGB.astype(np.float32)
    f = np.empty((3, len(codes)), dtype=np.float32)   # f(X), f(Y), f(Z), one row each
    tmp = np.empty(len(codes), dtype=np.float32)
    for i in range(3):
        np.multiply(linear[0], matrix[i, 0], out=f[i])
        for j in (1, 2):
            np.multiply(linear[j], matrix[i, j], out=tmp)
            f[i] += tmp
        _lab_f(f[i])
    out = np.empty((3, len(codes)))   # L, a, b as rows: each a contiguous column of the (m, 3) result
    np.multiply(f[1], 116.0, out=out[0])
    out[0] -= 16.0
    np.subtract(f[0], f[1], out=out[1])
    out[1] *= 500.0
    np.subtract(f[1], f[2], out=out[2])
    out[2] *= 200.0
    return out.T


@dataclass(frozen=True)
class ColourTable:
    """A frame reduced to weighted colours.

    Attributes
    ----------
    codes : numpy.ndarray of shape (m,)
        Code of each occupied bin (see :func:`colour_codes`), in increasing order.
    counts : numpy.ndarray of shape (m,)
        Number of pixels in each bin.
    bits : int
        Bits per channel of the bins (8: exact colours).
    """

    codes: NDArray[np.intp]
    counts: NDArray[np.float64]
    bits: int

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def rgb(self) -> NDArray[np.float64]:
        """The colour at the centre of each bin, RGB from 0 to 255, shape (m, 3)."""
        return decode(self.codes, self.bits)

    @cached_property
    def lab(self) -> NDArray[np.float64]:
        """The colour at the centre of each bin in CIE Lab, shape (m, 3) (see :func:`bin_lab`)."""
        return bin_lab(self.codes, self.bits)


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
        codes = colour_codes(pixels, bits)
        codes.sort()   # in place: no second array of the image's size
        first = np.empty(len(codes), dtype=bool)   # where each run of equal codes starts
        first[:1] = True
        np.not_equal(codes[1:], codes[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        occupied = codes[starts].astype(np.intp)
        sizes = np.diff(starts, append=len(codes))
        return ColourTable(occupied, sizes.astype(np.float64), bits)
    else:
        counts = _count(pixels, bits)
    occupied = np.flatnonzero(counts != 0)
    return ColourTable(occupied, counts[occupied].astype(np.float64), bits)


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


def _sq_dist_rows(cols: NDArray[np.float64], centers: NDArray[np.float64]) -> NDArray[np.float64]:
    """Squared distances from points given as three rows of coordinates, shape (3, n), to each of ``centers``
    (shape (..., 3)); the result has shape (..., n).

    Written out coordinate by coordinate (a reduction over an axis of length 3 is slow in NumPy): the sum
    ``d0 * d0 + d1 * d1 + d2 * d2`` is accumulated in place, in that order, in two buffers.
    """
    out = np.subtract(cols[0], centers[..., 0, None])
    np.multiply(out, out, out=out)
    tmp = np.subtract(cols[1], centers[..., 1, None])
    np.multiply(tmp, tmp, out=tmp)
    out += tmp
    np.subtract(cols[2], centers[..., 2, None], out=tmp)
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
    # distances in float32, like the Lloyd steps: the choices only compare sums of them
    points32 = np.asarray(points, dtype=np.float32)
    cols = np.ascontiguousarray(points32.T)
    weights32 = weights.astype(np.float32)
    cum = np.cumsum(weights)
    first = np.minimum(np.searchsorted(cum, rng.random(runs) * cum[-1], side="right"), n - 1)
    centers[:, 0] = points[first]
    closest = _sq_dist_rows(cols, points32[first])                                   # (runs, n)
    for c in range(1, k):
        potential = np.cumsum(weights * closest, axis=1)                             # (runs, n)
        total = potential[:, -1]
        draws = rng.random((runs, trials)) * total[:, None]
        cand = np.stack([potential[r].searchsorted(draws[r], side="right") for r in rows])
        cand = np.minimum(cand, n - 1)                                               # (runs, trials)
        d_cand = _sq_dist_rows(cols, points32[cand])                                 # (runs, trials, n)
        np.minimum(closest[:, None, :], d_cand, out=d_cand)
        best = (d_cand * weights32).sum(axis=2).argmin(axis=1)
        centers[:, c] = points[cand[rows, best]]
        closest = d_cand[rows, best]
    return centers


def _add_to_totals(totals: NDArray[np.float64], cluster: NDArray[np.intp], wx: NDArray[np.float64],
                   sign: int) -> None:
    """Add (``sign=1``) or take away (``sign=-1``) points in the running totals of their clusters.

    ``totals`` has shape (4, clusters): each cluster's weight and weighted coordinate sums. ``cluster`` gives each
    point's cluster; ``wx`` (4, points) its weight and weighted coordinates, broadcast against ``cluster``.
    """
    flat = cluster.ravel()
    for j in range(4):
        totals[j] += sign * np.bincount(flat, weights=np.broadcast_to(wx[j], cluster.shape).ravel(),
                                        minlength=totals.shape[1])


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
        The most Lloyd steps (assign, then update) any set takes.
    tol : float
        Each set stops on its own as soon as none of its centres moves by more than ``sqrt(tol)`` (in the units
        of the space) in a step, or none of its labels changes (then it has converged exactly).

    Returns
    -------
    centers : numpy.ndarray of shape (r, k, 3)
    labels : numpy.ndarray of shape (r, n)
    inertia : numpy.ndarray of shape (r,)
        Weighted sum of squared distances to the nearest centre, for each set.
    n_iter : int
        Steps taken by the set that took the most.
    """
    centers = np.array(centers, dtype=np.float64)
    r, k, _ = centers.shape
    n = len(points)
    cols = np.ascontiguousarray(points.T, dtype=np.float32)
    sq_norms = _sq_norms(cols)
    if max_iter <= 0:   # only the labels of the given centres
        labels, d2 = _nearest(cols, sq_norms, centers)
        return centers, labels, (d2 * weights).sum(axis=1, dtype=np.float64), 0
    labels = np.zeros((r, n), dtype=np.intp)
    d2 = np.zeros((r, n), dtype=np.float32)
    current = np.zeros(r, dtype=bool)   # labels[i] and d2[i] belong to centers[i] as they are now
    wx = np.stack([weights, weights * points[:, 0], weights * points[:, 1], weights * points[:, 2]])
    totals = np.zeros((4, r * k))       # each cluster's weight and weighted coordinate sums, (set, cluster) flat
    empty = 1e-9 * float(np.sum(weights))
    moving = np.arange(r)               # the sets that have not settled yet
    previous = None                     # their labels at the last update, which the totals hold
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        lab, dist = _nearest(cols, sq_norms, centers[moving])
        labels[moving], d2[moving] = lab, dist
        current[moving] = True
        if previous is None:
            _add_to_totals(totals, moving[:, None] * k + lab, wx, 1)
        else:
            # only the points that changed cluster change the totals: take them out of the old, into the new
            changed = lab != previous
            sets, idx = np.nonzero(changed)
            _add_to_totals(totals, moving[sets] * k + previous[sets, idx], wx[:, idx], -1)
            _add_to_totals(totals, moving[sets] * k + lab[sets, idx], wx[:, idx], 1)
            # a set whose labels did not change has settled: updating it again would give the same centres
            still = changed.any(axis=1)
            moving, lab = moving[still], lab[still]
            if len(moving) == 0:
                break
        rows = (moving[:, None] * k + np.arange(k)).ravel()
        mass, sums = totals[0, rows], totals[1:, rows].T
        old = centers[moving]
        new = old.reshape(-1, 3).copy()
        # an emptied cluster keeps its centre (the totals of a cluster all of whose points left are zero, up to
        # rounding when the weights are not whole numbers)
        np.divide(sums, mass[:, None], out=new, where=mass[:, None] > empty)
        new = new.reshape(len(moving), k, 3)
        centers[moving] = new
        current[moving] = False
        # a set whose centres all moved by at most sqrt(tol) has settled too
        still = ((new - old) ** 2).sum(axis=2).max(axis=1) > tol
        moving, previous = moving[still], lab[still]
        if len(moving) == 0:
            break
    stale = np.flatnonzero(~current)
    if len(stale):
        labels[stale], d2[stale] = _nearest(cols, sq_norms, centers[stale])
    return centers, labels, (d2 * weights).sum(axis=1, dtype=np.float64), n_iter


def fast_centers(pixels: NDArray[np.uint8], k: int, *, space: str = "lab", seed: int = 42, n_init: int = 10
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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
        Number of k-means++ starts, each given at most :data:`START_STEPS` Lloyd steps on the coarsest level.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        ``m <= k`` centres in ``space``.
    weights : numpy.ndarray of shape (m,)
        Number of pixels in each cluster (counted per 7-bit bin).
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    table = colour_table(pixels)
    if len(table) <= k:
        rng = np.random.default_rng(seed)
        # so few colours that bins could merge some of them: use the exact colours (there are few)
        uniq, n_each = np.unique(colour_codes(pixels, 8), return_counts=True)
        exact_rgb = decode(uniq, 8)
        points = bin_lab(uniq, 8) if space == "lab" else exact_rgb
        counts = n_each.astype(np.float64)
        if len(points) <= k:
            return points, counts
        centers, labels, inertia, _ = lloyd(points, counts, kmeans_pp(points, counts, k, rng, runs=n_init))
        best = int(np.argmin(inertia))
        weights = np.bincount(labels[best], weights=counts, minlength=k)
        return centers[best][weights > 0], weights[weights > 0]
    return table_centers(table, k, space=space, seed=seed, n_init=n_init)


def table_centers(table: ColourTable, k: int, *, space: str = "lab", seed: int = 42, n_init: int = 10
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cluster the weighted colours of a :class:`ColourTable` into at most ``k`` centres.

    This is the fast method after the one pass over the pixels, so a table summed over many frames (a film)
    is clustered exactly as one frame's table is: the same objective, at the cost of one frame.

    Parameters
    ----------
    table : ColourTable
        Pixel counts per bin (7 bits per channel for the fast method); it should hold more than ``k`` bins.
    k : int
        Number of clusters.
    space : {"lab", "rgb"}
        Space of the returned centres (and of the distances).
    seed : int
        Random seed: the same table and seed give the same centres.
    n_init : int, default 10
        Number of k-means++ starts on the coarsest level.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        ``m <= k`` centres in ``space``.
    weights : numpy.ndarray of shape (m,)
        Number of pixels in each cluster (counted per bin).
    """
    points = table.lab if space == "lab" else table.rgb
    counts = table.counts
    if len(table) <= k:
        return points.copy(), counts.copy()
    rng = np.random.default_rng(seed)
    levels = pyramid(table, points, LEVELS)

    # several starts on the coarsest level, where an iteration costs least, all run side by side
    cpts, cw, _ = levels[-1]
    source = (cpts, cw) if len(cpts) > k else (points, counts)
    starts = kmeans_pp(*source, k, rng, runs=n_init)
    centers, _, inertia, _ = lloyd(*source, starts, max_iter=START_STEPS)
    order = np.argsort(inertia, kind="stable")
    # the best few go down to the next level; on each finer level only the best is kept
    centers = centers[order[:TOP]]
    for lpts, lw, _ in levels[-2::-1]:
        centers, _, inertia, _ = lloyd(lpts, lw, centers, max_iter=LEVEL_STEPS, tol=TOL)
        centers = centers[np.argsort(inertia, kind="stable")[:1]]
    # every 7-bit bin goes to its nearest centre, which gives the shares; each centre then moves to the
    # weighted mean of its bins: one last Lloyd update, at full detail
    _, labels, _, _ = lloyd(points, counts, centers, max_iter=0)
    labels = labels[0]
    weights = np.bincount(labels, weights=counts, minlength=k)
    keep = weights > 0
    sums = np.stack([np.bincount(labels, weights=counts * points[:, j], minlength=k) for j in range(3)], axis=1)
    return sums[keep] / weights[keep, None], weights[keep]
