"""Make the film benchmark's test film: 1920 x 1080, 24 frames per second, H.264, with known cuts and fades.

The film is made by :mod:`kpalette.synth` from the stills the book ships or its packages install (the book's
Big Buck Bunny frame, scikit-image's and scikit-learn's sample photos): each shot pans slowly across one
still, shots are joined by hard cuts or one-second cross-fades, and the transitions are written next to the
film as JSON. A second film, twice as long, repeats the first (its packets copied with shifted times, no
re-encoding) for the memory check. Nothing is committed: both go to ``benchmarks/out/`` (ignored by git)::

    python benchmarks/film_make.py                 # about three minutes of film; --seconds 60 for a shorter one
    python benchmarks/film_make.py --size 640x360  # a small film for a quick run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

from kpalette.synth import STILLS, Shot, make_film, stills  # noqa: E402

FPS = 24
FADE = 1.0


def plan(seconds: float, seed: int = 14) -> list[tuple[str, float, float, tuple[float, float]]]:
    """Shots as (still, seconds, fade_in, pan): lengths from 4 to 14 s, every other transition a fade."""
    rng = np.random.default_rng(seed)
    shots: list[tuple[str, float, float, tuple[float, float]]] = []
    total, previous = 0.0, ""
    while total < seconds - 4:
        name = str(rng.choice([s for s in STILLS if s != previous]))
        length = float(min(rng.integers(4, 15), seconds - total))
        if seconds - total - length < 4:   # no stub of a shot at the end
            length = seconds - total
        fade = FADE if shots and len(shots) % 2 == 0 else 0.0
        pan = (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))
        shots.append((name, length, fade, pan))
        total += length
        previous = name
    return shots


def make(path: Path, seconds: float, size: tuple[int, int]) -> list[dict[str, float | str]]:
    pictures = stills()
    shots = [Shot(pictures[name], length, fade_in=fade, pan=pan) for name, length, fade, pan in plan(seconds)]
    transitions = make_film(path, shots, size=size, fps=FPS, crf=20, preset="veryfast")
    truth = [{"kind": t.kind, "start": t.start, "end": t.end, "time": t.time} for t in transitions]
    path.with_suffix(".json").write_text(json.dumps({"fps": FPS, "size": list(size), "seconds": seconds,
                                                     "transitions": truth}, indent=1) + "\n")
    return truth


def repeat(source: Path, dest: Path, times: int = 2) -> None:
    """Copy the packets of ``source`` ``times`` times in a row into ``dest``, shifting their times."""
    import av

    with av.open(str(source)) as src, av.open(str(dest), "w", options={"movflags": "+faststart"}) as out:
        ins = src.streams.video[0]
        outs = out.add_stream_from_template(ins)
        length = None
        for i in range(times):
            src.seek(0)
            last = 0
            for packet in src.demux(ins):
                if packet.dts is None:
                    continue
                if length is not None:
                    packet.pts += i * length
                    packet.dts += i * length
                last = max(last, packet.pts + (packet.duration or 0))
                packet.stream = outs
                out.mux(packet)
            if length is None:
                length = last
    truth = json.loads(source.with_suffix(".json").read_text())
    truth["seconds"] *= times
    dest.with_suffix(".json").write_text(json.dumps(truth, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--name", default="film")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{args.name}.mp4"
    start = time.perf_counter()
    truth = make(path, args.seconds, size)  # type: ignore[arg-type]
    print(f"{path}: {args.seconds:.0f} s, {size[0]} x {size[1]}, {len(truth)} transitions, "
          f"{path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - start:.0f} s")
    double = OUT / f"{args.name}-x2.mp4"
    repeat(path, double)
    print(f"{double}: twice as long, {double.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
