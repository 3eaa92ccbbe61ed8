"""The film targets, as ratios measured in the same run: speed against decoding alone, palette quality, memory,
and cut detection against PySceneDetect.

Run it with ``make bench-film`` (it makes the test film first with ``benchmarks/film_make.py`` if it is
missing). Every timed run is a whole process, timed from the outside: wall time from its start to its exit,
CPU time (user and system, every thread) and peak memory from the operating system (``wait4``), so Python's
start-up and imports count. The runs alternate with decode-only runs, so that a change in the machine's load
hits both, and the best of the repeats is kept.

What is timed
    decode     a Python process that opens the film with PyAV and decodes every frame (frame threads on, as the
               film pass decodes), converting none: the reference
    fps1       ``kpalette FILM --fps 1`` with every film output: ``--format json -o``, ``--frames`` (each
               sampled frame's palette), ``--scenes`` (cuts and each scene's palette) and ``--barcode``
    palette    ``kpalette FILM`` as it stands: one frame per second, the film's palette only
    every      ``kpalette FILM --every-frame`` with every film output
    scenedetect  PySceneDetect's ``ContentDetector`` (default settings) on the same film, in its own pass

Targets (see issue 14)
    fps1       at most 1.2 x the decode-only time
    every      at most 2 x the decode-only time
    frame_dE   each frame's palette within 2 % (mean Delta E 76 of the full-resolution frame painted in it) of
               ``kpalette.extract_palette`` on that frame at full resolution, on average over the frames; both
               palettes as the user gets them (``#rrggbb``, from the ``--frames`` CSV of the timed run)
    film_dE    the film palette (``fps1``'s JSON) within 1 % (mean Delta E 76 over every pixel of the sampled frames
               at full resolution) of k-means on those pixels: scikit-learn's ``KMeans`` on the frames' exact
               distinct colours in Lab, weighted by their pixel counts (the same objective, chapter 13)
    memory     peak memory at most 400 MB, for the film and for one twice as long

Cuts: precision and recall of our detector (the scenes of the timed runs, no extra pass) and of PySceneDetect,
on the film's known transitions; a cut found within a transition (a fade's span, widened by half a second)
counts as right.

Outputs in ``benchmarks/results/``: ``film_speed.csv`` (one row per measurement), ``film_cuts.csv``,
``film_sizes.csv`` (frame palettes at several analysis sizes and ways of scaling), ``film_barcode.png`` (the
``fps1`` run's barcode) and ``film_machine.txt``. The timed runs write their files in ``benchmarks/out/``.

Options: ``--quick`` (a 60-second film made for it, fewer frames for quality), ``--repeats N``,
``--only fps1,every,...`` (which timed kinds to run), ``--skip speed,memory,frames,film,sizes,cuts``. From make:
``make bench-film FILM_ARGS="--quick --skip sizes"``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
OUT = HERE / "out"
K = 8
TOLERANCE = 0.5   # seconds around a transition within which a found cut counts
KINDS = ("decode", "fps1", "decode", "every", "decode", "palette", "decode", "scenedetect")

# The reference: PyAV decoding every frame of the film, as the film pass decodes it (frame threads), no more.
DECODE = """
import sys, av
with av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    frames = sum(1 for _ in container.decode(stream))
print(frames)
"""

SCENEDETECT = """
import json, sys
from scenedetect import ContentDetector, detect
scenes = detect(sys.argv[1], ContentDetector(), backend="pyav")
json.dump([s[0].get_seconds() for s in scenes[1:]], open(sys.argv[2], "w"))
"""


def command(kind: str, film: Path) -> list[str]:
    """The command line of one timed kind of run."""
    py = [sys.executable]
    stem = OUT / f"{kind}-{film.stem}"
    if kind == "decode":
        return py + ["-c", DECODE, str(film)]
    if kind == "scenedetect":
        return py + ["-c", SCENEDETECT, str(film), str(stem) + ".cuts.json"]
    cli = py + ["-m", "kpalette", str(film), "-k", str(K), "--format", "json", "-o", str(stem) + ".json"]
    if kind == "palette":
        return cli
    sampling = ["--every-frame"] if kind == "every" else ["--fps", "1"]
    return cli + sampling + ["--frames", str(stem) + ".csv", "--scenes", str(stem) + ".scenes.json",
                             "--barcode", str(stem) + ".png"]


def measure(kind: str, film: Path) -> dict[str, float]:
    """Run one timed process; its wall time, CPU time (user + system, all threads) and peak memory."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    log = OUT / f"{kind}-{film.stem}.stderr.txt"
    with open(log, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command(kind, film), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} on {film.name} failed ({proc.returncode}): {log.read_text().strip()}")
    return {"seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


# ------------------------------------------------------------------------------------------ what the runs wrote
def read_frames_csv(path: Path) -> list[tuple[float, list[str], list[float]]]:
    rows = []
    with open(path) as f:
        for row in csv.DictReader(f):
            hexes = [row[f"hex{i}"] for i in range(1, K + 1) if row[f"hex{i}"]]
            shares = [float(row[f"share{i}"]) for i in range(1, len(hexes) + 1)]
            rows.append((float(row["time"]), hexes, shares))
    return rows


def scene_cuts(path: Path) -> list[float]:
    scenes = json.loads(path.read_text())
    return [s["start"] for s in scenes[1:]]


# ------------------------------------------------------------------------------------------ quality
def frame_quality(film: Path, n: int) -> list[dict[str, float]]:
    """The every-frame run's frame palettes (its CSV) against extract_palette at full resolution, on n frames."""
    import kpalette
    from kpalette.video import read_frames

    rows = read_frames_csv(OUT / f"every-{film.stem}.csv")
    picks = set(np.linspace(0, len(rows) - 1, n).round().astype(int).tolist())
    ours = {round(rows[i][0], 3): kpalette.Palette.from_hex(rows[i][1], rows[i][2]) for i in picks}
    out = []
    for frame in read_frames(film, every_frame=True, max_side=None):
        key = round(frame.time, 3)
        if key not in ours:
            continue
        image = frame.image
        ref = kpalette.extract_palette(image, K)
        ref = kpalette.Palette.from_hex(ref.hex, ref.proportions)   # as the user gets it, like ours
        e_ref = kpalette.delta_e(image, kpalette.quantize(image, ref), formula="76")
        e_ours = kpalette.delta_e(image, kpalette.quantize(image, ours[key]), formula="76")
        out.append({"time": frame.time, "ref_dE76": e_ref, "ours_dE76": e_ours})
    return out


def film_quality(film: Path, ref_starts: int) -> dict[str, Any]:
    """The film palette (the fps1 run's JSON) against k-means on every pixel of the sampled frames."""
    import warnings

    from sklearn.cluster import KMeans

    import kpalette
    from kpalette.fast import nearest
    from kpalette.video import read_frames

    colours_json = json.loads((OUT / f"fps1-{film.stem}.json").read_text())["colors"]
    ours = np.array([c["lab"] for c in colours_json], dtype=np.float64)
    exact = np.zeros(1 << 24, dtype=np.int64)   # every 24-bit colour of the full-size sampled frames
    n_frames = 0
    for frame in read_frames(film, fps=1.0, max_side=None):
        px = frame.image.reshape(-1, 3).astype(np.uint32)
        exact += np.bincount((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2], minlength=1 << 24)
        n_frames += 1
    colours = np.flatnonzero(exact)
    weights = exact[colours].astype(np.float64)
    del exact
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1).astype(np.uint8)
    lab = kpalette.rgb_to_lab(rgb)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KMeans(n_clusters=K, n_init=ref_starts, random_state=42).fit(lab, sample_weight=weights)
    kmeans_s = time.perf_counter() - start

    def mean_de(centers: np.ndarray) -> float:
        _, d2 = nearest(lab, np.asarray(centers, dtype=np.float64))
        return float((np.sqrt(d2) * weights).sum() / weights.sum())

    return {"frames": n_frames, "pixels": float(weights.sum()), "distinct_colours": float(len(colours)),
            "film_dE76": mean_de(ours), "kmeans_dE76": mean_de(model.cluster_centers_),
            "kmeans_seconds": kmeans_s, "film_hex": " ".join(c["hex"] for c in colours_json),
            "kmeans_hex": " ".join(kpalette.Palette(model.cluster_centers_, np.bincount(model.labels_, weights),
                                                    "lab").sort("share").hex)}


def size_sweep(film: Path, n: int) -> list[dict[str, Any]]:
    """Frame palettes (from scratch) from frames scaled down in FFmpeg to several sizes, by point sampling and by
    area averaging, against extract_palette at full size: quality, and the CPU cost of converting and of the
    palette."""
    import av
    from av.video.reformatter import VideoReformatter

    import kpalette
    from kpalette.film import frame_palette
    from kpalette.video import analysis_size

    sizes = (160, 240, 320, 480)
    ways = ("POINT", "AREA")
    full: list[np.ndarray] = []
    small: dict[tuple[int, str], list[np.ndarray]] = {(s, w): [] for s in sizes for w in ways}
    convert = {key: 0.0 for key in small}
    with av.open(str(film)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        total = stream.frames or 4320
        picks = set(np.linspace(0, total - 1, n).round().astype(int).tolist())
        scaler = VideoReformatter()
        for i, frame in enumerate(container.decode(stream)):
            if i not in picks:
                continue
            full.append(frame.to_ndarray(format="rgb24"))
            for side, way in small:
                w, h = analysis_size(frame.width, frame.height, side)
                start = time.process_time()
                image = scaler.reformat(frame, format="rgb24", width=w, height=h, interpolation=way,
                                        threads=1).to_ndarray()
                convert[side, way] += time.process_time() - start
                small[side, way].append(image)
    refs = [kpalette.delta_e(im, kpalette.quantize(im, kpalette.extract_palette(im, K)), formula="76") for im in full]
    rows = []
    for (side, way), images in small.items():
        start = time.process_time()
        palettes = [frame_palette(im, K) for im in images]
        cluster = time.process_time() - start
        rel = [kpalette.delta_e(im, kpalette.quantize(im, p), formula="76") / r - 1
               for im, p, r in zip(full, palettes, refs)]
        rows.append({"max_side": side, "scaling": way.lower(), "frames": len(full),
                     "mean_rel_dE76": float(np.mean(rel)), "worst_rel_dE76": float(np.max(rel)),
                     "convert_cpu_ms": 1000 * convert[side, way] / len(full),
                     "palette_cpu_ms": 1000 * cluster / len(full)})
        print(f"  side {side:4d} {way.lower():5s}: palettes {100 * np.mean(rel):+.2f} % (worst {100 * np.max(rel):+.2f} %)"
              f" from extract_palette at full size; {rows[-1]['convert_cpu_ms']:.2f} ms to convert, "
              f"{rows[-1]['palette_cpu_ms']:.1f} ms for the palette", flush=True)
    return rows


# ------------------------------------------------------------------------------------------ cuts
def score_cuts(found: list[float], truth: list[dict[str, float]]) -> dict[str, float]:
    """Precision and recall: each transition matches at most one found cut within its span +- TOLERANCE."""
    used = set()
    hits = 0
    for t in truth:
        for i, c in enumerate(found):
            if i not in used and t["start"] - TOLERANCE <= c <= t["end"] + TOLERANCE:
                used.add(i)
                hits += 1
                break
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    return {"found": len(found), "true": len(truth), "hits": hits, "precision": precision, "recall": recall}


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 60-second film, fewer frames for quality")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated timed kinds: fps1,every,palette,scenedetect")
    parser.add_argument("--skip", default="", help="comma-separated: speed,memory,frames,film,sizes,cuts")
    args = parser.parse_args()
    name = "quick" if args.quick else "film"
    film, long = OUT / f"{name}.mp4", OUT / f"{name}-x2.mp4"
    if not film.exists() or not long.exists():
        extra = ["--seconds", "60", "--name", name] if args.quick else []
        subprocess.run([sys.executable, str(HERE / "film_make.py"), *extra], check=True)
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(","))) | {"decode"}
    kinds = [k for k in KINDS if len(only) == 1 or k in only]
    truth = json.loads(film.with_suffix(".json").read_text())
    transitions = truth["transitions"]
    RESULTS.mkdir(exist_ok=True)
    OUT.mkdir(exist_ok=True)
    rows: list[dict[str, object]] = []

    def add(measure_name: str, **values: object) -> None:
        rows.append({"measure": measure_name, **values})

    best: dict[str, dict[str, float]] = {}
    if "speed" not in skip:
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
        for r in range(args.repeats):
            for kind in kinds:
                result = measure(kind, film)
                runs[kind].append(result)
                print(f"  {kind:12s} run {r + 1}: {result['seconds']:7.1f} s wall, {result['cpu_seconds']:7.1f} s CPU, "
                      f"{result['peak_mb']:5.0f} MB", flush=True)
        best = {k: {"seconds": min(x["seconds"] for x in v), "cpu_seconds": min(x["cpu_seconds"] for x in v),
                    "peak_mb": max(x["peak_mb"] for x in v)} for k, v in runs.items()}
        decode = best["decode"]
        for kind in runs:
            if kind == "decode":
                continue
            b = best[kind]
            add(f"time_{kind}", seconds=b["seconds"], cpu_seconds=b["cpu_seconds"], decode_seconds=decode["seconds"],
                decode_cpu_seconds=decode["cpu_seconds"], ratio=b["seconds"] / decode["seconds"],
                cpu_ratio=b["cpu_seconds"] / decode["cpu_seconds"], peak_mb=b["peak_mb"])
            print(f"{kind}: {b['seconds'] / decode['seconds']:.2f} x decode time in wall time, "
                  f"{b['cpu_seconds'] / decode['cpu_seconds']:.2f} x in CPU time", flush=True)
        add("time_decode", seconds=decode["seconds"], cpu_seconds=decode["cpu_seconds"], peak_mb=decode["peak_mb"],
            frames=round(truth["seconds"] * truth["fps"]))

    if "memory" not in skip:
        for kind in ("fps1", "every"):
            if kind not in best:
                continue
            twice = measure(kind, long)
            add(f"memory_{kind}", peak_mb=best[kind]["peak_mb"], peak_mb_twice_as_long=twice["peak_mb"])
            print(f"memory {kind}: {best[kind]['peak_mb']:.0f} MB, twice as long {twice['peak_mb']:.0f} MB", flush=True)

    if "frames" not in skip and (OUT / f"every-{film.stem}.csv").exists():
        frame_rows = frame_quality(film, 24 if args.quick else 60)
        rel = [r["ours_dE76"] / r["ref_dE76"] - 1 for r in frame_rows]
        add("frame_dE76", frames=len(frame_rows), mean_rel=float(np.mean(rel)), worst_rel=float(np.max(rel)),
            ref_dE76=float(np.mean([r["ref_dE76"] for r in frame_rows])),
            ours_dE76=float(np.mean([r["ours_dE76"] for r in frame_rows])))
        print(f"frame palettes: {100 * np.mean(rel):+.2f} % mean Delta E 76 against extract_palette "
              f"(worst {100 * np.max(rel):+.2f} %) on {len(frame_rows)} frames", flush=True)

    if "film" not in skip and (OUT / f"fps1-{film.stem}.json").exists():
        q = film_quality(film, ref_starts=3 if args.quick else 4)
        add("film_dE76", frames=q["frames"], pixels=q["pixels"], distinct_colours=q["distinct_colours"],
            ours_dE76=q["film_dE76"], ref_dE76=q["kmeans_dE76"], mean_rel=q["film_dE76"] / q["kmeans_dE76"] - 1,
            ref_seconds=q["kmeans_seconds"], ours_hex=q["film_hex"], ref_hex=q["kmeans_hex"])
        print(f"film palette: {100 * (q['film_dE76'] / q['kmeans_dE76'] - 1):+.2f} % mean Delta E 76 against k-means "
              f"on {q['pixels']:,.0f} pixels ({q['distinct_colours']:,.0f} colours)", flush=True)

    if "sizes" not in skip:
        sizes = size_sweep(film, 12 if args.quick else 30)
        with open(RESULTS / "film_sizes.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(sizes[0]))
            w.writeheader()
            w.writerows(sizes)

    if "cuts" not in skip and {"fps1", "every", "scenedetect"} <= set(best):
        sd = next(r for r in rows if r["measure"] == "time_scenedetect")
        found = {"fps1": scene_cuts(OUT / f"fps1-{film.stem}.scenes.json"),
                 "every": scene_cuts(OUT / f"every-{film.stem}.scenes.json"),
                 "scenedetect": json.loads((OUT / f"scenedetect-{film.stem}.cuts.json").read_text())}
        cut_rows = [
            {"method": "kpalette, 1 frame per second", **score_cuts(found["fps1"], transitions),
             "extra_pass_x_decode": 0.0},
            {"method": "kpalette, every frame", **score_cuts(found["every"], transitions), "extra_pass_x_decode": 0.0},
            {"method": "PySceneDetect ContentDetector", **score_cuts(found["scenedetect"], transitions),
             "extra_pass_x_decode": sd["ratio"]}]
        for row in cut_rows:
            print(f"cuts, {row['method']}: precision {row['precision']:.2f}, recall {row['recall']:.2f} "
                  f"({row['hits']} of {row['true']} transitions, {row['found']} cuts found)", flush=True)
        with open(RESULTS / "film_cuts.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(cut_rows[0]))
            w.writeheader()
            w.writerows(cut_rows)

    if "fps1" in best and not args.quick:
        (RESULTS / "film_barcode.png").write_bytes((OUT / f"fps1-{film.stem}.png").read_bytes())

    if rows:
        fields: list[str] = []
        for row in rows:
            fields += [k for k in row if k not in fields]
        target = RESULTS / ("film_speed_quick.csv" if args.quick else "film_speed.csv")
        with open(target, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    load = os.getloadavg()
    (RESULTS / ("film_machine_quick.txt" if args.quick else "film_machine.txt")).write_text(
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores; load average at end "
        f"{load[0]:.1f} (1 min), {load[2]:.1f} (15 min)\nfilm: {film.name}, {truth['seconds']:.0f} s, "
        f"{truth['size'][0]} x {truth['size'][1]}, {truth['fps']} fps, H.264\n"
        "timing: whole processes (start-up and imports included), wall time and CPU time (user + system, all "
        "threads); decode-only runs alternate with the measured ones and the best of the repeats is kept.\n"
        "note: the machine was shared with other jobs; on a loaded machine wall times wait for the CPU, so the CPU "
        "ratios are the steadier measure.\n")
    print(f"wrote {RESULTS}/film_*")


if __name__ == "__main__":
    main()
