"""A whole film's colours in one decoding pass: every sampled frame's palette, its scenes and its palette.

The k-means objective of a set of pixels depends on them only through how many pixels have each colour
(chapter 13). The counts of a film are the sum of its frames' counts, so one pass over the film that adds
each frame's colour counts into one table gives everything needed for the film's palette: k-means on the
summed table (:func:`kpalette.fast.table_centers`) minimises the same objective as k-means on every pixel of
every sampled frame, at the cost of clustering one frame. The same holds for each scene, whose counts are the
sum over its frames.

:func:`analyse_film` does it all while the frames stream past::

    >>> film = analyse_film("film.mp4", k=8)                 # doctest: +SKIP
    >>> film.palette.hex                                     # the film's palette
    >>> [(f.time, f.palette.hex) for f in film.frames]       # every sampled frame's palette
    >>> [(s.start, s.end, s.palette.hex) for s in film.scenes]

Integer counts add up exactly in any order, so a film split into segments (for a cluster, see
:mod:`kpalette.distribute`) gives byte-identical palettes.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .cluster import check_k
from .errors import KPaletteError
from .fast import FINE_BITS, ColourTable, _bin_centres, _channels, bin_lab, colour_codes, nearest, table_centers
from .color import lab_to_rgb
from .palette import SPACES, Palette
from .scenes import GAP, THRESHOLD, CutDetector, distance, histogram
from .video import Sampling, TruncatedVideoWarning, VideoInfo, probe, read_frames

__all__ = ["ColourCounts", "FramePalette", "Scene", "Film", "Segment", "ScenePart", "frame_palette",
           "frame_palettes", "film_palette", "analyse_film", "analyse_segment", "assemble", "palette_of_counts",
           "refine", "FRAME_STARTS", "FRAME_BITS", "WARM_DISTANCE", "WARM_STEPS", "SETTLED"]

#: k-means++ starts for a frame's palette from scratch (the film's and the scenes' palettes use ten).
FRAME_STARTS = 10
#: Bits per channel of the colour bins a frame's own palette is clustered on (the sums for the film and the
#: scenes keep 7 bits): 6 bits make bins of 4 x 4 x 4 colours, a quarter as many, with a small error the
#: benchmark measures.
FRAME_BITS = 6
#: A frame whose histogram is within this distance of the previous frame's, in the same second of film,
#: starts from that frame's palette instead of from scratch (see :func:`refine`).
WARM_DISTANCE = 0.25
#: Lloyd steps, at most, a frame's palette takes from the previous frame's.
WARM_STEPS = 3
#: A frame's palette started from the previous frame's stops taking steps as soon as no colour moves by more
#: than this (Delta E 76 in Lab, levels in RGB) in a step: the previous palette already fits.
SETTLED = 0.5


def refine(table: ColourTable, centers: NDArray[np.float64], *, space: str = "lab", steps: int = WARM_STEPS,
           settled: float = SETTLED) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """k-means on a table started from given centres (a neighbouring frame's palette): a few Lloyd steps.

    Each step gives every bin to its nearest centre and moves each centre to the weighted mean of its bins; the
    steps stop after ``steps``, or as soon as no centre moves by more than ``settled``.

    Returns
    -------
    centers : numpy.ndarray of shape (m, 3)
        The centres that kept at least one pixel at the last step, each the mean of its bins.
    weights : numpy.ndarray of shape (m,)
        Their pixel counts.
    """
    points = table.lab if space == "lab" else table.rgb
    points32 = points.astype(np.float32)   # distances in float32, like kpalette.fast.lloyd
    counts = table.counts
    weighted = [counts * points[:, j] for j in range(3)]
    centers = np.array(centers, dtype=np.float64)
    k = len(centers)
    mass = np.zeros(k)
    for _ in range(max(1, steps)):
        labels, _ = nearest(points32, centers)
        mass = np.bincount(labels, weights=counts, minlength=k)
        sums = np.stack([np.bincount(labels, weights=w, minlength=k) for w in weighted], axis=1)
        filled = mass > 0
        new = centers.copy()   # a centre left with no pixel stays where it was
        new[filled] = sums[filled] / mass[filled, None]
        moved = float(((new - centers) ** 2).sum(axis=1).max())
        centers = new
        if moved <= settled * settled:
            break
    keep = mass > 0
    return centers[keep], mass[keep]


class ColourCounts:
    """Pixel counts of every 7-bit colour bin, added up over frames: 2 ** 21 integer counters (16 MB).

    Counts are 64-bit integers, so sums are exact and do not depend on the order in which frames or segments
    are added.
    """

    __slots__ = ("counts", "bits")

    def __init__(self, counts: NDArray[np.int64] | None = None, bits: int = FINE_BITS) -> None:
        self.bits = bits
        #: The counts of all ``2 ** (3 * bits)`` bins.
        self.counts = np.zeros(1 << (3 * bits), dtype=np.int64) if counts is None else counts

    def add_codes(self, codes: NDArray[np.uint32]) -> None:
        """Count pixels given by their bin codes (:func:`kpalette.fast.colour_codes` with ``bits``).

        An unbuffered add in place (``numpy.add.at``): it touches only the bins the pixels fall in, where
        counting into a fresh array of 2 ** 21 bins would cost more than a small frame.
        """
        np.add.at(self.counts, codes, 1)

    def clear(self) -> None:
        """Set every count back to zero."""
        self.counts[:] = 0

    def add(self, table: ColourTable) -> None:
        """Add one frame's table (its codes are distinct, so a plain indexed add is exact)."""
        if table.bits != self.bits:
            raise KPaletteError(f"cannot add {table.bits}-bit counts to {self.bits}-bit counts")
        self.counts[table.codes] += table.counts.astype(np.int64)

    def merge(self, other: "ColourCounts") -> None:
        """Add another sum of counts to this one."""
        if other.bits != self.bits:
            raise KPaletteError("cannot merge counts of different bin sizes")
        self.counts += other.counts

    @property
    def pixels(self) -> int:
        """The number of pixels counted."""
        return int(self.counts.sum())

    def table(self) -> ColourTable:
        """The occupied bins as a :class:`~kpalette.fast.ColourTable`, ready for clustering."""
        occupied = np.flatnonzero(self.counts != 0)
        return ColourTable(occupied, self.counts[occupied].astype(np.float64), self.bits)

    def sparse(self) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        """The occupied bins' codes and counts: a compact form to send between processes."""
        occupied = np.flatnonzero(self.counts != 0)
        return occupied.astype(np.int32), self.counts[occupied]

    @classmethod
    def from_sparse(cls, codes: NDArray[np.integer], counts: NDArray[np.integer], bits: int = FINE_BITS
                    ) -> "ColourCounts":
        out = cls(bits=bits)
        np.add.at(out.counts, np.asarray(codes, dtype=np.intp), np.asarray(counts, dtype=np.int64))
        return out


@dataclass(frozen=True)
class FramePalette:
    """One sampled frame's palette.

    Attributes
    ----------
    time : float
        When the frame is shown, in seconds from the start.
    palette : Palette
        Its colours, largest share first.
    mean : numpy.ndarray of shape (3,), dtype uint8
        Its mean colour (RGB, from its 6-bit colour counts: within two levels of the exact mean), for the
        crude kind of movie barcode.
    """

    time: float
    palette: Palette
    mean: NDArray[np.uint8]


@dataclass(frozen=True)
class Scene:
    """A stretch of film between two cuts, with the palette of all its sampled frames together.

    Attributes
    ----------
    start, end : float
        Seconds: the time of its first sampled frame, and the time of the first frame of the next scene (or the
        end of the last frame read, for the last scene).
    frames : int
        How many sampled frames it has.
    palette : Palette
    """

    start: float
    end: float
    frames: int
    palette: Palette

    def to_dict(self) -> dict[str, Any]:
        """``{"start", "end", "colors": [{"hex", "proportion"}, ...]}`` with times rounded to milliseconds."""
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "colors": [{"hex": h, "proportion": round(float(p), 6)}
                           for h, p in zip(self.palette.hex, self.palette.proportions)]}


@dataclass
class Film:
    """What :func:`analyse_film` found.

    Attributes
    ----------
    info : VideoInfo
    sampling : Sampling
    frames : list of FramePalette
        Every sampled frame, in time order.
    counts : ColourCounts
        The pixel counts of all sampled frames added up (at the analysis size).
    palette : Palette
        The film's palette: k-means on ``counts``.
    scenes : list of Scene
        Empty unless scenes were asked for.
    cuts : list of float
        Times of the cuts (the first frame after each).
    stopped_at : float or None
        Where reading stopped if the film was cut short, else ``None``.
    """

    info: VideoInfo
    sampling: Sampling
    frames: list[FramePalette]
    counts: ColourCounts
    palette: Palette
    scenes: list[Scene] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    stopped_at: float | None = None

    @property
    def times(self) -> NDArray[np.float64]:
        """The sampled frames' times in seconds."""
        return np.array([f.time for f in self.frames])


def frame_colours(frames: Sequence[FramePalette]) -> list[tuple[NDArray[np.uint8], NDArray[np.float64]]]:
    """Each frame's colours as 8-bit sRGB and their shares, largest share first, for drawing and writing.

    The colours are those of ``frame.palette.sort("share").rgb``, converted for all the frames at once: one
    conversion per palette would cost more than the rest of drawing a barcode or writing a CSV.
    """
    palettes = [f.palette for f in frames]
    orders = [np.argsort(-p.proportions, kind="stable") for p in palettes]
    sizes = [len(p) for p in palettes]
    centers = np.concatenate([p.centers[o] for p, o in zip(palettes, orders)] + [np.zeros((0, 3))])
    lab = np.repeat([p.space == "lab" for p in palettes], sizes).astype(bool)
    rgb = np.clip(np.rint(centers), 0, 255).astype(np.uint8)   # for palettes in RGB
    if lab.any():
        rgb[lab] = lab_to_rgb(centers[lab])
    ends = np.cumsum(sizes)
    return [(rgb[end - size:end], p.proportions[o]) for p, o, size, end in zip(palettes, orders, sizes, ends)]


def palette_of_counts(table: ColourTable, k: int = 8, *, space: str = "lab", seed: int = 42,
                      n_init: int = 10) -> Palette:
    """The palette of a colour table (a frame's, a scene's or a whole film's), largest share first."""
    if len(table) == 0:
        raise KPaletteError("there are no pixels to take a palette from")
    centers, weights = table_centers(table, k, space=space, seed=seed, n_init=n_init, last_steps=0)
    return Palette(centers, weights, space).sort("share")


def _check(k: int, space: str) -> int:
    k = check_k(k)
    if space not in SPACES:
        raise KPaletteError(f"space must be one of {', '.join(SPACES)}, not {space!r}")
    return k


def frame_palette(image: NDArray[np.uint8], k: int = 8, *, space: str = "lab", seed: int = 42) -> Palette:
    """One frame's palette the way the film functions make it from scratch: on its 6-bit colour table.

    Close to :func:`kpalette.extract_palette` on the same frame at a fraction of the cost; the benchmark
    (``make bench-film``) measures how close on the frames of a test film.
    """
    k = _check(k, space)
    table = _table(colour_codes(np.asarray(image, dtype=np.uint8).reshape(-1, 3), FRAME_BITS))
    centers, weights = table_centers(table, k, space=space, seed=seed, n_init=FRAME_STARTS, last_steps=0)
    return Palette(centers, weights, space).sort("share")


def _by_share(centers: NDArray[np.float64], weights: NDArray[np.float64], space: str) -> Palette:
    """``Palette(centers, weights, space).sort("share")``, the same numbers, made once instead of twice."""
    shares = weights / weights.sum()
    order = np.argsort(-shares, kind="stable")
    return Palette(centers[order], shares[order], space)


def _mean(table: ColourTable) -> NDArray[np.uint8]:
    """A frame's mean colour from its colour table (within half a bin of the mean of its pixels)."""
    bits = table.bits
    centres = _bin_centres(bits)   # each channel's bin centres
    # per channel: how many pixels fall in each of its bins, times the bins' centres
    sums = [float((np.bincount(c, weights=table.counts, minlength=1 << bits) * centres).sum())
            for c in _channels(table.codes, bits)]
    mean = np.array(sums) / table.counts.sum()
    return np.clip(np.rint(mean), 0, 255).astype(np.uint8)


def _table(codes: NDArray[np.uint32], bits: int = FRAME_BITS) -> ColourTable:
    counts = np.bincount(codes, minlength=1 << (3 * bits))
    occupied = np.flatnonzero(counts != 0)
    return ColourTable(occupied, counts[occupied].astype(np.float64), bits)


# The Lab colour of every 6-bit bin's centre, computed once (2 ** 18 colours, 6 MB) the first time a frame is
# counted: each frame's table then looks its colours up instead of converting them.
_FRAME_LAB: list[NDArray[np.float64]] = []


class _FrameTable(ColourTable):
    """A frame's 6-bit colour table whose Lab colours are looked up: the numbers of :func:`~kpalette.fast.bin_lab`."""

    @cached_property
    def lab(self) -> NDArray[np.float64]:
        if not _FRAME_LAB:
            _FRAME_LAB.append(bin_lab(np.arange(1 << (3 * FRAME_BITS)), FRAME_BITS))
        return _FRAME_LAB[0][self.codes]


def _coarser(codes: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """7-bit codes to 6-bit ones: the top 6 of each channel's 7 bits (what ``colour_codes(pixels, 6)`` gives)."""
    out = (codes >> np.uint32(1)) & np.uint32(0x3F)
    out |= (codes >> np.uint32(2)) & np.uint32(0x3F << 6)
    out |= (codes >> np.uint32(3)) & np.uint32(0x3F << 12)
    return out


class _FrameCounter:
    """Counts each frame's pixels once: their 7-bit codes (for the film's and scenes' sums) and the frame's
    6-bit table (for its own palette and histogram), counted in place in one reused array."""

    def __init__(self) -> None:
        self._scratch = np.zeros(1 << (3 * FRAME_BITS), dtype=np.int64)   # all zeros between frames

    def count(self, pixels: NDArray[np.uint8]) -> tuple[NDArray[np.uint32], ColourTable]:
        codes = colour_codes(pixels, FINE_BITS)
        scratch = self._scratch
        np.add.at(scratch, _coarser(codes), 1)
        occupied = np.flatnonzero(scratch != 0)   # (a comparison first: NumPy finds True fast)
        counts = scratch[occupied].astype(np.float64)
        scratch[occupied] = 0
        return codes, _FrameTable(occupied, counts, FRAME_BITS)


def frame_palettes(path: str | os.PathLike[str], k: int = 8, *, fps: float | None = 1.0, every_frame: bool = False,
                   keyframes: bool = False, space: str = "lab", seed: int = 42,
                   max_side: int | str | None = "auto") -> Iterator[FramePalette]:
    """Each sampled frame's palette, one at a time, as the film is decoded.

    The same palettes as ``analyse_film(...).frames``, without keeping them: memory stays flat however long
    the film (see :func:`analyse_film` for the arguments).
    """
    k = _check(k, space)
    state = _Pass(k, space, seed, True, False, THRESHOLD, GAP)
    for frame in read_frames(path, fps=fps, every_frame=every_frame, keyframes=keyframes, max_side=max_side):
        state.add(frame.time, frame.image)
        yield state.frames.pop()


def film_palette(path: str | os.PathLike[str], k: int = 8, **options: Any) -> Palette:
    """The palette of a whole film: k-means on the colour counts of all its sampled frames added up.

    Takes the options of :func:`analyse_film`; it is ``analyse_film(path, k, **options).palette``, without
    the frames' own palettes.
    """
    return analyse_film(path, k, frames=False, **options).palette


def analyse_film(path: str | os.PathLike[str], k: int = 8, *, fps: float | None = 1.0, every_frame: bool = False,
                 keyframes: bool = False, space: str = "lab", seed: int = 42, max_side: int | str | None = "auto",
                 frames: bool = True, scenes: bool = True, threshold: float = THRESHOLD, gap: float = GAP,
                 progress: Callable[[float, int], None] | None = None) -> Film:
    """Decode a film once and find its frames' palettes, its cuts, its scenes' palettes and its palette.

    Parameters
    ----------
    path : str or os.PathLike
        Any video file FFmpeg reads.
    k : int, default 8
        Colours per palette.
    fps, every_frame, keyframes :
        Which frames to take (see :func:`kpalette.video.read_frames`): ``fps`` frames per second (default 1),
        every frame, or key frames only.
    space : {"lab", "rgb"}, default "lab"
    seed : int, default 42
    max_side : int, "auto" or None, default "auto"
        Frames are scaled down by FFmpeg so their longer side is at most this (``None``: full size; ``"auto"``:
        240 pixels, or 160 when every frame is taken, see :func:`kpalette.video.default_side`).
    frames : bool, default True
        Compute each sampled frame's palette (``False``: only the counts, for the film and scene palettes).
    scenes : bool, default True
        Find the cuts and each scene's palette.
    threshold, gap : float
        The cut detector's settings (see :class:`kpalette.scenes.CutDetector`).
    progress : callable, optional
        Called as ``progress(time, n_frames)`` after each sampled frame (for a progress bar).

    Returns
    -------
    Film

    Raises
    ------
    KPaletteError
        If the file cannot be read as a video or the arguments are not valid.

    Warns
    -----
    TruncatedVideoWarning
        If the film stops before its announced end; the results cover what could be read.
    """
    k = _check(k, space)
    sampling = Sampling.of(fps, every_frame=every_frame, keyframes=keyframes)
    info = probe(path)
    part = analyse_segment(path, k, sampling=sampling, space=space, seed=seed, max_side=max_side, frames=frames,
                           scenes=scenes, threshold=threshold, gap=gap, progress=progress)
    return assemble(info, sampling, [part], k, space=space, seed=seed)


@dataclass
class ScenePart:
    """A scene, or the part of one that lies in a segment of the film.

    ``open_start`` / ``open_end``: the scene may go on before / after the segment (no cut was seen there), so
    it must be joined with its neighbour's part. A closed part has its palette; an open one keeps its counts.
    """

    start: float
    end: float
    frames: int
    open_start: bool
    open_end: bool
    palette: Palette | None = None
    codes: NDArray[np.int32] | None = None
    counts: NDArray[np.int64] | None = None


@dataclass
class Segment:
    """What one pass over a stretch of film found (see :func:`analyse_segment`)."""

    start: float | None
    end: float | None
    frames: list[FramePalette]
    codes: NDArray[np.int32]
    counts: NDArray[np.int64]
    parts: list[ScenePart]
    cuts: list[float]
    last_time: float | None
    step: float
    stopped_at: float | None


def analyse_segment(path: str | os.PathLike[str], k: int = 8, *, sampling: Sampling = Sampling(),
                    space: str = "lab", seed: int = 42, max_side: int | str | None = "auto", frames: bool = True,
                    scenes: bool = True, threshold: float = THRESHOLD, gap: float = GAP, start: float | None = None,
                    end: float | None = None, context: float = 0.0,
                    progress: Callable[[float, int], None] | None = None) -> Segment:
    """One pass over the frames shown at ``start <= time < end`` (the whole film by default).

    Frames up to ``context`` seconds before and after the segment are read too, for the cut detector only, so
    that the cuts found near the segment's edges are those a pass over the whole film finds. The counts come
    back sparse (codes and counts of the occupied bins) so the result is small to send between processes.
    """
    k = _check(k, space)
    lo = None if start is None else max(0.0, start - context) if scenes else start
    hi = None if end is None else end + context if scenes else end
    if frames and start is not None:
        # frames of the same second before the segment are read too: a frame's palette may start from the
        # palette of the frame before it, within a second
        lo = min(start if lo is None else lo, float(math.floor(start)))
    state = _Pass(k, space, seed, frames, scenes, threshold, gap, start, end)
    stopped = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncatedVideoWarning)
        reader = read_frames(path, fps=sampling.fps, every_frame=sampling.mode == "every",
                             keyframes=sampling.mode == "keyframes", max_side=max_side, start=lo, end=hi)
        taken = 0
        for frame in reader:
            state.add(frame.time, frame.image)
            if progress is not None and state.owns(frame.time):
                taken += 1
                progress(frame.time, taken)
    for w in caught:
        if issubclass(w.category, TruncatedVideoWarning):
            stopped = w.message.stopped_at  # type: ignore[union-attr]
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    state.finish(stopped is not None)
    codes, counts = state.counts.sparse()
    return Segment(start, end, state.frames, codes, counts, state.parts, state.cuts, state.last_time,
                   state.step, stopped)


def assemble(info: VideoInfo, sampling: Sampling, segments: list[Segment], k: int = 8, *, space: str = "lab",
             seed: int = 42) -> Film:
    """Join the segments of a film, in time order, into one :class:`Film`.

    Counts add up exactly; a scene cut in two by a segment boundary gets its parts' counts added up, then one
    palette: the result is the same, byte for byte, as one pass over the whole film.
    """
    total = ColourCounts()
    frames: list[FramePalette] = []
    cuts: list[float] = []
    for seg in segments:
        total.counts[seg.codes] += seg.counts
        frames.extend(seg.frames)
        cuts.extend(seg.cuts)
    stopped = next((seg.stopped_at for seg in segments if seg.stopped_at is not None), None)
    scenes: list[Scene] = []
    pending: list[ScenePart] = []

    def close(parts: list[ScenePart]) -> None:
        if len(parts) == 1 and parts[0].palette is not None:
            p = parts[0]
            scenes.append(Scene(p.start, p.end, p.frames, p.palette))
            return
        joined = ColourCounts()
        for p in parts:
            if p.codes is not None and p.counts is not None:
                joined.counts[p.codes] += p.counts
        palette = palette_of_counts(joined.table(), k, space=space, seed=seed)
        scenes.append(Scene(parts[0].start, parts[-1].end, sum(p.frames for p in parts), palette))

    for seg in segments:
        for part in seg.parts:
            if pending and not part.open_start:
                close(pending)
                pending = []
            pending.append(part)
            if not part.open_end:
                close(pending)
                pending = []
    if pending:
        close(pending)
    if scenes and stopped is None and info.duration is not None and info.duration > scenes[-1].end:
        scenes[-1] = dataclasses.replace(scenes[-1], end=info.duration)   # the last scene lasts to the end
    palette = palette_of_counts(total.table(), k, space=space, seed=seed)
    return Film(info, sampling, frames, total, palette, scenes, cuts, stopped)


class _Pass:
    """The work done on each sampled frame, and the running sums, in one pass over a segment."""

    def __init__(self, k: int, space: str, seed: int, frames: bool, scenes: bool, threshold: float,
                 gap: float, start: float | None = None, end: float | None = None) -> None:
        self.k, self.space, self.seed, self.want_frames = k, space, seed, frames
        self.start, self.end = start, end
        self.counts = ColourCounts()
        self.counter = _FrameCounter()
        self.frames: list[FramePalette] = []
        self.parts: list[ScenePart] = []
        self.cuts: list[float] = []
        self.detector: CutDetector[NDArray[np.uint32] | None] | None = CutDetector(threshold, gap) if scenes else None
        self.scene = ColourCounts() if scenes else None
        self.scene_start: float | None = None   # time of the current part's first frame
        self.scene_frames = 0
        self.scene_after_cut = start is None or start <= 0   # the current part starts at a cut (or the film's start)
        self.last_time: float | None = None
        self.previous: float | None = None
        self.warm: tuple[int, NDArray[np.float32] | None, NDArray[np.float64]] | None = None
        self.step = 0.0

    def owns(self, time: float) -> bool:
        return (self.start is None or time >= self.start) and (self.end is None or time < self.end)

    def add(self, time: float, image: NDArray[np.uint8]) -> None:
        codes, table = self.counter.count(image.reshape(-1, 3))
        owned = self.owns(time)
        if self.previous is not None:
            self.step = time - self.previous   # the time between sampled frames, context included
        self.previous = time
        hist = histogram(table)
        if owned:
            if self.scene is None:
                self.counts.add_codes(codes)   # with scenes, each scene's counts are added when it closes
            if self.want_frames:
                self.frames.append(FramePalette(time, self._frame_palette(time, table, hist), _mean(table)))
            self.last_time = time
        elif self.want_frames and self.start is not None and math.floor(self.start) <= time < self.start:
            self._frame_palette(time, table, hist)   # only so the next frame starts as it would in one pass
        if self.detector is not None:
            self._events(self.detector.push(time, hist, codes if owned else None))

    def _frame_palette(self, time: float, table: ColourTable, hist: NDArray[np.float32] | None) -> Palette:
        """The frame's palette: from fresh starts, or from the previous frame's colours when it is close."""
        second = math.floor(time)
        warm = (self.warm is not None and self.warm[0] == second and hist is not None
                and distance(self.warm[1], hist) <= WARM_DISTANCE and len(table) > self.k)
        if warm:
            centers, weights = refine(table, self.warm[2], space=self.space)  # type: ignore[index]
        else:
            centers, weights = table_centers(table, self.k, space=self.space, seed=self.seed, n_init=FRAME_STARTS,
                                             last_steps=0)
        self.warm = (second, hist, centers)
        return _by_share(centers, weights, self.space)

    def _events(self, events: list[tuple[str, float, Any]]) -> None:
        for kind, time, payload in events:
            if not self.owns(time):
                continue
            if kind == "cut":
                self._close(time, open_end=False)
                self.scene_after_cut = True
                self.cuts.append(time)
            elif payload is not None and self.scene is not None:
                if self.scene_start is None:
                    self.scene_start, self.scene_frames = time, 0
                self.scene.add_codes(payload)
                self.scene_frames += 1

    def _close(self, end: float, *, open_end: bool) -> None:
        if self.scene is None or self.scene_start is None:
            return
        self.counts.merge(self.scene)
        part = ScenePart(self.scene_start, end, self.scene_frames, not self.scene_after_cut, open_end)
        if part.open_start or part.open_end:
            part.codes, part.counts = self.scene.sparse()
        else:
            part.palette = palette_of_counts(self.scene.table(), self.k, space=self.space, seed=self.seed)
        self.parts.append(part)
        self.scene.clear()
        self.scene_start = None
        self.scene_after_cut = False

    def finish(self, stopped: bool) -> None:
        if self.detector is None:
            return
        self._events(self.detector.finish())
        if self.last_time is None:
            return
        if self.end is not None and not stopped:
            self._close(self.end, open_end=True)
        else:
            self._close(self.last_time + self.step, open_end=False)
