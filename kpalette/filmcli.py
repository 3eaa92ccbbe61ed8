"""Films on the command line: the ``video`` kind of input of :mod:`kpalette.analyse`.

A film given to ``kpalette`` gives its palette in any ``--format``, like an image, and three files of its own
(:data:`PRODUCTS`): ``--barcode OUT.png`` (one column per sampled frame), ``--frames OUT.csv`` (one row per
sampled frame: ``time``, ``hex1..hexK``, ``share1..shareK``) and ``--scenes OUT.json`` (a palette per scene).
Which files are films is decided by :func:`is_video`: by extension (:data:`VIDEO_EXTENSIONS`), or, for a file
whose extension names no kind, by its first bytes (the signatures of MP4/MOV, Matroska/WebM, AVI, MPEG and
MPEG-TS).

With ``--dask ADDRESS`` (or ``--dask local``) the films' segments are sent to a Dask cluster as soon as the run
starts (:func:`start_cluster_work`), so all films are analysed at once, and each film's results are gathered
when its turn comes to be written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any

from .errors import KPaletteError

__all__ = ["VIDEO_EXTENSIONS", "PRODUCTS", "VideoOptions", "is_video", "analyse_video", "frames_csv",
           "scenes_json", "start_cluster_work", "stop_cluster_work"]

#: File extensions read as films (lower case).
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts",
                    ".wmv", ".flv", ".ogv", ".3gp", ".y4m")

#: The per-film files: kind to (option, file types, help).
PRODUCTS = {
    "barcode": ("--barcode", ("png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp"),
                "for a film, also save its movie barcode: one column per sampled frame"),
    "frames": ("--frames", ("csv",), "for a film, also save each sampled frame's time and palette as CSV"),
    "scenes": ("--scenes", ("json",), "for a film, also save its cuts and each scene's palette as JSON"),
}


@dataclass(frozen=True)
class VideoOptions:
    """The command line's film options (see ``kpalette --help``)."""

    fps: float = 1.0
    every_frame: bool = False
    keyframes: bool = False
    barcode_style: str = "palette"
    barcode_height: int = 200
    dask: str | None = None
    progress: bool = False


def _signature(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a video container."""
    return (head[4:8] == b"ftyp" and head[8:12] not in (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")
            or head.startswith(b"\x1a\x45\xdf\xa3")                      # Matroska, WebM
            or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")      # AVI
            or head.startswith(b"\x00\x00\x01\xba")                      # MPEG program stream
            or (len(head) > 188 and head[0] == 0x47 and head[188] == 0x47))   # MPEG transport stream


def is_video(path: str) -> bool:
    """True if ``path`` names a film: by its extension, or by its first bytes when the extension says nothing."""
    ext = os.path.splitext(path)[1].lower()
    if ext in VIDEO_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(192)
    except OSError:
        return False
    return _signature(head)


def frames_csv(film: Any, k: int) -> bytes:
    """``time`` (seconds), then ``hex1..hexK`` and ``share1..shareK`` for each sampled frame, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", *(f"hex{i}" for i in range(1, k + 1)), *(f"share{i}" for i in range(1, k + 1))])
    from .color import to_hex
    from .film import frame_colours

    # the palettes are in share order already; frame_colours converts them all at once
    for frame, (rgb, shares_) in zip(film.frames, frame_colours(film.frames)):
        hexes = to_hex(rgb)
        shares = [f"{p:.6f}" for p in shares_]
        pad = k - len(hexes)
        writer.writerow([f"{frame.time:.3f}", *hexes, *([""] * pad), *shares, *([""] * pad)])
    return out.getvalue().encode("utf-8")


def scenes_json(film: Any) -> bytes:
    """``[{"start": s, "end": s, "colors": [{"hex", "proportion"}, ...]}, ...]``, one scene per line."""
    lines = [json.dumps(scene.to_dict(), separators=(", ", ": ")) for scene in film.scenes]
    return ("[\n  " + ",\n  ".join(lines) + "\n]\n" if lines else "[]\n").encode("utf-8")


# --------------------------------------------------------------------------------------- Dask, run-wide
_CLUSTER: dict[str, Any] = {}


def start_cluster_work(sources: list[Any], options: Any) -> None:
    """Send every film's segments to the Dask cluster now, so that all films are worked on at once."""
    video = options.video
    if video is None or video.dask is None:
        return
    from .distribute import _context, segments
    from .film import analyse_segment
    from .scenes import GAP
    from .video import Sampling, probe

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise KPaletteError("--dask needs dask and distributed: pip install 'kpalette[dask]'") from None
    if video.dask == "local":
        import logging

        logging.getLogger("distributed").setLevel(logging.ERROR)
        cluster = LocalCluster(n_workers=min(4, os.cpu_count() or 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        _CLUSTER["cluster"] = cluster
    else:
        try:
            client = Client(video.dask, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise KPaletteError(f"cannot reach the Dask scheduler at {video.dask} ({exc})") from None
    _CLUSTER["client"] = client
    sampling = Sampling.of(video.fps, every_frame=video.every_frame, keyframes=video.keyframes)
    for source in sources:
        if getattr(source, "kind", None) != "video":
            continue
        try:
            info = probe(source.location)
        except KPaletteError:
            continue   # reported when its turn comes
        context = _context(info, sampling, GAP)
        futures = [client.submit(analyse_segment, source.location, options.k, sampling=sampling,
                                 space=options.space, seed=options.seed, start=a, end=b, context=context,
                                 frames="frames" in options.products or "barcode" in options.products,
                                 scenes="scenes" in options.products, pure=False)
                   for a, b in segments(info, sampling)]
        _CLUSTER[source.location] = (info, sampling, futures)


def stop_cluster_work() -> None:
    """Close the client and the local cluster, if any."""
    client = _CLUSTER.pop("client", None)
    cluster = _CLUSTER.pop("cluster", None)
    _CLUSTER.clear()
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


class _Progress:
    """``film.mp4  12.0 s of 180.0 s  45 frames/s`` on standard error, redrawn in place."""

    def __init__(self, label: str, length: float | None) -> None:
        self.label, self.length, self.start, self.last = label, length, time.perf_counter(), 0.0

    def __call__(self, t: float, n: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        of = f" of {self.length:.1f} s" if self.length else ""
        rate = n / max(now - self.start, 1e-9)
        sys.stderr.write(f"\r\x1b[Kkpalette {self.label}  {t:.1f} s{of}  {rate:.0f} frames/s")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def analyse_video(source: Any, options: Any) -> Any:
    """The palette of one film (in ``options.fmt``), and its barcode, frames and scenes if asked for."""
    from .analyse import Result, encode_image, palette_bytes
    from .barcode import barcode
    from .film import analyse_film, assemble
    from .video import TruncatedVideoWarning

    if not isinstance(source.location, str) or source.location.startswith(("http://", "https://")):
        raise KPaletteError("a film must be a file on this computer (not standard input or an address)")
    if options.apply is not None:
        raise KPaletteError("--apply does not apply to a film")
    video = options.video
    want_frames = "frames" in options.products or "barcode" in options.products
    want_scenes = "scenes" in options.products
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncatedVideoWarning)
        if source.location in _CLUSTER:
            info, sampling, futures = _CLUSTER.pop(source.location)
            film = assemble(info, sampling, [f.result() for f in futures], options.k, space=options.space,
                            seed=options.seed)
        else:
            from .video import probe

            progress = _Progress(source.label, probe(source.location).duration) if video.progress else None
            try:
                film = analyse_film(source.location, options.k, fps=video.fps, every_frame=video.every_frame,
                                    keyframes=video.keyframes, space=options.space, seed=options.seed,
                                    frames=want_frames, scenes=want_scenes, progress=progress)
            finally:
                if progress is not None:
                    progress.done()
    for w in caught:
        if issubclass(w.category, TruncatedVideoWarning):
            notes.append(str(w.message))
    palette = film.palette if options.sort is None else film.palette.sort(options.sort)
    text = palette_bytes(palette, source.label, options, {"k": options.k, "method": "fast", "seed": options.seed})
    files: dict[str, bytes] = {}
    for kind, file_type in options.products.items():
        if kind == "barcode":
            files[kind] = encode_image(barcode(film.frames, height=video.barcode_height,
                                               style=video.barcode_style), file_type)
        elif kind == "frames":
            files[kind] = frames_csv(film, options.k)
        elif kind == "scenes":
            files[kind] = scenes_json(film)
        else:
            from .analyse import PRODUCTS as ALL

            raise KPaletteError(f"{ALL[kind].option} does not apply to a film")
    return Result(source.label, text, files, tuple(dict.fromkeys(notes)))
