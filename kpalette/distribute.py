"""A film library on a Dask cluster: several films, and the segments of long ones, analysed in parallel.

Each film is cut into segments of :data:`SEGMENT_SECONDS`; each segment is one task (:func:`analyse_segment`
on a worker), which decodes only its own stretch of film (PyAV seeks to the key frame before it) plus a few
seconds on each side for the cut detector. The tasks send back small results: the sampled frames' palettes,
the segment's colour counts as occupied bins and integer counts, and its scenes. The client adds the counts up
(integers: exact, in any order) and clusters them once, so every film's palette is byte-identical to the one a
single process finds; the frames' palettes and the cuts are the same too.

Needs the ``kpalette[dask]`` extra (``dask`` and ``distributed``). Every worker must be able to open the films
at the same paths as the client (a shared disk, or the same copy on every machine)::

    >>> films = analyse_films(["a.mp4", "b.mkv"], cluster="local")             # doctest: +SKIP
    >>> films = analyse_films(["a.mp4"], cluster="tcp://scheduler:8786")       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from .errors import KPaletteError
from .film import Film, analyse_segment, assemble
from .scenes import GAP, MAX_RUN, THRESHOLD
from .video import Sampling, VideoInfo, probe

__all__ = ["analyse_films", "connect", "segments", "SEGMENT_SECONDS"]

#: Length of the segments a film is cut into, in seconds of film.
SEGMENT_SECONDS = 120.0


@contextmanager
def connect(cluster: Any = "local", *, workers: int = 2, memory: str = "1GiB") -> Iterator[Any]:
    """A ``distributed.Client`` for ``cluster``: ``"local"``, a scheduler address, or a client already made.

    ``"local"`` starts a ``LocalCluster`` of ``workers`` processes of one thread each (each process decodes
    with FFmpeg's own threads), limited to ``memory`` each, without a dashboard, and stops it afterwards. A
    client passed in is used as it is and left open. The local cluster's processes log errors only: its
    warnings (an event loop slowed down by a busy machine, memory use) are about the machine, not the films.

    Raises
    ------
    KPaletteError
        If Dask is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise KPaletteError("the Dask cluster needs dask and distributed: pip install 'kpalette[dask]'") from None
    if not isinstance(cluster, str):
        yield cluster
        return
    if cluster == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory,
                          dashboard_address=None, silence_logs=logging.ERROR) as local, Client(local) as client:
            yield client
        return
    try:
        client = Client(cluster, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise KPaletteError(f"cannot reach the Dask scheduler at {cluster} ({exc})") from None
    with client:
        yield client


def segments(info: VideoInfo, sampling: Sampling, seconds: float = SEGMENT_SECONDS
             ) -> list[tuple[float | None, float | None]]:
    """Cut a film into ``(start, end)`` segments of about ``seconds`` each (``None``: the film's start or end).

    With ``fps`` sampling the boundaries fall on the sampling grid (multiples of ``1 / fps``), so that each
    segment takes exactly the frames a pass over the whole film takes in it.
    """
    if not seconds > 0:
        raise KPaletteError(f"segments must be longer than 0 seconds, got {seconds}")
    length = info.duration
    if length is None or length <= seconds:
        return [(None, None)]
    if sampling.mode == "fps":
        step = Fraction(sampling.fps).limit_denominator(1_000_000)
        per = max(1, round(seconds * step))   # sampling intervals per segment
        cuts = [float(i * per / step) for i in range(1, int(length * step / per) + 1)]
    else:
        cuts = [i * seconds for i in range(1, int(length / seconds) + 1)]
    cuts = [c for c in cuts if c < length]
    bounds: list[float | None] = [None, *cuts, None]
    return list(zip(bounds[:-1], bounds[1:]))


def _context(info: VideoInfo, sampling: Sampling, gap: float) -> float:
    """Seconds of film read on each side of a segment so that the cut detector decides as in one pass."""
    if sampling.mode == "fps":
        step = 1.0 / sampling.fps
    elif sampling.mode == "every":
        step = 1.0 / info.fps if info.fps else 0.1
    else:
        step = 10.0   # key frames are rarely further apart than this
    return MAX_RUN + 3 * gap + 4 * step + 1.0


def analyse_films(paths: Sequence[str | os.PathLike[str]], k: int = 8, *, cluster: Any = "local",
                  fps: float | None = 1.0, every_frame: bool = False, keyframes: bool = False, space: str = "lab",
                  seed: int = 42, max_side: int | str | None = "auto", frames: bool = True, scenes: bool = True,
                  threshold: float = THRESHOLD, gap: float = GAP, segment_seconds: float = SEGMENT_SECONDS,
                  done: Callable[[int, Film], None] | None = None) -> list[Film]:
    """Analyse several films on a Dask cluster, each cut into segments; the same results as one process.

    Parameters
    ----------
    paths : sequence of path
        The films; every worker must be able to read them at these paths.
    k, fps, every_frame, keyframes, space, seed, max_side, frames, scenes, threshold, gap :
        As for :func:`kpalette.film.analyse_film`.
    cluster : str or distributed.Client, default "local"
        ``"local"`` for a ``LocalCluster`` on this machine, a scheduler address (``"tcp://host:8786"``), or a
        client.
    segment_seconds : float, default :data:`SEGMENT_SECONDS`
        Length of the segments a film is cut into.
    done : callable, optional
        Called as ``done(i, film)`` when film ``i`` is ready (films finish in any order).

    Returns
    -------
    list of Film
        In the order of ``paths``.

    Raises
    ------
    KPaletteError
        If a film cannot be read (the first such film is named) or the cluster cannot be reached.
    """
    sampling = Sampling.of(fps, every_frame=every_frame, keyframes=keyframes)
    infos = [probe(p) for p in paths]   # unreadable films fail here, before any work is sent
    options = dict(k=k, sampling=sampling, space=space, seed=seed, max_side=max_side, frames=frames,
                   scenes=scenes, threshold=threshold, gap=gap)
    with connect(cluster) as client:
        from distributed import as_completed

        futures: dict[Any, tuple[int, int]] = {}
        plans = []
        for i, (path, info) in enumerate(zip(paths, infos)):
            plan = segments(info, sampling, segment_seconds)
            plans.append(plan)
            context = _context(info, sampling, gap)
            for j, (start, end) in enumerate(plan):
                future = client.submit(analyse_segment, str(path), start=start, end=end, context=context,
                                       pure=False, **options)
                futures[future] = (i, j)
        results: list[list[Any]] = [[None] * len(plan) for plan in plans]
        films: list[Film | None] = [None] * len(paths)
        left = [len(plan) for plan in plans]
        for future in as_completed(list(futures)):
            i, j = futures[future]
            try:
                results[i][j] = future.result()
            except KPaletteError:
                raise
            left[i] -= 1
            if left[i] == 0:
                films[i] = assemble(infos[i], sampling, results[i], k, space=space, seed=seed)
                results[i] = []
                if done is not None:
                    done(i, films[i])  # type: ignore[arg-type]
    return [f for f in films if f is not None]
