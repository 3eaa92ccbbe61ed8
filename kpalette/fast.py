"""The fast method: k-means on a frame's colours weighted by how often they occur, not on its pixels.

The k-means objective sums the squared distance from every pixel to its nearest centre. Pixels of the same
colour contribute the same term, so the sum over pixels equals a sum over *distinct* colours, each weighted by
its count. Putting a group of colours at their mean, with their summed weight, changes the objective only by a
constant (their spread around the mean) as long as the whole group goes to one centre. This module builds such
a weighted table in one pass over the pixels and runs k-means on it:

1. :func:`colour_table`: one pass over the pixels counts them in bins of ``bits`` bits per channel (7 bits:
   2 x 2 x 2 colours per bin) and, for an image up to full HD, finds the mean colour of each bin's pixels.
2. The occupied bins are converted to the clustering space (Lab or RGB): a few thousand to a few hundred
   thousand colours, never the whole image.
3. :func:`pyramid`: the bins are merged into coarser levels (6, 5, 4 and 3 bits), each point placed at the
   weighted mean of its members, so each level is the same problem in less detail.
4. :func:`table_centers`: twenty k-means++ starts (:func:`kmeans_pp`) run Lloyd's algorithm side by side
   (:func:`lloyd`) on the coarsest level that still has :data:`MIN_POINTS` points; all of them take two more
   steps on the next level, where they are ranked with more detail; the best two converge there and the best
   of those on each finer level; every bin of the table then goes to its nearest centre, which gives the
   shares, and each centre moves to the weighted mean of its bins: one last update, at full detail.

The parameters were chosen on the tuning half of an evaluation set of real photos, film frames and hard
synthetic pictures; ``make bench`` measures the result on the other half against full k-means on every pixel.

The clustering is plain NumPy without BLAS calls or threads, so the same input and seed give the same palette on
any machine and with any number of threads (counting, which may use two threads for a large image, adds up
whole numbers, or sorts, which has one answer). Labelling each pixel (:func:`kpalette.assign`) uses a look-up
table over the image's exact distinct colours, so labels are exactly the nearest centres.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .color import WHITE_D65, XYZ_FROM_RGB

__all__ = ["fast_centers", "table_centers", "colour_table", "ColourTable", "pyramid", "kmeans_pp", "lloyd", "nearest",
           "colour_codes", "bin_lab", "decode", "tolerance", "FINE_BITS", "MEAN_LIMIT", "LEVELS", "MIN_POINTS",
           "N_INIT", "START_STEPS", "RANK_STEPS", "KEEP", "REL_TOL", "LAST_STEPS", "MAX_STEPS", "WORKERS"]

#: Bits per channel of the colour bins of a large image (and the default of :func:`colour_table`).
FINE_BITS = 7
#: Bits per channel of the coarser levels of the pyramid (only those coarser than the table itself).
LEVELS = (6, 5, 4, 3)
#: The starts are drawn on the coarsest level with at least this many points.
MIN_POINTS = 500
#: k-means++ starts.
N_INIT = 20
#: Lloyd steps, at most, of each start on the coarsest level.
START_STEPS = 10
#: Lloyd steps every start takes on the next finer level before they are ranked.
RANK_STEPS = 2
#: Starts that go on after that ranking, to convergence.
KEEP = 2
#: Convergence tolerance, relative to the data's variance (scikit-learn's default ``tol``).
REL_TOL = 1e-4
#: Lloyd steps on the table itself before the last update (0: the last update is the only one there).
LAST_STEPS = 0
#: The most Lloyd steps on any level (a safety net: the convergence test stops far sooner).
MAX_STEPS = 300
_CHUNK = 1 << 17
_THREADED = 1 << 17  # arrays of at least this many codes are sorted by two threads
#: Threads that count or sort the pixels of a large image: 2, or 1 to use one (the results are the same).
WORKERS = 2
#: Images with fewer pixels (up to full HD, 1920 x 1080) are counted by sorting, and each bin of
#: :func:`colour_table` also knows the mean colour of its pixels; larger ones are counted by two threads.
MEAN_LIMIT = 1 << 21


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
    return _linear_to_lab([np.take(lut, channel) for channel in _channels(codes, bits)])


def _mean_lab(levels: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Lab colour of bins whose pixels' mean levels (0 to 255, per channel) are ``levels``, shape (m, 3).

    The linear light of each channel is interpolated between the two whole levels around the mean. For 7-bit
    bins, whose pixels take one of two levels per channel, that is exactly the mean linear light of the
    pixels, and the Lab colour of the mean light is within a hundredth of a unit of the mean of their Lab
    colours.
    """
    lut = _linear_centres(8)
    linear = []
    for channel in range(3):
        level = levels[:, channel]
        below = np.minimum(level.astype(np.intp), 254)
        low = lut[below]
        linear.append((low + (level - below) * (lut[below + 1] - low)).astype(np.float32))
    return _linear_to_lab(linear)


def _linear_to_lab(linear: list[NDArray[np.float32]]) -> NDArray[np.float64]:
    """CIE Lab from linear-light red, green and blue (0 to 1), shape (m, 3); 32-bit floats before the last step."""
    m = len(linear[0])
    matrix = _XYZ_FROM_RGB.astype(np.float32)
    f = np.empty((3, m), dtype=np.float32)   # f(X), f(Y), f(Z), one row each
    tmp = np.empty(m, dtype=np.float32)
    for i in range(3):
        np.multiply(linear[0], matrix[i, 0], out=f[i])
        for j in (1, 2):
            np.multiply(linear[j], matrix[i, j], out=tmp)
            f[i] += tmp
        _lab_f(f[i])
    out = np.empty((3, m))   # L, a, b as rows: each a contiguous column of the (m, 3) result
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
    low_sums : numpy.ndarray of shape (m, 3), or None
        For each bin and channel, the sum over its pixels of the low bits that the bin drops (``v & 1`` for
        7-bit bins), so that ``rgb`` is the pixels' mean colour; ``None`` when only the bins were counted.
    """

    codes: NDArray[np.intp]
    counts: NDArray[np.float64]
    bits: int
    low_sums: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def rgb(self) -> NDArray[np.float64]:
        """Each bin's colour, RGB from 0 to 255, shape (m, 3): the mean colour of its pixels when
        ``low_sums`` is known, else the colour at the centre of the bin."""
        if self.low_sums is None:
            return decode(self.codes, self.bits)
        drop = 8 - self.bits
        return (np.stack(_channels(self.codes, self.bits), axis=1) << drop) + self.low_sums / self.counts[:, None]

    @cached_property
    def lab(self) -> NDArray[np.float64]:
        """Each bin's colour in CIE Lab, shape (m, 3): the colour of its pixels' mean light when ``low_sums`` is
        known (within a hundredth of a unit of their mean Lab colour for 7-bit bins), else the colour at the
        centre of the bin (see :func:`bin_lab`)."""
        if self.low_sums is None:
            return bin_lab(self.codes, self.bits)
        return _mean_lab(self.rgb)


def _count(pixels: NDArray[np.uint8], bits: int) -> NDArray[np.intp]:
    """Pixel counts of all ``2 ** (3 * bits)`` bins."""
    return np.bincount(colour_codes(pixels, bits), minlength=1 << (3 * bits))


def _sort(codes: NDArray[np.uint32]) -> None:
    """Sort in place. A large array is sorted as two halves by two threads (NumPy releases the GIL), which are
    then merged: a stable sort finds the two sorted runs and merges them in one pass."""
    if len(codes) < _THREADED or WORKERS < 2:
        codes.sort()
        return
    half = len(codes) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(np.ndarray.sort, (codes[:half], codes[half:])))
    codes.sort(kind="stable")


def _sorted_table(pixels: NDArray[np.uint8], bits: int) -> ColourTable:
    """:func:`colour_table` by sorting the pixels' codes, with each bin's sums of the low bits it drops.

    Each pixel's code is its bin's code followed by the ``8 - bits`` low bits of its red, green and blue (read
    from each pixel's 32-bit word as in :func:`colour_codes`). One sort then brings each bin's pixels together;
    the counts are the lengths of the runs of equal bins, and the low bits are added up run by run.
    """
    drop = 8 - bits
    key = colour_codes(pixels, bits)
    if drop:
        key <<= np.uint32(3 * drop)
        exact = colour_codes(pixels, 8)
        low = np.uint32((1 << drop) - 1)
        part = np.empty_like(exact)
        for shift, place in ((16, 2 * drop), (8, drop), (0, 0)):   # the low bits of red, green and blue
            np.right_shift(exact, np.uint32(shift), out=part)
            part &= low
            part <<= np.uint32(place)
            key |= part
        del exact, part
    _sort(key)
    bins = key >> np.uint32(3 * drop) if drop else key
    first = np.empty(len(key), dtype=bool)   # where each run of equal bins starts
    first[:1] = True
    np.not_equal(bins[1:], bins[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    occupied = bins[starts].astype(np.intp)
    counts = np.diff(starts, append=len(key)).astype(np.float64)
    if not drop:
        return ColourTable(occupied, counts, bits)
    width = (len(key) * int(low)).bit_length()   # one bin's sum of one channel's low bits is below 2 ** width
    sums = np.empty((len(starts), 3))
    if 3 * width <= 64:
        # the three channels' low bits side by side in one 64-bit number, added up in one pass
        packed = np.zeros(len(key), dtype=np.uint64)
        for j, shift in enumerate((2 * drop, drop, 0)):
            packed |= ((key >> np.uint32(shift)) & low).astype(np.uint64) << np.uint64(j * width)
        total = np.add.reduceat(packed, starts)
        for j in range(3):
            sums[:, j] = (total >> np.uint64(j * width)) & np.uint64((1 << width) - 1)
    else:
        for j, shift in enumerate((2 * drop, drop, 0)):
            sums[:, j] = np.add.reduceat(((key >> np.uint32(shift)) & low).astype(np.uint64), starts)
    return ColourTable(occupied, counts, bits, sums)


def colour_table(pixels: NDArray[np.uint8], bits: int = FINE_BITS) -> ColourTable:
    """Count the pixels in bins of ``bits`` bits per channel: one pass over the image.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
    bits : int, default 7
        Bits per channel. 7 bits make bins of 2 x 2 x 2 colours; 8 bits counts exact colours.

    Returns
    -------
    ColourTable
        Only the occupied bins, in code order. An image of fewer than :data:`MEAN_LIMIT` pixels (up to full HD)
        is counted by sorting its pixels' codes, which also gives the mean colour of each bin's pixels
        (:attr:`ColourTable.low_sums`); a larger one in ``2 ** (3 * bits)`` counters (128 MB with 8 bits), by
        two threads, which give each bin's count only.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if len(pixels) < MEAN_LIMIT:
        return _sorted_table(pixels, bits)
    if WORKERS < 2:
        counts = _count(pixels, bits)
    else:
        # two halves counted at once (NumPy releases the GIL); integer counts add up exactly, in any order
        half = len(pixels) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            a, b = pool.map(_count, (pixels[:half], pixels[half:]), (bits, bits))
        counts = a + b
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
        Each set stops on its own as soon as the squared moves of its centres in a step add up to at most ``tol``
        (in the squared units of the space; scikit-learn's test), or none of its labels changes (then it has
        converged exactly).

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
        # a set whose centres' squared moves add up to at most tol has settled too (scikit-learn's test)
        still = ((new - old) ** 2).sum(axis=(1, 2)) > tol
        moving, previous = moving[still], lab[still]
        if len(moving) == 0:
            break
    stale = np.flatnonzero(~current)
    if len(stale):
        labels[stale], d2[stale] = _nearest(cols, sq_norms, centers[stale])
    return centers, labels, (d2 * weights).sum(axis=1, dtype=np.float64), n_iter


def fast_centers(pixels: NDArray[np.uint8], k: int, *, space: str = "lab", seed: int = 42, n_init: int = N_INIT
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
    n_init : int, default 20
        Number of k-means++ starts, tried on the coarsest level (see :func:`table_centers`).

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
        # so few bins that they could hide colours: use the exact colours (there are few)
        uniq, n_each = np.unique(colour_codes(pixels, 8), return_counts=True)
        table = ColourTable(uniq.astype(np.intp), n_each.astype(np.float64), 8)
    return table_centers(table, k, space=space, seed=seed, n_init=n_init)


def tolerance(points: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """scikit-learn's convergence tolerance for weighted points: :data:`REL_TOL` times the mean, over the three
    coordinates, of their weighted variance (for a colour table, the variance of the pixels themselves).

    :func:`lloyd` stops a set of centres when their squared moves in one step add up to at most this.
    """
    total = weights.sum()
    spread = 0.0
    for j in range(3):   # column by column, without BLAS (whose sums could depend on the number of threads)
        column = points[:, j]
        mean = (weights * column).sum() / total
        spread += float((weights * (column - mean) ** 2).sum() / total)
    return REL_TOL * spread / 3


def table_centers(table: ColourTable, k: int, *, space: str = "lab", seed: int = 42, n_init: int = N_INIT
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cluster the weighted colours of a :class:`ColourTable` into at most ``k`` centres.

    This is the fast method after the one pass over the pixels, so a table summed over many frames (a film)
    is clustered exactly as one frame's table is: the same objective, at the cost of one frame.

    1. The table's colours are merged into a pyramid of coarser bins (:data:`LEVELS`: 6, 5, 4 and 3 bits per
       channel), each point at the weighted mean of the colours it merges: the same problem in less detail.
    2. ``n_init`` k-means++ starts are drawn on the coarsest level that still has :data:`MIN_POINTS` points (a
       low-contrast frame has few coarse bins, so it starts on a finer level), and all run Lloyd's algorithm
       side by side for at most :data:`START_STEPS` steps, stopping early at convergence (scikit-learn's test:
       no label changes, or the centres' squared moves add up to at most :data:`REL_TOL` times the variance
       of the colours).
    3. On the next finer level every start takes :data:`RANK_STEPS` more steps, enough to rank them with more
       detail; the best :data:`KEEP` go on until they converge there, and the best of those converges on each
       finer level in turn.
    4. On the table itself every colour goes to its nearest centre, which gives the shares, and each centre
       moves to the weighted mean of its colours: one last Lloyd update, at full detail.

    Parameters
    ----------
    table : ColourTable
        Pixel counts per colour or bin; it should hold more than ``k`` of them.
    k : int
        Number of clusters.
    space : {"lab", "rgb"}
        Space of the returned centres (and of the distances).
    seed : int
        Random seed: the same table and seed give the same centres.
    n_init : int, default 20
        Number of k-means++ starts.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        ``m <= k`` centres in ``space``.
    weights : numpy.ndarray of shape (m,)
        Number of pixels in each cluster.
    """
    points = table.lab if space == "lab" else table.rgb
    counts = table.counts
    if len(table) <= k:
        return points.copy(), counts.copy()
    rng = np.random.default_rng(seed)
    tol = tolerance(points, counts)
    levels = pyramid(table, points, tuple(b for b in LEVELS if b < table.bits))
    chain = [(points, counts)] + [(p, w) for p, w, _ in levels]   # the table itself, then coarser and coarser
    # start on the coarsest level that still shows the colours' structure (a low-contrast frame has few coarse
    # bins), but never on one with k points or fewer
    start = max([i for i, (p, _) in enumerate(chain) if len(p) >= MIN_POINTS and len(p) > k] or [0])
    centers = kmeans_pp(*chain[start], k, rng, runs=n_init)
    # all starts side by side; on the table itself (a table with few colours) they run until they converge
    centers, labels, inertia, _ = lloyd(*chain[start], centers, max_iter=START_STEPS if start else MAX_STEPS,
                                        tol=tol)
    for level in range(start - 1, -1, -1):
        if level == start - 1:
            # rank the starts again with a little more detail, then keep the best few
            centers, _, inertia, _ = lloyd(*chain[level], centers, max_iter=RANK_STEPS, tol=tol)
            centers = centers[np.argsort(inertia, kind="stable")[:KEEP]]
        # to convergence on each coarser level; on the table itself only the labels of the centres (LAST_STEPS)
        centers, labels, inertia, _ = lloyd(*chain[level], centers, max_iter=MAX_STEPS if level else LAST_STEPS,
                                            tol=tol)
        best = np.argsort(inertia, kind="stable")[:1]
        centers, labels, inertia = centers[best], labels[best], inertia[best]
    # the labels are those of the best centres on the table: they give the shares, and each centre moves to
    # the weighted mean of its colours (one last Lloyd update, at full detail)
    labels = labels[int(np.argmin(inertia))]
    weights = np.bincount(labels, weights=counts, minlength=k)
    keep = weights > 0
    sums = np.stack([np.bincount(labels, weights=counts * points[:, j], minlength=k) for j in range(3)], axis=1)
    return sums[keep] / weights[keep, None], weights[keep]
