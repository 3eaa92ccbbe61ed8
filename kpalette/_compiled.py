"""The fast method's inner loops in C (``kpalette/_ckernels.c``), loaded with ctypes.

:mod:`kpalette.fast` uses these when the C extension was built at install time (``pip install`` builds it when
a C compiler is present; ``setup.py``). Each loop does the same floating-point operations, on the same types
and in the same order, as the NumPy code in :mod:`kpalette.fast` that it stands in for, so both give
byte-identical palettes (``tests/test_compiled.py`` checks this on real pictures); the C loops are only faster,
because they make one pass over the points where NumPy makes one per operation. Importing this module raises
:class:`ImportError` when the extension is missing, and :mod:`kpalette.fast` then runs NumPy alone.

The functions take NumPy arrays. Inputs are made C-contiguous and of the type the C code reads (no copy when they
already are); outputs, written in place, must already be, or :class:`TypeError` is raised.
"""

from __future__ import annotations

import ctypes
import importlib.util

import numpy as np
from numpy.typing import NDArray

__all__ = ["nearest", "add_to_totals", "move_changed", "sq_dist_rows", "weighted_cumsum", "mark_bins", "count_bins"]

_spec = importlib.util.find_spec("kpalette._ckernels")
if _spec is None or _spec.origin is None:
    raise ImportError("kpalette's C extension was not built")
_lib = ctypes.CDLL(_spec.origin)

_p = ctypes.c_void_p
_n = ctypes.c_int64
for _name, _args, _result in [
        ("nearest_u8", [_p, _p, _p, _p, _n, _n, _n, _p, _p], None),
        ("nearest_i64", [_p, _p, _p, _p, _n, _n, _n, _p, _p], None),
        ("add_to_totals_u8", [_p, _n, _p, _n, _n, _p, _n, _p], ctypes.c_int),
        ("add_to_totals_i64", [_p, _n, _p, _n, _n, _p, _n, _p], ctypes.c_int),
        ("move_changed_u8", [_p, _n, _p, _n, _n, _p, _p, _n, _p, _p], ctypes.c_int),
        ("move_changed_i64", [_p, _n, _p, _n, _n, _p, _p, _n, _p, _p], ctypes.c_int),
        ("sq_dist_rows", [_p, _n, _p, _n, _p], None),
        ("weighted_cumsum", [_p, _p, _n, _n, _p], None),
        ("mark_bins", [_p, _n, _n, _p], None),
        ("count_bins", [_p, _n, _n, _p, _p, _p], None)]:
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = _result


def _labels(labels: NDArray[np.integer]) -> tuple[NDArray[np.integer], str]:
    """The labels as a C-contiguous uint8 or int64 array, and the suffix of the C functions for that type."""
    if labels.dtype == np.uint8:
        return np.ascontiguousarray(labels), "u8"
    return np.ascontiguousarray(labels, dtype=np.int64), "i64"


def _in(a: np.ndarray, dtype: type) -> np.ndarray:
    """An input as a C-contiguous array of ``dtype`` (no copy when it already is one)."""
    return np.ascontiguousarray(a, dtype=dtype)


def _out(a: np.ndarray, dtype: type) -> np.ndarray:
    """An output, written in place: it must already be a C-contiguous array of ``dtype``."""
    if a.dtype != dtype or not a.flags.c_contiguous:
        raise TypeError(f"kpalette._compiled: an output array must be C-contiguous {np.dtype(dtype)}")
    return a


def nearest(cols: NDArray[np.float32], sq_norms: NDArray[np.float32], cc: NDArray[np.float32],
            c2: NDArray[np.float32], labels: NDArray[np.integer], best: NDArray[np.float32]
            ) -> tuple[NDArray[np.integer], NDArray[np.float32]]:
    """Fill ``labels`` and ``best`` (shape (r, n)) with each point's nearest of ``k`` centres and the squared
    distance to it, for ``r`` sets of centres given as ``|c|**2`` (``cc``, (r, k)) and ``-2c`` (``c2``,
    (r, k, 3)); the points as three rows ``cols`` (3, n) with their ``|x|**2``. Labels are uint8 or int64."""
    cols, sq_norms, cc, c2 = (_in(a, np.float32) for a in (cols, sq_norms, cc, c2))
    suffix = "u8" if labels.dtype == np.uint8 else "i64"
    _out(labels, np.uint8 if suffix == "u8" else np.int64)
    _out(best, np.float32)
    r, k = cc.shape
    getattr(_lib, "nearest_" + suffix)(cols.ctypes.data, sq_norms.ctypes.data, cc.ctypes.data, c2.ctypes.data, r, k,
                                       cols.shape[1], labels.ctypes.data, best.ctypes.data)
    return labels, best


def add_to_totals(totals: NDArray[np.float64], sets: NDArray[np.integer], k: int, labels: NDArray[np.integer],
                  wx: NDArray[np.float64]) -> None:
    """Add every point to the totals (4, clusters) of its cluster ``sets[s] * k + labels[s, i]``; ``wx`` (4, n)
    holds each point's weight and weighted coordinates."""
    _out(totals, np.float64)
    sets, wx = _in(sets, np.int64), _in(wx, np.float64)
    labels, suffix = _labels(labels)
    r, n = labels.shape
    if getattr(_lib, "add_to_totals_" + suffix)(totals.ctypes.data, totals.shape[1], sets.ctypes.data, r, k,
                                                labels.ctypes.data, n, wx.ctypes.data):
        raise MemoryError
    return None


def move_changed(totals: NDArray[np.float64], sets: NDArray[np.integer], k: int, previous: NDArray[np.integer],
                 labels: NDArray[np.integer], wx: NDArray[np.float64], changed: NDArray[np.bool_]) -> None:
    """Move each point whose label changed from ``previous`` to ``labels`` (both (r, n)) out of its old cluster's
    totals and into its new one's; set ``changed`` (r,) to whether any label of each set changed."""
    _out(totals, np.float64)
    _out(changed, np.bool_)
    sets, wx = _in(sets, np.int64), _in(wx, np.float64)
    labels, suffix = _labels(labels)
    previous = _in(previous, labels.dtype)
    r, n = labels.shape
    if getattr(_lib, "move_changed_" + suffix)(totals.ctypes.data, totals.shape[1], sets.ctypes.data, r, k,
                                               previous.ctypes.data, labels.ctypes.data, n, wx.ctypes.data,
                                               changed.ctypes.data):
        raise MemoryError
    return None


def sq_dist_rows(cols: NDArray[np.float32], centers: NDArray[np.float32], out: NDArray[np.float32]
                 ) -> NDArray[np.float32]:
    """Squared distances from the points ``cols`` (3, n) to ``centers`` (m, 3), into ``out`` (m, n)."""
    cols, centers = _in(cols, np.float32), _in(centers, np.float32)
    _out(out, np.float32)
    _lib.sq_dist_rows(cols.ctypes.data, cols.shape[1], centers.ctypes.data, len(centers), out.ctypes.data)
    return out


def weighted_cumsum(weights: NDArray[np.float64], values: NDArray[np.float32], out: NDArray[np.float64]
                    ) -> NDArray[np.float64]:
    """``numpy.cumsum(weights * values, axis=1)`` for ``values`` (r, n), into ``out`` (r, n)."""
    weights, values = _in(weights, np.float64), _in(values, np.float32)
    _out(out, np.float64)
    r, n = values.shape
    _lib.weighted_cumsum(weights.ctypes.data, values.ctypes.data, r, n, out.ctypes.data)
    return out


def mark_bins(pixels: NDArray[np.uint8], bits: int, seen: NDArray[np.bool_]) -> None:
    """Set ``seen[code]`` for the bin of ``bits`` bits per channel of each pixel (``pixels``: (n, 3) uint8);
    ``seen`` has ``2 ** (3 * bits)`` entries."""
    pixels = _in(pixels, np.uint8).reshape(-1, 3)
    _out(seen, np.bool_)
    _lib.mark_bins(pixels.ctypes.data, len(pixels), bits, seen.ctypes.data)


def count_bins(pixels: NDArray[np.uint8], bits: int, number: NDArray[np.int32], m: int
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each of the ``m`` occupied bins' pixel count and, per channel, sum of the low bits it drops; ``number``
    gives the index (0 to m - 1) of each occupied bin, by code. Returns counts (m,) and sums (m, 3)."""
    pixels, number = _in(pixels, np.uint8).reshape(-1, 3), _in(number, np.int32)
    counts = np.zeros(m, dtype=np.int64)
    sums = np.zeros((m, 3), dtype=np.int64)
    _lib.count_bins(pixels.ctypes.data, len(pixels), bits, number.ctypes.data, counts.ctypes.data, sums.ctypes.data)
    return counts, sums
