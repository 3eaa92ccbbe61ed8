"""Find a film's cuts from its frames' colour histograms, as the frames stream past.

A cut changes the colours of the picture at once; a cross-fade changes them over a second or so; a pan or a
moving actor changes them a little at a time. :class:`CutDetector` compares, at every boundary between two
sampled frames,

- the two frames on either side (``d``: large at a hard cut), and
- two frames ``gap`` seconds apart across the boundary (``D``: large in the middle of a cross-fade, and at a
  hard cut),

each by the *total variation distance* between their colour histograms: half the sum of the absolute
differences of the bins' shares, 0 for the same colours in the same amounts, 1 for no colour in common. A
run of boundaries whose score ``(d + D) / 2`` reaches ``threshold`` is one transition, and its cut is at the
highest score of the run: at a hard cut ``d`` peaks at the cut itself, and a cross-fade gives one cut, inside
the fade.

The decision at a boundary depends only on the frames within a few seconds of it, so the detector needs to
keep only those (memory does not grow with the film), and a film cut into segments, each read with a few
seconds of context, gives the same cuts as the whole film read at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError
from .fast import ColourTable

__all__ = ["histogram", "distance", "CutDetector", "HIST_BITS", "THRESHOLD", "GAP"]

#: Bits per channel of the histograms the detector compares: 4 bits, 16 x 16 x 16 = 4096 bins.
HIST_BITS = 4
#: The score at which a boundary counts as a cut (the benchmark measures precision and recall around it).
THRESHOLD = 0.3
#: Seconds between the frames compared across a boundary.
GAP = 0.5
#: The longest run of high scores taken as one transition, in seconds (a longer one gives a cut every so often).
MAX_RUN = 4.0

P = TypeVar("P")


def histogram(table: ColourTable, bits: int = HIST_BITS) -> NDArray[np.float32]:
    """A frame's colour histogram with ``bits`` bits per channel, as shares that add up to 1.

    Parameters
    ----------
    table : ColourTable
        The frame's pixel counts (finer bins than ``bits``; :func:`kpalette.fast.colour_table`).
    bits : int, default :data:`HIST_BITS`

    Returns
    -------
    numpy.ndarray of shape (2 ** (3 * bits),), dtype float32
    """
    if bits > table.bits:
        raise KPaletteError(f"cannot make a {bits}-bit histogram from {table.bits}-bit bins")
    shift = table.bits - bits
    mask = (1 << table.bits) - 1
    codes = table.codes
    r, g, b = (codes >> (2 * table.bits)) & mask, (codes >> table.bits) & mask, codes & mask
    coarse = ((r >> shift) << (2 * bits)) | ((g >> shift) << bits) | (b >> shift)
    hist = np.bincount(coarse, weights=table.counts, minlength=1 << (3 * bits))
    total = hist.sum()
    return (hist / total if total > 0 else hist).astype(np.float32)


def distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """Total variation distance between two histograms of shares: from 0 (the same) to 1 (nothing shared)."""
    return 0.5 * float(np.abs(np.asarray(a, dtype=np.float64) - b).sum())


@dataclass
class _Sample(Generic[P]):
    time: float
    hist: NDArray[np.float32]
    payload: P
    score: float | None = None   # of the boundary before this sample
    d: float = 0.0
    wide: float = 0.0


@dataclass
class CutDetector(Generic[P]):
    """Find cuts in a stream of sampled frames, keeping only the last few seconds of them.

    Feed it each sampled frame's time, histogram and whatever should travel with it (the ``payload``, say the
    frame's colour counts) with :meth:`push`; it gives back, in time order, events: ``("frame", time,
    payload)`` once it is known which scene that frame belongs to, and ``("cut", time, score)`` where a cut
    is, ``time`` being that of the first frame after it. :meth:`finish` gives the last events at the end.

    Parameters
    ----------
    threshold : float, default :data:`THRESHOLD`
        The least score ``(d + D) / 2`` of a cut, from 0 to 1.
    gap : float, default :data:`GAP`
        Seconds between the frames compared across a boundary (``D``).
    max_run : float, default :data:`MAX_RUN`
        A run of high scores longer than this many seconds is cut into several transitions.
    """

    threshold: float = THRESHOLD
    gap: float = GAP
    _buf: list[_Sample[P]] = field(default_factory=list, repr=False)
    max_run: float = MAX_RUN
    _next: int = field(default=0, repr=False)       # the next boundary to look at (between samples i-1 and i)
    _released: int = field(default=0, repr=False)   # samples before this one have been handed over
    _run: int = field(default=-1, repr=False)       # first boundary of the current run of high scores, or -1
    _scores: list[tuple[float, float, float, float]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise KPaletteError(f"the cut threshold must be above 0 and at most 1, got {self.threshold}")
        if not self.gap >= 0:
            raise KPaletteError(f"the gap must be at least 0 seconds, got {self.gap}")

    @property
    def scores(self) -> list[tuple[float, float, float, float]]:
        """Every boundary scored so far: ``(time, d, D, score)``, for plots and for tuning."""
        return self._scores

    def push(self, time: float, hist: NDArray[np.float32], payload: P = None) -> list[tuple[str, float, Any]]:  # type: ignore[assignment]
        """Add the next sampled frame (times must increase) and return the events now certain."""
        if self._buf and time <= self._buf[-1].time:
            raise KPaletteError("frames must come in increasing order of time")
        self._buf.append(_Sample(time, hist, payload))
        return self._advance(final=False)

    def finish(self) -> list[tuple[str, float, Any]]:
        """The film has ended: return the remaining events."""
        return self._advance(final=True)

    # -- internals -------------------------------------------------------------------------------------------
    def _half(self, i: int) -> float:
        """How far to look on each side of boundary ``i``, beyond the two frames next to it."""
        step = self._buf[i].time - self._buf[i - 1].time
        return max(0.0, self.gap - step / 2)

    def _score(self, i: int, final: bool) -> bool:
        """Score boundary ``i`` (between samples i-1 and i) if the frames it needs are there."""
        buf = self._buf
        if buf[i].score is not None:
            return True
        half = self._half(i)
        t_before, t_after = buf[i - 1].time - half, buf[i].time + half
        if buf[-1].time < t_after and not final:
            return False
        a = i - 1
        while a > 0 and buf[a].time > t_before:
            a -= 1
        b = i
        while b < len(buf) - 1 and buf[b].time < t_after:
            b += 1
        d = distance(buf[i - 1].hist, buf[i].hist)
        wide = distance(buf[a].hist, buf[b].hist)
        buf[i].d, buf[i].wide, buf[i].score = d, wide, (d + wide) / 2
        self._scores.append((buf[i].time, d, wide, (d + wide) / 2))
        return True

    def _release(self, upto: int, events: list[tuple[str, float, Any]]) -> None:
        """Hand over the frames before index ``upto``: their scene is now known."""
        for s in self._buf[self._released:upto]:
            events.append(("frame", s.time, s.payload))
            s.payload = None
        self._released = max(self._released, upto)

    def _close_run(self, last: int, events: list[tuple[str, float, Any]]) -> None:
        """The run of high scores from ``_run`` to boundary ``last`` is one transition: a cut at its peak."""
        scores = [self._buf[j].score or 0.0 for j in range(self._run, last + 1)]
        c = self._run + int(np.argmax(scores))
        self._release(c, events)
        events.append(("cut", self._buf[c].time, max(scores)))
        self._run = -1

    def _advance(self, final: bool) -> list[tuple[str, float, Any]]:
        buf = self._buf
        events: list[tuple[str, float, Any]] = []
        while True:
            i = self._next
            if i == 0:
                if not buf:
                    break
                self._next = 1
                continue
            if i >= len(buf):
                if final:
                    if self._run >= 0:
                        self._close_run(i - 1, events)
                    self._release(len(buf), events)
                break
            if not self._score(i, final):
                break
            if (buf[i].score or 0.0) >= self.threshold:
                if self._run < 0:
                    self._release(i, events)
                    self._run = i
                elif buf[i].time - buf[self._run].time > self.max_run:
                    self._close_run(i, events)
            elif self._run >= 0:
                self._close_run(i - 1, events)
            if self._run < 0:
                self._release(i + 1, events)
            self._next += 1
        return self._trim(events)

    def _trim(self, events: list[tuple[str, float, Any]]) -> list[tuple[str, float, Any]]:
        """Forget samples that no boundary still to be scored can look back to."""
        buf = self._buf
        keep_from = min(self._next, self._released, self._run if self._run >= 0 else len(buf)) - 1
        if keep_from < 1:
            return events
        horizon = buf[keep_from].time - self.gap - self._step()
        drop = 0
        while drop < keep_from - 1 and buf[drop + 1].time < horizon:
            drop += 1
        if drop:
            del buf[:drop]
            self._next -= drop
            self._released -= drop
            if self._run >= 0:
                self._run -= drop
        return events

    def _step(self) -> float:
        buf = self._buf
        return max((b.time - a.time for a, b in zip(buf[-4:], buf[-3:])), default=0.0)


def cuts_of(events: Iterator[tuple[str, float, Any]]) -> list[float]:
    """The times of the cuts among ``events``."""
    return [t for kind, t, _ in events if kind == "cut"]
