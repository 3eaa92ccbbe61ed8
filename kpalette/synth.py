"""Make test films from still pictures: slow pans, hard cuts and cross-fades at known times.

The book's clip is one shot with no cut, so everything about scenes is tested on films made here, whose
transitions are known exactly. Each shot shows one still, enlarged to cover the frame and panned slowly
across it; shots are joined by a hard cut or a cross-fade. :func:`make_film` encodes the result with PyAV
(H.264 in an MP4 by default) and returns the transitions it made::

    >>> shots = [Shot(coffee, 4.0), Shot(rocket, 3.0, fade_in=1.0), Shot(astronaut, 3.0)]  # doctest: +SKIP
    >>> cuts = make_film("test.mp4", shots, size=(640, 360), fps=24)                      # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError

__all__ = ["Shot", "Transition", "make_film", "render", "stills", "STILLS"]

#: The stills :func:`stills` can give, all shipped with the book or its packages (see ``pics/CREDITS.md``).
STILLS = ("bunny", "rocket", "coffee", "astronaut", "chelsea", "hubble", "immunohistochemistry", "china",
          "flower")


def stills(names: Sequence[str] = STILLS) -> dict[str, NDArray[np.uint8]]:
    """Photos to make films from: the book's pictures and the samples of scikit-image and scikit-learn.

    Nothing is downloaded: ``bunny`` is frame 66 of the book's clip (``pics/bunny.png``), the others come with
    scikit-image (``rocket``, ``coffee``, ``astronaut``, ``chelsea``, ``hubble``, ``immunohistochemistry``) and
    scikit-learn (``china``, ``flower``).
    """
    out = {}
    for name in names:
        if name == "bunny":
            from .io import load_image
            out[name] = load_image(Path(__file__).resolve().parents[1] / "pics" / "bunny.png")
        elif name in ("china", "flower"):
            from sklearn.datasets import load_sample_image
            out[name] = load_sample_image(f"{name}.jpg")
        elif name in STILLS:
            import skimage.data
            source = {"hubble": "hubble_deep_field"}.get(name, name)
            out[name] = getattr(skimage.data, source)()[..., :3]
        else:
            raise KPaletteError(f"no still called {name!r}; choose from {', '.join(STILLS)}")
    return out


@dataclass(frozen=True)
class Shot:
    """One shot of a test film: a still, panned slowly across for ``seconds``.

    Parameters
    ----------
    still : numpy.ndarray of shape (h, w, 3), dtype uint8
    seconds : float
        How long the shot lasts, from the transition before it to the transition after it.
    fade_in : float, default 0.0
        Length in seconds of the cross-fade from the previous shot (0: a hard cut). The fade is centred on the
        shot's start: half of it before, half after.
    pan : tuple of float, default (1.0, 0.3)
        Direction of the pan, as fractions of the free margin crossed during the shot (x, y), from -1 to 1.
    zoom : float, default 1.15
        How much larger than the frame the still is enlarged, so there is room to pan.
    """

    still: NDArray[np.uint8]
    seconds: float
    fade_in: float = 0.0
    pan: tuple[float, float] = (1.0, 0.3)
    zoom: float = 1.15


@dataclass(frozen=True)
class Transition:
    """A known transition of a made film: a cut (``start == end``) or a cross-fade from ``start`` to ``end``.

    ``time`` is its middle, where the scene changes (for a cut, the time of the first frame of the new shot).
    """

    kind: str
    start: float
    end: float

    @property
    def time(self) -> float:
        return (self.start + self.end) / 2


class _Pan:
    """A still enlarged once to cover the frame with margin, and the window that slides across it."""

    def __init__(self, shot: Shot, size: tuple[int, int]) -> None:
        from PIL import Image

        w, h = size
        sh, sw = shot.still.shape[:2]
        scale = max(w / sw, h / sh) * shot.zoom
        big = (max(w, int(round(sw * scale))), max(h, int(round(sh * scale))))
        self.image = np.asarray(Image.fromarray(shot.still).resize(big, Image.Resampling.LANCZOS))
        self.margin = (big[0] - w, big[1] - h)
        self.size = size
        self.pan = shot.pan

    def at(self, fraction: float) -> NDArray[np.uint8]:
        """The frame when ``fraction`` (0 to 1) of the shot has passed: a window moving in a straight line."""
        w, h = self.size
        xs = [m / 2 + d * m * (fraction - 0.5) for d, m in zip(self.pan, self.margin)]
        x = int(round(min(max(xs[0], 0), self.margin[0])))
        y = int(round(min(max(xs[1], 0), self.margin[1])))
        return self.image[y:y + h, x:x + w]


def render(shots: Sequence[Shot], *, size: tuple[int, int] = (640, 360), fps: float = 24.0
           ) -> tuple[Iterator[NDArray[np.uint8]], list[Transition], int]:
    """The frames of a film made of ``shots``, the transitions between them, and the number of frames.

    Returns
    -------
    frames : iterator of numpy.ndarray of shape (height, width, 3), dtype uint8
        Made one at a time, so a long film does not fill the memory.
    transitions : list of Transition
    n_frames : int
    """
    if not shots:
        raise KPaletteError("a film needs at least one shot")
    bounds = np.concatenate([[0.0], np.cumsum([s.seconds for s in shots])])
    transitions = []
    for i, shot in enumerate(shots[1:], 1):
        half = shot.fade_in / 2
        if half > min(shots[i - 1].seconds, shot.seconds) / 2:
            raise KPaletteError(f"the fade into shot {i + 1} is longer than the shots around it")
        # a cut's time is that of the first frame of the new shot
        t = np.ceil(bounds[i] * fps - 1e-9) / fps
        transitions.append(Transition("fade" if half else "cut", float(t - half), float(t + half)))
    n = int(round(bounds[-1] * fps))
    pans = [_Pan(s, size) for s in shots]

    def frames() -> Iterator[NDArray[np.uint8]]:
        for j in range(n):
            t = j / fps
            i = int(np.searchsorted(bounds, t, side="right") - 1)
            i = min(i, len(shots) - 1)
            image = pans[i].at((t - bounds[i]) / shots[i].seconds)
            # inside a cross-fade, blend the neighbouring shot in
            for other, tr in ((i - 1, transitions[i - 1] if i > 0 else None),
                              (i + 1, transitions[i] if i < len(shots) - 1 else None)):
                if tr is None or tr.kind != "fade" or not tr.start <= t < tr.end:
                    continue
                a = (t - tr.start) / (tr.end - tr.start)    # share of the later shot
                b = pans[other].at((t - bounds[other]) / shots[other].seconds)
                later, earlier = (image, b) if other < i else (b, image)
                mixed = earlier.astype(np.float32) * (1 - a) + later.astype(np.float32) * a
                image = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
            yield np.ascontiguousarray(image)

    return frames(), transitions, n


def make_film(path: str | os.PathLike[str], shots: Sequence[Shot], *, size: tuple[int, int] = (640, 360),
              fps: int = 24, codec: str = "libx264", crf: int = 23, preset: str = "veryfast",
              gop: int | None = None) -> list[Transition]:
    """Encode a film made of ``shots`` into ``path`` and return its transitions.

    Parameters
    ----------
    path : str or os.PathLike
        The container comes from the extension (``.mp4``, ``.mkv``, ``.webm``, ...). An MP4 is written with
        its index at the start ("fast start"), so that a copy cut short can still be read up to the cut.
    shots : sequence of Shot
    size : (width, height), default (640, 360)
        Both even.
    fps : int, default 24
    codec : str, default "libx264"
        Any encoder of PyAV's FFmpeg (``"libx264"``, ``"libvpx-vp9"``, ``"mpeg4"``, ...).
    crf, preset : int, str
        The x264 quality (lower is better) and speed setting.
    gop : int, optional
        At most this many frames between key frames (default: two seconds).

    Returns
    -------
    list of Transition
    """
    import av

    w, h = size
    if w % 2 or h % 2 or w < 2 or h < 2:
        raise KPaletteError(f"the film's width and height must be even, got {w} x {h}")
    frames, transitions, _ = render(shots, size=size, fps=fps)
    options = {"movflags": "+faststart"} if str(path).lower().endswith((".mp4", ".mov")) else {}
    with av.open(str(path), mode="w", options=options) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.gop_size = gop or 2 * fps
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": preset}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return transitions
