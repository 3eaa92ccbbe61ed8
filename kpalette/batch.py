"""Many inputs in one call: find them, run them over the machine's cores, report progress and errors.

- :func:`expand` turns the command line's inputs into :class:`Source` items: files, ``http(s)://`` addresses,
  ``-`` (standard input) and folders, which are searched (with their subfolders) for files whose extension
  names a known kind of input (:data:`KINDS`), in a stable sorted order; hidden files and folders (a leading
  dot) are skipped.
- :func:`run_all` runs one function on every source, in worker processes when there are several sources and
  cores, and yields the outcomes **in input order**, each a result or a :class:`Failure` (one plain sentence).
  The function must be a module-level function (it is sent to the workers by name) and deterministic, so the
  results are byte for byte those of one-at-a-time runs.
- :class:`Reporter` draws a progress bar on standard error when it is a terminal (and nothing otherwise),
  prints each failure as one line ``kpalette: error: ...`` and the closing summary.

Workers ignore SIGINT: on Ctrl-C the main process stops them and no worker is ever cut off while writing,
because only the main process writes files (see :mod:`kpalette.outputs`).
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:  # multiprocessing is imported only when several inputs run in worker processes
    from concurrent.futures import Future, ProcessPoolExecutor

from .errors import KPaletteError
from .fetch import is_url
from .filmcli import VIDEO_EXTENSIONS

__all__ = ["Source", "Failure", "KINDS", "expand", "run_all", "attempt", "default_jobs", "Reporter"]

#: The kind of input each file extension names, for searching folders (lower case). A file given by name is
#: an image unless its extension names another kind.
KINDS: dict[str, str] = {ext: "image" for ext in (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".tif", ".tiff",
                                                   ".webp", ".bmp")}
KINDS.update({ext: "video" for ext in VIDEO_EXTENSIONS})   # films: see kpalette.filmcli
#: How standard input is named in outputs and messages.
STDIN_LABEL = "<stdin>"

R = TypeVar("R")


@dataclass(frozen=True)
class Source:
    """One input, as the workers receive it."""

    label: str
    """The input as shown in outputs and messages: the path, the address or ``<stdin>``."""
    kind: str
    """What it is: ``"image"`` (see :data:`KINDS`)."""
    location: str | bytes
    """What to read: a path, an ``http(s)://`` address, or the bytes read from standard input."""
    parts: tuple[str, ...]
    """The parts of its path (folders, then the file name), to name its output files after."""


@dataclass(frozen=True)
class Failure:
    """An input that could not be used: the one-line message, without ``kpalette: error:``."""

    message: str


def _kind(path: str) -> str:
    """The kind named by the extension; a file with an unknown extension is a film if its first bytes say so
    (:func:`kpalette.filmcli.is_video`), otherwise an image."""
    kind = KINDS.get(os.path.splitext(path)[1].lower())
    if kind is not None:
        return kind
    if not is_url(path) and os.path.isfile(path):
        from .filmcli import is_video

        if is_video(path):
            return "video"
    return "image"


def _url_parts(url: str) -> tuple[str, ...]:
    split = urlsplit(url)
    return tuple(p for p in (split.hostname or "", *unquote(split.path).split("/")) if p) or ("image",)


def _search(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(root, f) for f in files if not f.startswith(".") and os.path.splitext(f)[1].lower() in KINDS]
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def expand(inputs: Sequence[str], stdin: IO[bytes] | None = None) -> list[Source | Failure]:
    """The sources named on the command line, in order; a folder gives its files in sorted order.

    Parameters
    ----------
    inputs : sequence of str
        Paths, folders, ``http(s)://`` addresses, and ``-`` for standard input (read here, once).
    stdin : binary file, optional
        Where ``-`` reads from (default: ``sys.stdin.buffer``).

    Returns
    -------
    list of Source or Failure
        A :class:`Failure` in the place of a folder without any input file in it, or of an unreadable ``-``.
    """
    out: list[Source | Failure] = []
    for text in inputs:
        if text == "-":
            out.append(_read_stdin(stdin if stdin is not None else sys.stdin.buffer))
        elif is_url(text):
            out.append(Source(text, _kind(urlsplit(text).path), text, _url_parts(text)))
        elif os.path.isdir(text):
            files = _search(Path(text))
            if not files:
                out.append(Failure(f"{text}: no image files in this folder (looked for "
                                   f"{', '.join(sorted({e[1:] for e in KINDS}))})"))
            out += [Source(str(p), _kind(str(p)), str(p), p.parts) for p in files]
        else:
            out.append(Source(text, _kind(text), text, Path(text).parts))
    return out


def _read_stdin(stream: IO[bytes]) -> Source | Failure:
    try:
        if stream.isatty():
            return Failure("standard input is a terminal; pipe an image in, as in: kpalette - < frame.jpg")
        data = stream.read()
    except (OSError, ValueError) as exc:
        return Failure(f"standard input: cannot read ({getattr(exc, 'strerror', None) or exc})")
    return Source(STDIN_LABEL, "image", data, ("stdin",))


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def attempt(work: Callable[[Source], R], source: Source) -> R | Failure:
    """``work(source)``, or a :class:`Failure` with one plain sentence that names the input."""
    try:
        return work(source)
    except KPaletteError as exc:
        message = str(exc)
    except MemoryError:
        message = "not enough memory for this input"
    except Exception as exc:  # a bug of ours must not stop the other inputs, nor print a traceback
        message = f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no details'}"
    if not message.startswith(source.label):
        message = f"{source.label}: {message}"
    return Failure(message)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(jobs: int) -> "ProcessPoolExecutor":
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "forkserver" in multiprocessing.get_all_start_methods():
        # workers fork from one server that has imported NumPy, Pillow and kpalette once (no thread is copied)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["numpy", "PIL.Image", "kpalette.analyse", "kpalette.cluster"])
    else:  # pragma: no cover - Windows
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_sigint)


def _stop(pool: "ProcessPoolExecutor") -> None:
    """Stop the workers now (Ctrl-C, or a reader that went away)."""
    terminate = getattr(pool, "terminate_workers", None)   # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def run_all(work: Callable[[Source], R], items: Iterable[Source | Failure], jobs: int
            ) -> Iterator[tuple[Source | Failure, R | Failure]]:
    """Run ``work`` on every source and yield ``(item, outcome)`` in input order.

    Parameters
    ----------
    work : callable
        Turns one :class:`Source` into its result, raising :class:`KPaletteError` on bad input. With more than
        one job it runs in worker processes, so it must be picklable (a module-level function or a
        ``functools.partial`` of one).
    items : iterable of Source or Failure
        The inputs; a :class:`Failure` is passed through in its place.
    jobs : int
        The most worker processes, and at most one per two sources; with 1 (or fewer than four sources)
        everything runs in this process.

    Yields
    ------
    (item, outcome)
        ``outcome`` is the result, or a :class:`Failure` for an input that could not be used.
    """
    items = list(items)
    sources = [item for item in items if isinstance(item, Source)]
    jobs = min(jobs, len(sources) // 2)   # starting a worker costs about what one input does: two each at least
    if jobs <= 1:
        for item in items:
            yield item, item if isinstance(item, Failure) else attempt(work, item)
        return
    from concurrent.futures.process import BrokenProcessPool

    window = 4 * jobs   # results wait in order: bound how many are held at once
    pool = _pool(jobs)
    pending: "deque[tuple[Source | Failure, Future[Any] | None]]" = deque()
    queue = iter(items)

    def submit(item: Source | Failure) -> None:
        pending.append((item, None if isinstance(item, Failure) else pool.submit(attempt, work, item)))

    try:
        for item in queue:
            submit(item)
            if len(pending) >= window:
                break
        while pending:
            item, future = pending.popleft()
            if future is None:
                outcome: Any = item
            else:
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    # a worker died (killed, out of memory): blame this input, start again with the others
                    outcome = Failure(f"{item.label}: the process reading it stopped unexpectedly (out of memory?)"
                                      if isinstance(item, Source) else "a worker process stopped")
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _pool(jobs)
                    waiting = [i for i, _ in pending]
                    pending.clear()
                    for again in waiting:
                        submit(again)
            for more in queue:
                submit(more)
                break
            yield item, outcome
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


class Reporter:
    """Progress and errors on standard error: a bar only when it is a terminal, one line per failure, a summary.

    Parameters
    ----------
    total : int
        Number of inputs.
    stream : text stream, default sys.stderr
    bar : bool, optional
        Draw the progress bar; by default only when ``stream`` is a terminal.
    """

    def __init__(self, total: int, stream: IO[str] | None = None, *, bar: bool | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.failed = 0
        if bar is None:
            try:
                bar = self.stream.isatty()
            except (AttributeError, ValueError):
                bar = False
        self.bar = bar
        self._drawn = False

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def step(self, label: str, failure: Failure | None = None) -> None:
        """One input is done: print its failure, if any, and move the bar."""
        self.done += 1
        if failure is not None:
            self.failed += 1
            self._clear()
            self.stream.write(f"kpalette: error: {failure.message}\n")
        if self.bar:
            self._draw(label)
        self.stream.flush()

    def warn(self, message: str) -> None:
        """Print one line ``kpalette: warning: ...`` (the input was used, with a caveat)."""
        self._clear()
        self.stream.write(f"kpalette: warning: {message}\n")
        self.stream.flush()

    def _draw(self, label: str) -> None:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns if columns >= 20 else 80
        width = 24
        filled = width * self.done // max(1, self.total)
        count = f"{self.done}/{self.total}"
        line = f"kpalette [{'#' * filled}{'.' * (width - filled)}] {count} {label}"
        self.stream.write("\r\x1b[K" + line[: max(10, columns - 1)])
        self._drawn = True

    def finish(self) -> None:
        """Remove the bar and, if any input failed, say how many in one line."""
        self._clear()
        if self.failed:
            ok = self.total - self.failed
            self.stream.write(f"kpalette: error: {self.failed} of {self.total} inputs failed "
                              f"({ok} done)\n")
        self.stream.flush()
