"""The fast method: k-means on a frame's colours weighted by how often they occur, not on its pixels.

The k-means objective sums the squared distance from every pixel to its nearest centre. Pixels of the same
colour contribute the same term, so the sum over pixels equals a sum over *distinct* colours, each weighted by
its count. Putting a group of colours at their mean, with their summed weight, changes the objective only by a
constant (their spread around the mean) as long as the whole group goes to one centre. This module builds such
a weighted table in one pass over the pixels and runs k-means on it:

1. :func:`colour_table`: one pass over the pixels counts them in bins of ``bits`` bits per channel. An image up
   to full HD is counted in 6-bit bins (4 x 4 x 4 colours per bin), and each bin also learns the mean colour of
   its pixels; a larger image is counted in 7-bit bins (2 x 2 x 2 colours), which stand at their centres.
2. The occupied bins are converted to the clustering space (Lab or RGB): a few thousand to a few hundred
   thousand colours, never the whole image.
3. :func:`pyramid`: the bins are merged into coarser levels (of :data:`LEVELS`, those coarser than the table),
   each point placed at the weighted mean of its members, so each level is the same problem in less detail.
4. :func:`table_centers`: twenty k-means++ starts (:func:`kmeans_pp`) run Lloyd's algorithm side by side
   (:func:`lloyd`) on the coarsest level that still has :data:`MIN_POINTS` points, for at most five steps; all of
   them take two more steps on the next level, where they are ranked with more detail; the best four converge
   there and take one step on each finer level; on the level just coarser than the table, the one with the
   lowest mean Delta E 76 among those within 1% of the lowest objective goes on; on the table it runs Lloyd's
   algorithm until it converges, and the last update of each centre, to the weighted mean of its bins, gives
   the shares.

The parameters were chosen on the tuning half of an evaluation set of real photos, film frames and hard
synthetic pictures; ``make bench`` measures the result on the other half against full k-means on every pixel.

The clustering is plain NumPy without BLAS calls or threads, so the same input and seed give the same palette on
any machine and with any number of threads (counting, which may use two threads for a large image, adds up
whole numbers, or sorts, which has one answer). When the C extension was built at install time
(:data:`COMPILED`), the innermost loops (counting the pixels of an image up to full HD, distances to the nearest
centre, the centres' running sums, the k-means++ draws) run in C instead (:mod:`kpalette._compiled`): the same
floating-point operations in the same order, so the palettes are byte-identical, only sooner (``make bench``
times both). Labelling each pixel (:func:`kpalette.assign`) uses a look-up
table over the image's exact distinct colours, so labels are exactly the nearest centres.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .color import WHITE_D65, XYZ_FROM_RGB

try:   # the inner loops in C, when the extension was built: the same numbers, faster (see kpalette._compiled)
    from . import _compiled
except ImportError:   # tests/test_compiled.py runs kpalette without it too
    _compiled = None

__all__ = ["fast_centers", "table_centers", "colour_table", "ColourTable", "pyramid", "kmeans_pp", "lloyd", "nearest",
           "colour_codes", "bin_lab", "decode", "tolerance", "FINE_BITS", "TABLE_BITS", "MEAN_LIMIT", "LEVELS",
           "MIN_POINTS", "N_INIT", "START_STEPS", "RANK_STEPS", "KEEP", "FINE_STEPS", "PICK_MARGIN", "REL_TOL",
           "LAST_STEPS", "MAX_STEPS", "WORKERS"]

#: Bits per channel of the colour bins of a large image (and the default of :func:`colour_table`).
FINE_BITS = 7
#: Bits per channel of the colour table of an image of fewer than :data:`MEAN_LIMIT` pixels, whose bins know the
#: mean colour of their pixels (4 x 4 x 4 colours per bin).
TABLE_BITS = 6
#: Bits per channel of the coarser levels of the pyramid (only those coarser than the table itself).
LEVELS = (6, 5, 4, 3)
#: The starts are drawn on the coarsest level with at least this many points.
MIN_POINTS = 500
#: k-means++ starts.
N_INIT = 20
#: Lloyd steps, at most, of each start on the coarsest level.
START_STEPS = 5
#: Lloyd steps every start takes on the next finer level before they are ranked.
RANK_STEPS = 2
#: Starts that go on after that ranking: to convergence on that level, then to the end.
KEEP = 4
#: Lloyd steps of the kept starts on each level finer than the one where they converged (before the table).
FINE_STEPS = 1
#: Of the kept starts, those whose objective is within this fraction of the lowest are compared by their mean
#: distance (mean Delta E 76 in Lab), the quantity a viewer sees; the lowest goes on to the table.
PICK_MARGIN = 0.01
#: Convergence tolerance, relative to the data's variance (scikit-learn's default ``tol``).
REL_TOL = 1e-4
#: The most Lloyd steps on any level (a safety net: the convergence test stops far sooner).
MAX_STEPS = 300
#: Lloyd steps, at most, on the table itself before the last update: until convergence.
LAST_STEPS = MAX_STEPS
#: Whether counting and clustering run the inner loops in C of :mod:`kpalette._compiled` (True when the C
#: extension was built at install time) or NumPy alone: the palettes are byte-identical either way, only the time
#: differs. Set it to False to run NumPy alone (the benchmark times both).
COMPILED = _compiled is not None
_CHUNK = 1 << 17
_THREADED = 1 << 17  # arrays of at least this many codes are sorted by two threads
#: Threads that count or sort the pixels of a large image: 2, or 1 to use one (the results are the same).
WORKERS = 2
#: Images with fewer pixels (up to full HD, 1920 x 1080) are counted in one exact pass in which each bin of
#: :func:`colour_table` also learns the mean colour of its pixels; larger ones are counted by two threads.
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
    colours; for 6-bit bins (four levels per channel) it is within five hundredths on the book's photos.
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


def _sorted_table(pixels: NDArray[np.uint8]) -> ColourTable:
    """:func:`colour_table` of exact colours (8 bits), by sorting the pixels' codes: the counts are the lengths of
    the runs of equal codes."""
    key = colour_codes(pixels, 8)
    _sort(key)
    first = np.empty(len(key), dtype=bool)   # where each run of equal codes starts
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(key)).astype(np.float64)
    return ColourTable(key[starts].astype(np.intp), counts, 8)


def _binned_table(pixels: NDArray[np.uint8], bits: int) -> ColourTable:
    """:func:`colour_table` for ``bits`` below 8, with each bin's sums of the low bits it drops.

    The occupied bins are marked in an array of ``2 ** (3 * bits)`` flags (2 MB for 7 bits) and numbered in
    code order; each pixel then looks up its bin's number. For 7-bit bins one count does the rest: each pixel's
    bin number followed by the low bits of its red, green and blue (which of the bin's 2 x 2 x 2 colours it
    is) is counted, and the eight counts of a bin give its pixel count and, for each channel, how many of its
    pixels have the low bit set. No sorting, and only whole numbers are added, so the result is exact.
    """
    drop = 8 - bits
    seen, number = _scratch(bits)
    if COMPILED:   # the same two passes in C, without the arrays of codes
        _compiled.mark_bins(pixels, bits, seen)
        occupied = np.flatnonzero(seen)
        seen[occupied] = False
        number[occupied] = np.arange(len(occupied), dtype=np.int32)
        n_each, low_sums = _compiled.count_bins(pixels, bits, number, len(occupied))
        return ColourTable(occupied.astype(np.intp), n_each.astype(np.float64), bits, low_sums.astype(np.float64))
    codes = colour_codes(pixels, bits).astype(np.intp)   # NumPy indexes with intp far faster than with uint32
    seen[codes] = True
    occupied = np.flatnonzero(seen)
    seen[occupied] = False   # clean again for the next table
    m = len(occupied)
    number[occupied] = np.arange(m, dtype=np.int32)   # only the entries of occupied bins are ever read
    index = np.take(number, codes)
    del codes
    exact = colour_codes(pixels, 8)   # r << 16 | g << 8 | b
    sums = np.empty((m, 3))
    if drop == 1:
        low = (exact >> np.uint32(14)) & np.uint32(4)    # red's low bit, as 4
        low |= (exact >> np.uint32(7)) & np.uint32(2)    # green's, as 2
        low |= exact & np.uint32(1)                      # blue's, as 1
        del exact
        index <<= 3
        index |= low.view(np.int32)
        del low
        h = np.bincount(index, minlength=8 * m).reshape(m, 8)   # the counts of each bin's 8 colours
        c = [h[:, i] for i in range(8)]
        for j, (a, b, c_, d) in enumerate(((4, 5, 6, 7), (2, 3, 6, 7), (1, 3, 5, 7))):   # low bit set
            sums[:, j] = c[a] + c[b] + c[c_] + c[d]
        counts = (c[0] + c[1] + c[2] + c[3]).astype(np.float64) + sums[:, 0]
    else:
        # for each channel, each pixel's bin number followed by the low bits it drops is counted: the counts of a
        # bin's 2 ** drop values of those bits give its sum of them (and, once, its pixel count)
        mask = np.uint32((1 << drop) - 1)
        values = np.arange(1 << drop)
        wide = index.astype(np.intp) << drop   # bincount counts intp codes without a copy
        low = np.empty(len(wide), dtype=np.uint32)
        key = np.empty_like(wide)
        for j, shift in enumerate((16, 8, 0)):
            np.right_shift(exact, np.uint32(shift), out=low)
            low &= mask
            np.bitwise_or(wide, low, out=key)
            h = np.bincount(key, minlength=m << drop).reshape(m, 1 << drop)
            sums[:, j] = h @ values
        counts = (h @ np.ones(1 << drop, dtype=np.intp)).astype(np.float64)
    return ColourTable(occupied.astype(np.intp), counts, bits, sums)


_SCRATCH = threading.local()


def _scratch(bits: int) -> tuple[NDArray[np.bool_], NDArray[np.int32]]:
    """Two arrays over every bin of ``bits`` bits, kept between calls (one pair per thread): flags, all False
    between uses, and bin numbers (never read before written). Reusing them spares the 10 MB of fresh memory
    that each table would otherwise fault in."""
    pairs = _SCRATCH.__dict__.setdefault("pairs", {})
    if bits not in pairs:
        pairs[bits] = (np.zeros(1 << (3 * bits), dtype=bool), np.empty(1 << (3 * bits), dtype=np.int32))
    return pairs[bits]


def colour_table(pixels: NDArray[np.uint8], bits: int = FINE_BITS) -> ColourTable:
    """Count the pixels in bins of ``bits`` bits per channel: one pass over the image.

    Parameters
    ----------
    pixels : numpy.ndarray of shape (n, 3), dtype uint8
    bits : int, default 7
        Bits per channel. 7 bits make bins of 2 x 2 x 2 colours, 6 bits of 4 x 4 x 4; 8 bits counts exact
        colours.

    Returns
    -------
    ColourTable
        Only the occupied bins, in code order. An image of fewer than :data:`MEAN_LIMIT` pixels (up to full HD)
        is counted exactly, with the mean colour of each bin's pixels (:attr:`ColourTable.low_sums`): exact
        colours (8 bits) by sorting the pixels' codes, coarser bins by numbering the occupied bins and counting
        each pixel's bin and dropped low bits (see :func:`_binned_table`); a larger image in
        ``2 ** (3 * bits)`` counters (128 MB with 8 bits), by two threads, which give each bin's count only.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if len(pixels) < MEAN_LIMIT:
        return _sorted_table(pixels) if bits == 8 else _binned_table(pixels, bits)
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
    labels = labels.astype(np.intp)
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
    label_type = np.uint8 if k <= 256 else np.intp   # small while updated k times
    if COMPILED and cols.dtype == np.float32:   # the same arithmetic in C, a block of points at a time
        return _compiled.nearest(cols, sq_norms, cc, c2, np.empty(shape, dtype=label_type), best)
    d = np.empty_like(best)                    # the same for centre j, (r, n)
    tmp = np.empty_like(best)
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
    return labels, best


def _sq_dist_rows(cols: NDArray[np.float64], centers: NDArray[np.float64]) -> NDArray[np.float64]:
    """Squared distances from points given as three rows of coordinates, shape (3, n), to each of ``centers``
    (shape (..., 3)); the result has shape (..., n).

    Written out coordinate by coordinate (a reduction over an axis of length 3 is slow in NumPy): the sum
    ``d0 * d0 + d1 * d1 + d2 * d2`` is accumulated in place, in that order, in two buffers.
    """
    if COMPILED and centers.dtype == cols.dtype:   # the same sums in C, without the temporary arrays
        flat = np.ascontiguousarray(centers).reshape(-1, 3)
        out = _compiled.sq_dist_rows(cols, flat, np.empty((len(flat), cols.shape[1]), dtype=cols.dtype))
        return out.reshape(*centers.shape[:-1], cols.shape[1])
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
              rng: np.random.Generator, runs: int = 1, trials: int | None = None) -> NDArray[np.float64]:
    """Greedy k-means++ starting centres for weighted points, for ``runs`` independent starts at once.

    Each new centre is drawn with probability proportional to weight times squared distance to the
    nearest centre so far; of ``trials`` such draws (by default ``2 + log k``) the one that lowers the objective
    most is kept (scikit-learn's greedy k-means++, with weights).

    Returns
    -------
    numpy.ndarray of shape (runs, k, 3)
    """
    n = len(points)
    trials = 2 + int(np.log(k)) if trials is None else trials
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
        if COMPILED:
            potential = _compiled.weighted_cumsum(weights, closest, np.empty(closest.shape))
        else:
            potential = np.cumsum(weights * closest, axis=1)                         # (runs, n)
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


class _Level:
    """Weighted points made ready for Lloyd steps: coordinates as three float32 rows, their squared norms, and
    each point's weight and weighted coordinates (float64), computed once however many steps use them."""

    def __init__(self, points: NDArray[np.float64], weights: NDArray[np.float64]) -> None:
        self.points = points
        self.weights = weights
        self.cols = np.ascontiguousarray(points.T, dtype=np.float32)
        self.sq_norms = _sq_norms(self.cols)
        self.wx = np.empty((4, len(weights)))
        self.wx[0] = weights
        for j in range(3):
            np.multiply(weights, points[:, j], out=self.wx[j + 1])

    def __len__(self) -> int:
        return len(self.weights)


def _add_to_totals(totals: NDArray[np.float64], cluster: NDArray[np.intp], wx: NDArray[np.float64],
                   sign: int) -> None:
    """Add (``sign=1``) or take away (``sign=-1``) points in the running totals of their clusters.

    ``totals`` has shape (4, clusters): each cluster's weight and weighted coordinate sums. ``cluster`` gives each
    point's cluster; ``wx`` (4, points) its weight and weighted coordinates, broadcast against ``cluster``.
    """
    flat = cluster.ravel()
    for j in range(4):
        weights = wx[j] if wx.shape[1] == flat.size else np.broadcast_to(wx[j], cluster.shape).ravel()
        totals[j] += sign * np.bincount(flat, weights=weights, minlength=totals.shape[1])


def _add_labelled(totals: NDArray[np.float64], sets: NDArray[np.intp], k: int, labels: NDArray[np.integer],
                  wx: NDArray[np.float64]) -> None:
    """Add every point to the totals of its cluster ``sets[s] * k + labels[s, i]`` (``labels`` of shape (r, n))."""
    if COMPILED:
        _compiled.add_to_totals(totals, sets, k, labels, wx)
    else:
        _add_to_totals(totals, sets[:, None] * k + labels, wx, 1)


def _steps(level: _Level, centers: NDArray[np.float64], max_iter: int, tol: float, exact: bool = True
           ) -> tuple[NDArray[np.float64], NDArray[np.intp] | None, NDArray[np.float64], int]:
    """Lloyd steps for ``r`` sets of centres side by side, shape (r, k, 3): :func:`lloyd` on a prepared level.

    With ``exact=False`` no labels are returned and the centres that moved in their last step are not labelled
    again: their inertia is the weighted sum of squared distances from each point to the *new* centre of the
    cluster it was in, which the update lowered by exactly ``sum_j W_j * |move_j| ** 2`` (cluster weight times
    its centre's squared move). That is an upper bound on the inertia after another assignment, cheap to get,
    and enough to rank sets or to carry them to a finer level, which labels them anyway.
    """
    centers = np.array(centers, dtype=np.float64)
    r, k, _ = centers.shape
    n = len(level)
    weights = level.weights
    inertia = np.zeros(r)
    labels = np.zeros((r, n), dtype=np.intp) if exact else None
    if max_iter <= 0:
        lab, d2 = _nearest(level.cols, level.sq_norms, centers)
        if exact:
            labels[:] = lab
        return centers, labels, (d2 * weights).sum(axis=1), 0
    fresh = np.zeros(r, dtype=bool)     # labels[i] and inertia[i] belong to centers[i] as they are now
    totals = np.zeros((4, r * k))       # each cluster's weight and weighted coordinate sums, (set, cluster) flat
    empty = 1e-9 * float(np.sum(weights))
    moving = np.arange(r)               # the sets that have not settled yet
    previous = None                     # their labels at the last update, which the totals hold
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        lab, d2 = _nearest(level.cols, level.sq_norms, centers[moving])
        if exact:
            labels[moving] = lab
        if previous is None:
            _add_labelled(totals, moving, k, lab, level.wx)
            still = np.ones(len(moving), dtype=bool)
        elif COMPILED:   # the same, in C: the moved points' sums taken out of the old clusters, into the new
            still = np.empty(len(moving), dtype=bool)
            _compiled.move_changed(totals, moving, k, previous, lab, level.wx, still)
        else:
            # only the points that changed cluster change the totals: take them out of the old, into the new
            changed = lab != previous
            sets, idx = np.nonzero(changed)
            if len(sets):
                wx = level.wx[:, idx]
                _add_to_totals(totals, moving[sets] * k + previous[sets, idx], wx, -1)
                _add_to_totals(totals, moving[sets] * k + lab[sets, idx], wx, 1)
            # a set whose labels did not change has settled: updating it again would give the same centres
            still = changed.any(axis=1)
        done = moving[~still]
        if len(done):
            inertia[done] = (d2[~still] * weights).sum(axis=1)
            fresh[done] = True
        moving, lab, d2 = moving[still], lab[still], d2[still]
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
        moved = ((new - old) ** 2).sum(axis=2)   # (sets, k): each centre's squared move
        # a set whose centres' squared moves add up to at most tol has settled too (scikit-learn's test)
        still = moved.sum(axis=1) > tol
        stop = ~still if n_iter < max_iter else np.ones(len(moving), dtype=bool)
        if stop.any():
            # the inertia of the last labels with the new centres: lower than before by each cluster's weight
            # times its centre's squared move
            before = (d2[stop] * weights).sum(axis=1)
            inertia[moving[stop]] = before - (mass.reshape(-1, k)[stop] * moved[stop]).sum(axis=1)
        moving, previous = moving[still], lab[still]
        if len(moving) == 0:
            break
    stale = np.flatnonzero(~fresh)
    if exact and len(stale):
        lab, d2 = _nearest(level.cols, level.sq_norms, centers[stale])
        labels[stale] = lab
        inertia[stale] = (d2 * weights).sum(axis=1)
    return centers, labels, inertia, n_iter


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
    centers, labels, inertia, n_iter = _steps(_Level(points, weights), centers, max_iter, tol)
    assert labels is not None
    return centers, labels, inertia, n_iter


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
        Number of pixels in each cluster, counted per bin (:data:`TABLE_BITS` bits per channel for an image of
        fewer than :data:`MEAN_LIMIT` pixels, :data:`FINE_BITS` for a larger one).
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8).reshape(-1, 3)
    table = colour_table(pixels, TABLE_BITS if len(pixels) < MEAN_LIMIT else FINE_BITS)
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


def table_centers(table: ColourTable, k: int, *, space: str = "lab", seed: int = 42, n_init: int = N_INIT,
                  last_steps: int = LAST_STEPS) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cluster the weighted colours of a :class:`ColourTable` into at most ``k`` centres.

    This is the fast method after the one pass over the pixels, so a table summed over many frames (a film)
    is clustered by the same search as one frame's table: the same objective, at the cost of one frame.

    1. The table's colours are merged into a pyramid of coarser bins (those of :data:`LEVELS`, 6, 5, 4 and 3
       bits per channel, coarser than the table), each point at the weighted mean of the colours it merges: the
       same problem in less detail.
    2. ``n_init`` k-means++ starts are drawn on the coarsest level that still has :data:`MIN_POINTS` points (a
       low-contrast frame has few coarse bins, so it starts on a finer level), and all run Lloyd's algorithm
       side by side for at most :data:`START_STEPS` steps, stopping early at convergence (scikit-learn's test:
       no label changes, or the centres' squared moves add up to at most :data:`REL_TOL` times the variance
       of the colours).
    3. On the next finer level every start takes :data:`RANK_STEPS` more steps, enough to rank them with more
       detail; the best :data:`KEEP` go on until they converge there, then take :data:`FINE_STEPS` step on each
       finer level. On the level just coarser than the table, of the kept sets whose objective is within
       :data:`PICK_MARGIN` (1%) of the lowest, the one with the lowest mean distance from the colours to their
       nearest centre (mean Delta E 76 in Lab, what a viewer sees) goes on.
    4. On the table itself the chosen centres run Lloyd's algorithm until it converges (at most ``last_steps``
       steps, :data:`LAST_STEPS`); the last update, each centre to the weighted mean of its colours, gives the
       shares. (When the ranking level is the table itself, every kept set takes those steps there and they are
       compared after their last update; on a table too small for coarser levels every start runs to
       convergence on the table, and the best :data:`KEEP` are compared.)

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
    last_steps : int, default 300
        Lloyd steps, at most, on the table before the last update (the convergence test stops them sooner). The
        film functions pass 0, the setting their benchmark (``make bench-film``) measured: one update only.

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
    if start == 0:   # a table with few colours: all starts run on it until they converge; the best few go on
        level = _Level(*chain[0])
        centers, labels, inertia, _ = _steps(level, centers, MAX_STEPS, tol)
        labels = labels[np.argsort(inertia, kind="stable")[:KEEP]]
    else:
        # all starts side by side on the coarsest level, then a few steps on the next level to rank them again
        centers, _, _, _ = _steps(_Level(*chain[start]), centers, START_STEPS, tol, exact=False)
        level = _Level(*chain[start - 1])
        centers, _, inertia, _ = _steps(level, centers, RANK_STEPS, tol)
        centers = centers[np.argsort(inertia, kind="stable")[:KEEP]]
        # the best few to convergence on that level, then FINE_STEPS steps on each finer level
        finer = None
        for i in range(start - 1, 0, -1):
            centers, _, _, _ = _steps(level, centers, MAX_STEPS if i == start - 1 else FINE_STEPS, tol, exact=False)
            finer, level = level, _Level(*chain[i - 1])
        if finer is not None:
            # the level just coarser than the table chooses which set goes on (see _closest)
            _, d2 = _nearest(finer.cols, finer.sq_norms, centers)
            centers = centers[_closest(d2.astype(np.float64), finer.weights)][None]
        # on the table itself: Lloyd's algorithm to convergence (at most last_steps steps), then the labels
        centers, labels, _, _ = _steps(level, centers, last_steps, tol)
    return _pick(level, labels, k)


def _closest(d2: NDArray[np.float64], weights: NDArray[np.float64]) -> int:
    """Of ``r`` sets of centres with squared distances ``d2`` (shape (r, n)) from weighted points to their nearest
    centre: the one with the lowest weighted sum of distances among those whose objective (weighted sum of
    squared distances) is within :data:`PICK_MARGIN` of the lowest; a tie goes to the first."""
    objective = (d2 * weights).sum(axis=1)
    distance = (np.sqrt(d2) * weights).sum(axis=1)
    distance[objective > objective.min() * (1 + PICK_MARGIN)] = np.inf
    return int(np.argmin(distance))


def _pick(table: _Level, labels: NDArray[np.intp], k: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The last Lloyd update of each set of centres, and the set to return (chosen by :func:`_closest`).

    ``labels`` (shape (r, n)) gives each set's cluster of every colour of the table. Each set's centres move to
    the weighted mean of their colours.
    """
    r, n = labels.shape
    totals = np.zeros((4, r * k))
    _add_labelled(totals, np.arange(r), k, labels, table.wx)
    mass = totals[0].reshape(r, k)
    used = mass > 0
    centers = np.zeros((r, k, 3))
    np.divide(totals[1:].T.reshape(r, k, 3), mass[:, :, None], out=centers, where=used[:, :, None])
    best = 0
    if r > 1:
        # an empty cluster's centre is put on a used one of its set, which changes no distance
        first = centers[np.arange(r), np.argmax(used, axis=1)]
        centers = np.where(used[:, :, None], centers, first[:, None, :])
        _, d2 = _nearest(table.cols, table.sq_norms, centers)
        best = _closest(d2.astype(np.float64), table.weights)
    keep = used[best]
    return centers[best][keep], mass[best][keep]
