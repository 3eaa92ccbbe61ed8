"""Write output files without ever destroying anything, and name the files of ``--out-dir``.

The rules, for every file the command line writes (the palette, ``--swatch``, ``--quantized``, and every
output added later):

- ``-`` is standard output, for binary formats too; so are ``/dev/stdout``, ``/dev/stderr`` and
  ``/dev/fd/N``, which are written to the descriptor the process already has.
- A **regular file**, new or existing, is written whole or not at all: to a temporary file in the same folder,
  flushed to disk, then renamed over the target. An existing file keeps its permission bits (and, as root, its
  owner); a symbolic link is followed, so the link stays and its target is replaced.
- A **special file** (a character device such as ``/dev/null``, a FIFO) is opened and written directly, never
  replaced: it is still the same device or FIFO afterwards. A disk (block device) or a socket is refused.
- A target the user may not write is refused **before any work is done** (exit status 1): a read-only file
  (no write bit at all, which also stops root), a folder without write permission, a missing folder, a
  directory, the input image itself.
- Ctrl-C (SIGINT) while files are being written is held back until every temporary file is renamed into place
  or removed, so an interrupted run leaves neither half-written nor temporary files.

:func:`target` does the checks; :func:`write` writes a group of files (one input's outputs) under these rules;
:func:`unique_stems` names the files of ``--out-dir`` after their inputs.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import KPaletteError

__all__ = ["Target", "target", "write", "unique_stems", "held_interrupts", "descriptor_of", "TEMP_SUFFIX"]

#: Temporary files end with this, and start with a dot: ``.NAME.XXXXXXXX.kpalette-tmp``.
TEMP_SUFFIX = ".kpalette-tmp"
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)\Z")
_STD_NAMES = {"-": 1, "/dev/stdout": 1, "/dev/stderr": 2}


@dataclass(frozen=True)
class Target:
    """Where one output goes, and how it is written (see the module docstring)."""

    shown: str
    """The name as the user gave it, for messages."""
    path: Path | None
    """The file written (symbolic links resolved); ``None`` for an open descriptor."""
    direct: bool
    """Written in place (special files, descriptors) rather than through a temporary file and a rename."""
    fd: int | None = None
    """The descriptor written to, for ``-``, ``/dev/stdout``, ``/dev/fd/N``."""

    @property
    def is_stdout(self) -> bool:
        return self.fd == 1


def descriptor_of(spec: str) -> int | None:
    """The descriptor that `-`, `/dev/stdout`, `/dev/stderr` or `/dev/fd/N` stands for, else None."""
    if spec in _STD_NAMES:
        return _STD_NAMES[spec]
    match = _FD_PATH.match(spec)
    return int(match.group(1)) if match else None


def _check_folder(folder: Path, name: str) -> None:
    if not folder.exists():
        raise KPaletteError(f"{folder}: no such directory to write {name} into")
    if not folder.is_dir():
        raise KPaletteError(f"{folder}: is not a directory, so {name} cannot be written there")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise KPaletteError(f"{folder}: permission denied to write {name}")


def target(spec: str | os.PathLike[str]) -> Target:
    """Check that an output can be written, before any work is done, and say how it will be.

    Parameters
    ----------
    spec : str or os.PathLike
        ``-`` for standard output, or a path.

    Returns
    -------
    Target

    Raises
    ------
    KPaletteError
        If the output must not or cannot be written (see the module docstring).
    """
    shown = os.fspath(spec)
    fd = descriptor_of(shown)
    if fd is not None:
        try:
            os.fstat(fd)
        except OSError:
            raise KPaletteError(f"{shown}: descriptor {fd} is not open") from None
        return Target(shown, None, True, fd)
    path = Path(shown)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        real = Path(os.path.realpath(path))
        _check_folder(real.parent, real.name)
        return Target(shown, real, False)
    except OSError as exc:
        raise KPaletteError(f"{shown}: cannot write ({exc.strerror or exc})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise KPaletteError(f"{shown}: is a directory; give a file name")
    if stat.S_ISBLK(mode):
        raise KPaletteError(f"{shown}: is a disk device; kpalette does not write to disks")
    if stat.S_ISSOCK(mode):
        raise KPaletteError(f"{shown}: is a socket; kpalette cannot write to it")
    if not os.access(path, os.W_OK) or (stat.S_ISREG(mode) and not mode & 0o222):
        raise KPaletteError(f"{shown}: is read-only; kpalette does not replace it")
    if not stat.S_ISREG(mode):
        return Target(shown, path, True)  # a character device or a FIFO: written in place, left as it is
    real = Path(os.path.realpath(path))
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise KPaletteError(f"{real.parent}: permission denied to replace {real.name} safely in that folder")
    return Target(shown, real, False)


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold back SIGINT (Ctrl-C) inside the block, then raise ``KeyboardInterrupt`` if one came.

    Only the main thread can change signal handlers; elsewhere, and when SIGINT is ignored or handled by
    someone else, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    came: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: came.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if came:
            raise KeyboardInterrupt


def _error(exc: OSError, t: Target) -> KPaletteError:
    return KPaletteError(f"{t.shown}: could not write the file ({exc.strerror or exc})")


def _write_atomic(files: Sequence[tuple[Target, bytes]]) -> None:
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Target]] = []
    t = files[0][0]
    try:
        for t, data in files:
            assert t.path is not None
            try:
                old = os.stat(t.path)
            except FileNotFoundError:
                old = None
            fd, tmp = tempfile.mkstemp(dir=t.path.parent, prefix=f".{t.path.name}.", suffix=TEMP_SUFFIX)
            temps.append((tmp, t))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, stat.S_IMODE(old.st_mode) if old else 0o666 & ~umask)
            if old is not None and os.geteuid() == 0:
                os.chown(tmp, old.st_uid, old.st_gid)
        for tmp, t in temps:
            os.replace(tmp, t.path)  # type: ignore[arg-type]
        temps.clear()
    except OSError as exc:
        raise _error(exc, t) from None
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_direct(t: Target, data: bytes) -> None:
    if t.fd is not None:
        stream = sys.stdout if t.fd == 1 else sys.stderr if t.fd == 2 else None
        if stream is None:
            _write_fd(t.fd, data)
            return
        stream.flush()
        binary = getattr(stream, "buffer", None)
        if binary is None:
            stream.write(data.decode("utf-8", "replace"))
            stream.flush()
        else:
            binary.write(data)
            binary.flush()
        return
    assert t.path is not None
    try:
        fd = os.open(t.path, os.O_WRONLY)
    except OSError as exc:
        raise _error(exc, t) from None
    try:
        _write_fd(fd, data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _error(exc, t) from None
    finally:
        os.close(fd)


def write(files: Sequence[tuple[Target, bytes]]) -> None:
    """Write a group of files: the regular ones whole or not at all (all renamed into place together, with
    Ctrl-C held back meanwhile), then the special files and descriptors in place.

    Raises
    ------
    KPaletteError
        If a file cannot be written (a full disk, ``/dev/full``); no regular file of the group is then changed.
    """
    atomic = [(t, data) for t, data in files if not t.direct]
    if atomic:
        with held_interrupts():
            _write_atomic(atomic)
    for t, data in files:
        if t.direct:
            _write_direct(t, data)


def _clean(name: str) -> str:
    return re.sub(r"[\x00-\x1f/\\]", "_", name) or "image"


def _stem(name: str) -> str:
    """A file name without its extension (a leading dot is not one)."""
    return _clean(name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name)


def unique_stems(paths: Sequence[Sequence[str]]) -> list[str]:
    """Name each input's output files, so that no two inputs share a name.

    Parameters
    ----------
    paths : sequence of sequence of str
        For each input, the parts of its path (folders, then the file name).

    Returns
    -------
    list of str
        For each input, its file name without the extension, e.g. ``x`` for ``frames/x.jpg``. Names that clash
        (compared without regard to case) take the names of the folders above them, joined with ``-``, one
        folder at a time until they differ: ``a/x.jpg`` and ``b/x.jpg`` give ``a-x`` and ``b-x``. Still equal
        (``x.jpg`` and ``x.png`` in one folder), they keep their extensions: ``x-jpg``, ``x-png``; the same
        file given twice is numbered: ``x``, ``x-2``.
    """
    parts = [[p for p in path if p not in ("", "/", ".")] or ["image"] for path in paths]
    bases = [_stem(p[-1]) for p in parts]
    stems = list(bases)
    depth = [0] * len(parts)

    def clashes() -> list[list[int]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(stems):
            groups[s.casefold()].append(i)
        return [g for g in groups.values() if len(g) > 1]

    while True:
        widened = False
        for group in clashes():
            for i in group:
                if depth[i] < len(parts[i]) - 1:
                    depth[i] += 1
                    folders = [_clean(f) for f in parts[i][-1 - depth[i] : -1]]
                    stems[i] = "-".join([*folders, bases[i]])
                    widened = True
        if not widened:
            break
    for group in clashes():
        extensions = [parts[i][-1].rsplit(".", 1)[1] if "." in parts[i][-1].lstrip(".") else "" for i in group]
        if len({e.casefold() for e in extensions}) > 1:
            for i, ext in zip(group, extensions):
                stems[i] += f"-{_clean(ext)}" if ext else ""
    seen: dict[str, int] = defaultdict(int)
    for i, s in enumerate(stems):
        seen[s.casefold()] += 1
        if seen[s.casefold()] > 1:
            stems[i] = f"{s}-{seen[s.casefold()]}"
    return stems
