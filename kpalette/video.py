"""Read a film's frames with PyAV, streamed and sampled, each with its time in seconds.

PyAV (``pip install av``, the ``kpalette[video]`` extra) ships FFmpeg inside its wheels, so anything FFmpeg
reads works: MP4, MKV, WebM, MOV, AVI, MPEG-TS, ... with H.264, HEVC, VP9, AV1, ProRes and so on.

:func:`read_frames` decodes the film once, front to back, and hands over one frame at a time: memory does not
grow with the film's length. Three ways to sample it:

- ``fps=F`` (the default, one frame per second): the first frame of each interval of ``1 / F`` seconds;
- ``every_frame=True``: every frame;
- ``keyframes=True``: only the key frames, which the decoder can decode on their own; the others are skipped
  without decoding, a quick preview of a long film.

Converting a decoded frame to RGB costs more than decoding it, so only the sampled frames are converted, and
FFmpeg scales them down while it converts (``max_side``): a palette does not need every pixel of a 4K frame.

A film cut short (a truncated download, a damaged end) gives the frames that could be read, and a
:class:`TruncatedVideoWarning` that says where it stopped. A file that is not a video at all, or from which no
frame can be decoded, raises :class:`~kpalette.KPaletteError`.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError

__all__ = ["VideoInfo", "Frame", "Sampling", "TruncatedVideoWarning", "probe", "read_frames", "analysis_size",
           "DEFAULT_SIDE", "EVERY_FRAME_SIDE", "default_side"]

#: The longer side, in pixels, of the frames the film functions analyse unless told otherwise: FFmpeg scales
#: each sampled frame down to this while converting it to RGB (the benchmark measures what it changes).
DEFAULT_SIDE = 240
#: The same when every frame is taken: neighbouring frames show nearly the same colours, so each frame can be
#: read smaller (the benchmark measures palettes at both sizes against full-resolution ones).
EVERY_FRAME_SIDE = 160
#: How FFmpeg scales frames down: ``"POINT"`` takes, for each pixel, one pixel of the full frame (``"AREA"``
#: would average the pixels it covers, converting at two to five times the CPU cost; ``make bench-film`` compares
#: the two).
INTERPOLATION = "POINT"

# Exceptions of PyAV (and of the operating system) that mean "this file cannot be read as a video".
_READ_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, EOFError, IndexError, RuntimeError)


class TruncatedVideoWarning(UserWarning):
    """The film stopped before its end (cut short or damaged): the results cover the part that could be read.

    Attributes
    ----------
    stopped_at : float
        Time in seconds of the last frame that was read.
    expected : float or None
        The film's length as its container announces it, when it does.
    """

    def __init__(self, message: str, stopped_at: float, expected: float | None) -> None:
        super().__init__(message)
        self.stopped_at = stopped_at
        self.expected = expected


@dataclass(frozen=True)
class VideoInfo:
    """What a film's container says about its video stream.

    Attributes
    ----------
    path : str
    width, height : int
        Size of the decoded frames in pixels (before any rotation).
    fps : float
        Average frame rate (0.0 when the container does not say).
    duration : float or None
        Length in seconds, when the container says.
    frames : int or None
        Number of frames, when the container says.
    codec : str
        The video codec's short name (``"h264"``, ``"vp9"``, ...).
    rotation : int
        Degrees the frames are turned for display (phone videos); :func:`read_frames` turns them upright.
    """

    path: str
    width: int
    height: int
    fps: float
    duration: float | None
    frames: int | None
    codec: str
    rotation: int = 0


@dataclass(frozen=True)
class Frame:
    """One sampled frame.

    Attributes
    ----------
    time : float
        When the frame is shown, in seconds from the start of the film.
    image : numpy.ndarray of shape (h, w, 3), dtype uint8
        Its RGB pixels, upright, at the size asked for.
    key : bool
        Whether it is a key frame.
    """

    time: float
    image: NDArray[np.uint8]
    key: bool = False


@dataclass(frozen=True)
class Sampling:
    """Which frames to take: ``fps`` per second (the default), ``"every"`` frame or ``"keyframes"`` only.

    Parameters
    ----------
    fps : float, default 1.0
        Frames per second, for the default mode: the first frame of each interval of ``1 / fps`` seconds.
    mode : {"fps", "every", "keyframes"}
    """

    fps: float = 1.0
    mode: str = "fps"

    def __post_init__(self) -> None:
        if self.mode not in ("fps", "every", "keyframes"):
            raise KPaletteError(f"sampling must be fps, every or keyframes, not {self.mode!r}")
        if self.mode == "fps" and not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps)
                                       and self.fps > 0):
            raise KPaletteError(f"frames per second must be a positive number, got {self.fps!r}")

    @classmethod
    def of(cls, fps: float | None = 1.0, *, every_frame: bool = False, keyframes: bool = False) -> "Sampling":
        """The sampling the keyword arguments of the film functions describe."""
        if every_frame and keyframes:
            raise KPaletteError("choose every frame or key frames only, not both")
        if every_frame:
            return cls(mode="every")
        if keyframes:
            return cls(mode="keyframes")
        return cls(fps=1.0 if fps is None else fps)

    def describe(self) -> str:
        """A few words for people: ``"1 frame per second"``, ``"every frame"``, ``"key frames"``."""
        if self.mode == "every":
            return "every frame"
        if self.mode == "keyframes":
            return "key frames"
        per = f"{self.fps:g} frame{'s' if self.fps != 1 else ''} per second"
        return per


def _check_path(p: Path) -> None:
    if not p.exists():
        raise KPaletteError(f"{p}: no such file")
    if p.is_dir():
        raise KPaletteError(f"{p}: is a directory, not a video file")
    if p.is_file() and p.stat().st_size == 0:
        raise KPaletteError(f"{p}: the file is empty")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "strerror", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open(p: Path) -> Any:
    """Open ``p`` with PyAV and return (container, video stream); one-sentence errors for what cannot be read."""
    try:
        import av
    except ImportError:  # pragma: no cover - av is a dependency of the book; the library makes it an extra
        raise KPaletteError("reading video needs PyAV: pip install 'kpalette[video]'") from None
    _check_path(p)
    try:
        container = av.open(str(p), mode="r")
    except _READ_ERRORS as exc:
        raise KPaletteError(f"{p}: not a video file kpalette can read ({_first_line(exc)})") from None
    if not container.streams.video:
        container.close()
        raise KPaletteError(f"{p}: the file has no video stream")
    return container, container.streams.video[0]


def _rotation(stream: Any) -> int:
    """The display rotation of a stream in degrees (0, 90, 180 or 270), from its side data when it has one."""
    try:
        matrix = stream.side_data.get("DISPLAYMATRIX") if hasattr(stream, "side_data") else None
    except Exception:  # noqa: BLE001 - a missing or odd matrix means "upright"
        matrix = None
    if matrix is None:
        return 0
    try:
        return int(round(float(matrix))) % 360
    except (TypeError, ValueError):
        return 0


def _info(p: Path, container: Any, stream: Any) -> VideoInfo:
    rate = stream.average_rate or stream.guessed_rate
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    ctx = stream.codec_context
    return VideoInfo(str(p), int(ctx.width), int(ctx.height), float(rate) if rate else 0.0, duration,
                     int(stream.frames) or None, ctx.name, _rotation(stream))


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """What the container says about a film's video stream, without decoding it.

    Raises
    ------
    KPaletteError
        If the path is missing, a directory or empty, or the file is not a video FFmpeg can open.
    """
    p = Path(path)
    container, stream = _open(p)
    with container:
        return _info(p, container, stream)


def analysis_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The size frames are scaled to so that the longer side is at most ``max_side`` (never enlarged).

    Sides stay even (video decoders and scalers prefer it) and at least 2 pixels.
    """
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    w = max(2, int(round(width * scale / 2)) * 2)
    h = max(2, int(round(height * scale / 2)) * 2)
    return min(w, width), min(h, height)


def _upright(image: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    if rotation == 0:
        return image
    # the display matrix's angle is counter-clockwise
    return np.ascontiguousarray(np.rot90(image, k=(rotation // 90) % 4))


def default_side(sampling: Sampling) -> int:
    """The longer side frames are read at unless told otherwise: :data:`EVERY_FRAME_SIDE` when every frame is
    taken, :data:`DEFAULT_SIDE` otherwise."""
    return EVERY_FRAME_SIDE if sampling.mode == "every" else DEFAULT_SIDE


def read_frames(path: str | os.PathLike[str], *, fps: float | None = 1.0, every_frame: bool = False,
                keyframes: bool = False, max_side: int | str | None = "auto", start: float | None = None,
                end: float | None = None) -> Iterator[Frame]:
    """Decode a film front to back and yield its sampled frames as RGB arrays, one at a time.

    Parameters
    ----------
    path : str or os.PathLike
        Any video file FFmpeg reads.
    fps : float, default 1.0
        Frames per second to take: the first frame of each interval of ``1 / fps`` seconds.
    every_frame : bool, default False
        Take every frame instead.
    keyframes : bool, default False
        Take only key frames; the decoder skips the others without decoding them.
    max_side : int, "auto" or None, default "auto"
        FFmpeg scales each taken frame down so its longer side is at most this many pixels while converting it
        to RGB; ``None`` keeps the full size; ``"auto"`` is :func:`default_side`: :data:`DEFAULT_SIDE` (240),
        or :data:`EVERY_FRAME_SIDE` (160) when every frame is taken.
    start, end : float, optional
        Take only frames shown at ``start <= time < end`` seconds. The decoder seeks to the key frame before
        ``start``, so the frames taken are exactly those a read from the beginning would take in that range
        (this is how a film is cut into segments for a cluster).

    Yields
    ------
    Frame
        In order of time.

    Raises
    ------
    KPaletteError
        If the file cannot be opened as a video, has no video stream, or no frame can be decoded from it.

    Warns
    -----
    TruncatedVideoWarning
        If decoding fails part-way, or the frames stop well before the length the container announces: the
        frames read so far have been yielded, and the warning says where the film stopped.
    """
    sampling = Sampling.of(fps, every_frame=every_frame, keyframes=keyframes)
    if isinstance(max_side, str) and max_side == "auto":
        max_side = default_side(sampling)
    if max_side is not None and (isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 2):
        raise KPaletteError(f"max_side must be a whole number of pixels, at least 2, got {max_side!r}")
    p = Path(path)
    container, stream = _open(p)
    with container:
        yield from _frames(p, container, stream, sampling, max_side, start, end)


def _frames(p: Path, container: Any, stream: Any, sampling: Sampling, max_side: int | None,
            start: float | None, end: float | None) -> Iterator[Frame]:
    from av.video.reformatter import VideoReformatter

    info = _info(p, container, stream)
    stream.thread_type = "AUTO"  # frame and slice threads: decoding uses every core
    if sampling.mode == "keyframes":
        stream.codec_context.skip_frame = "NONKEY"
    base = Fraction(stream.time_base or Fraction(1, 1_000_000))
    origin = stream.start_time or 0
    # times in whole numbers: a frame's time is (pts - origin) * num / den seconds, and the interval of 1 / fps
    # seconds it falls in is floor(time * fps) = (pts - origin) * per // every (exact, like the fractions)
    num, den = base.numerator, base.denominator
    rate = Fraction(sampling.fps).limit_denominator(1_000_000) if sampling.mode == "fps" else None
    per, every = (num * rate.numerator, den * rate.denominator) if rate is not None else (0, 1)
    width, height = analysis_size(info.width, info.height, max_side)
    scale: dict[str, Any] = {"format": "rgb24", "threads": 1}
    if (width, height) != (info.width, info.height):
        scale.update(width=width, height=height, interpolation=INTERPOLATION)
    # one converter for the whole film: FFmpeg sets up its scaler once, not for every frame
    reformat = VideoReformatter().reformat
    if start is not None and start > 0:
        # the key frame at or before start; frames before start are decoded (they may be needed) but not taken
        container.seek(origin + int(Fraction(start) / base), stream=stream, backward=True, any_frame=False)
    last_bucket, last_time, taken = None, None, 0
    stopped: str | None = None
    # At F frames per second only the first frame of each interval is taken. A packet whose interval already
    # has a packet shown earlier holds a frame that will not be taken; if no other frame is decoded from it (a
    # non-reference frame, FFmpeg's AVDISCARD_NONREF), the decoder may skip it: about half the frames of a
    # film with B-frames are never decoded, and the frames taken are exactly the same.
    context = stream.codec_context
    firsts: dict[int, int] = {}   # interval -> the earliest packet time seen in it, for the last few intervals
    skipping = False
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
            if rate is not None:
                skip = _taken_elsewhere(packet.pts, origin, per, every, firsts)
                if skip != skipping:
                    context.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
            decoded = packet.decode()
        except StopIteration:
            break
        except _READ_ERRORS as exc:
            stopped = _first_line(exc)
            break
        for frame in decoded:
            pts = frame.pts if frame.pts is not None else frame.dts
            if pts is None:
                continue
            ticks = pts - origin
            seconds = ticks * num / den
            if start is not None and seconds < start:
                last_bucket = ticks * per // every if rate is not None else None
                continue
            if end is not None and seconds >= end:
                return
            last_time = seconds
            if rate is not None:
                bucket = ticks * per // every
                if last_bucket is not None and bucket <= last_bucket:
                    continue
                last_bucket = bucket
            try:
                image = reformat(frame, **scale).to_ndarray()
            except _READ_ERRORS as exc:
                stopped = _first_line(exc)
                break
            taken += 1
            yield Frame(seconds, _upright(image, info.rotation), bool(frame.key_frame))
        if stopped:
            break
    if taken == 0 and last_time is None and (start is None or start <= 0):
        why = f" ({stopped})" if stopped else ""
        raise KPaletteError(f"{p}: no frame could be decoded from the video{why}")
    _warn_if_short(p, info, sampling, last_time, stopped, end)


def _taken_elsewhere(pts: int | None, origin: int, per: int, every: int, firsts: dict[int, int]) -> bool:
    """Whether a packet at ``pts`` cannot hold the first frame of its interval: a packet shown earlier in the
    same interval has been seen. Updates ``firsts`` (interval -> earliest time seen), keeping the last few."""
    if pts is None:
        return False
    bucket = (pts - origin) * per // every
    first = firsts.get(bucket)
    if first is not None and pts > first:
        return True
    firsts[bucket] = pts
    if len(firsts) > 16:   # frames are reordered over a few intervals at most; forgetting one only decodes more
        del firsts[min(firsts)]
    return False


def _warn_if_short(p: Path, info: VideoInfo, sampling: Sampling, last_time: float | None, stopped: str | None,
                   end: float | None) -> None:
    """Warn when decoding failed part-way or stopped well short of the announced length."""
    expected = info.duration
    if last_time is None:
        return
    frame_time = 1.0 / info.fps if info.fps else 0.04
    # key frames can be seconds apart, so a film sampled by key frames only is judged by decoding errors alone
    short = (expected is not None and sampling.mode != "keyframes" and (end is None or end > last_time)
             and last_time < expected - max(1.0, 3 * frame_time))
    if not (stopped or short):
        return
    of = f" of {expected:.1f} s" if expected is not None else ""
    why = f" ({stopped})" if stopped else ""
    warnings.warn(TruncatedVideoWarning(
        f"{p}: the video stops at {last_time:.1f} s{of}, cut short or damaged{why}; the palettes cover what "
        "could be read", last_time, expected), stacklevel=3)
