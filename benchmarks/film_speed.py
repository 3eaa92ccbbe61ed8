"""The film targets, as ratios measured in the same run: speed against decoding alone, palette quality, memory,
and cut detection against PySceneDetect.

Run it with ``make bench-film`` (it makes the test film first with ``benchmarks/film_make.py`` if it is
missing). Every timed run is a fresh process, so its peak memory (``ru_maxrss``) is its own, and the runs
alternate with decode-only runs so that a change in the machine's load hits both.

Targets (see issue 14)
    fps1       ``analyse_film(fps=1)`` (frame palettes, cuts, scene and film palettes) at most 1.2 x the time
               PyAV takes to decode the same film (frame threads on, no conversion)
    every      ``analyse_film(every_frame=True)`` at most 2 x that decode time
    frame_dE   each frame's palette within 2 % (mean Delta E 76 of the frame painted in it, full resolution) of
               ``kpalette.extract_palette`` on that frame at full resolution, on average over the frames
    film_dE    the film palette within 1 % (mean Delta E 76 over every pixel of the sampled frames at full
               resolution) of k-means on those pixels: scikit-learn's ``KMeans`` on the frames' exact distinct
               colours in Lab, weighted by their pixel counts (the same objective as on the pixels, chapter 13)
    memory     peak memory at most 400 MB, for the film and for one twice as long

Cuts: precision and recall of our detector (one pass, the same pass as the palettes) and of PySceneDetect's
``ContentDetector`` (default settings, its own pass over the film with its PyAV backend), on the film's known
transitions; a cut found within a transition (a fade's span, widened by half a second) counts as right.

Outputs in ``benchmarks/results/``: ``film_speed.csv`` (one row per measurement), ``film_cuts.csv``,
``film_sizes.csv`` (frame palettes at several analysis sizes), ``film_barcode.png`` and ``film_machine.txt``.
The timed runs save their results in ``benchmarks/out/`` and the quality measures and the cut scores use them,
so that no pass is made twice. Options: ``--quick`` (the first 60 s of film, fewer frames for quality),
``--repeats N``, ``--skip memory,frames,film,sizes,barcode`` (the timed runs always happen).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
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
FILM = OUT / "film.mp4"
LONG = OUT / "film-x2.mp4"
K = 8
TOLERANCE = 0.5   # seconds around a transition within which a found cut counts


# ------------------------------------------------------------------------------------------ timed workers
def work(kind: str, path: str, end: float | None) -> dict[str, Any]:
    """Run one measured job in this (fresh) process; return its wall and CPU time and peak memory."""
    import av

    from kpalette.film import analyse_segment
    from kpalette.video import Sampling

    out: dict[str, Any] = {}
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "decode":
        n = 0
        with av.open(path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if end is not None and frame.time >= end:
                    break
                n += 1
        out["frames"] = n
    elif kind in ("fps1", "every"):
        sampling = Sampling(mode="every") if kind == "every" else Sampling(fps=1.0)
        seg = analyse_segment(path, K, sampling=sampling, end=end)
        out["frames"] = len(seg.frames)
        out["cut_times"] = seg.cuts  # type: ignore[assignment]
        # kept for the quality measures, which then need no pass of their own
        np.savez(OUT / f"{kind}-{Path(path).stem}.npz", times=[f.time for f in seg.frames],
                 centers=np.array([np.pad(f.palette.lab, ((0, K - len(f.palette)), (0, 0)), constant_values=np.nan)
                                   for f in seg.frames]),
                 shares=np.array([np.pad(f.palette.proportions, (0, K - len(f.palette))) for f in seg.frames]),
                 codes=seg.codes, counts=seg.counts)
    elif kind == "scenedetect":
        from scenedetect import ContentDetector, detect
        scenes = detect(path, ContentDetector(), backend="pyav", end_time=end)
        out["cut_times"] = [s[0].get_seconds() for s in scenes[1:]]  # type: ignore[assignment]
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure(kind: str, path: Path, end: float | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, str(path)] + (["--end", str(end)] if end else [])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ quality
def saved(kind: str) -> dict[str, np.ndarray]:
    with np.load(OUT / f"{kind}-{FILM.stem}.npz") as data:
        return {key: data[key] for key in data.files}


def frame_quality(path: Path, end: float | None, n: int) -> list[dict[str, float]]:
    """The every-frame pass's frame palettes against extract_palette at full resolution, on n frames."""
    import kpalette
    from kpalette.video import read_frames

    data = saved("every")
    picks = set(np.linspace(0, len(data["times"]) - 1, n).round().astype(int).tolist())
    ours = {}
    for i in picks:
        keep = data["shares"][i] > 0
        ours[round(float(data["times"][i]), 4)] = kpalette.Palette(data["centers"][i][keep], data["shares"][i][keep])
    rows = []
    for frame in read_frames(path, every_frame=True, max_side=None, end=end):
        key = round(frame.time, 4)
        if key not in ours:
            continue
        image = frame.image
        ref = kpalette.extract_palette(image, K)
        e_ref = kpalette.delta_e(image, kpalette.quantize(image, ref), formula="76")
        e_ours = kpalette.delta_e(image, kpalette.quantize(image, ours[key]), formula="76")
        rows.append({"time": frame.time, "ref_dE76": e_ref, "ours_dE76": e_ours})
    return rows


def film_quality(path: Path, end: float | None, ref_starts: int) -> dict[str, float]:
    """The film palette (fps 1) against k-means on every pixel of the sampled frames at full resolution."""
    import warnings

    from sklearn.cluster import KMeans

    import kpalette
    from kpalette.fast import nearest
    from kpalette.video import read_frames

    from kpalette.film import ColourCounts, palette_of_counts
    data = saved("fps1")
    counts = ColourCounts.from_sparse(data["codes"], data["counts"])
    film = palette_of_counts(counts.table(), K)
    exact = np.zeros(1 << 24, dtype=np.int64)   # every 24-bit colour of the full-size sampled frames
    n_frames = 0
    for frame in read_frames(path, fps=1.0, max_side=None, end=end):
        px = frame.image.reshape(-1, 3).astype(np.uint32)
        exact += np.bincount((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2], minlength=1 << 24)
        n_frames += 1
    colours = np.flatnonzero(exact)
    weights = exact[colours].astype(np.float64)
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
            "film_dE76": mean_de(film.lab), "kmeans_dE76": mean_de(model.cluster_centers_),
            "kmeans_seconds": kmeans_s, "film_hex": " ".join(film.hex),
            "kmeans_hex": " ".join(kpalette.Palette(model.cluster_centers_, np.bincount(model.labels_, weights),
                                                    "lab").sort("share").hex)}


def size_sweep(path: Path, n: int) -> list[dict[str, float]]:
    """Frame palettes from frames scaled down to several sizes in FFmpeg, against full size: quality and cost."""
    import kpalette
    from kpalette.film import frame_palette
    from kpalette.video import read_frames

    full = [f.image for f in read_frames(path, fps=n / 180, max_side=None)]
    refs = [kpalette.delta_e(im, kpalette.quantize(im, kpalette.extract_palette(im, K)), formula="76") for im in full]
    rows = []
    for side in (160, 240, 320, 480, 720, None):
        start = time.process_time()
        small = [f.image for f in read_frames(path, fps=n / 180, max_side=side)]
        convert = time.process_time() - start
        start = time.process_time()
        palettes = [frame_palette(im, K) for im in small]
        cluster = time.process_time() - start
        rel = [kpalette.delta_e(im, kpalette.quantize(im, p), formula="76") / r - 1
               for im, p, r in zip(full, palettes, refs)]
        rows.append({"max_side": side or 1920, "frames": len(full), "mean_rel_dE76": float(np.mean(rel)),
                     "worst_rel_dE76": float(np.max(rel)), "read_cpu_s": convert, "palette_cpu_ms": 1000 * cluster / len(full)})
        print(f"  side {side or 'full':>5}: palettes {100 * np.mean(rel):+.2f} % (worst {100 * np.max(rel):+.2f} %) "
              f"from extract_palette at full size, {1000 * cluster / len(full):.1f} ms CPU each", flush=True)
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
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--end", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="the first 60 s only, fewer frames for quality")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip", default="", help="comma-separated: speed,memory,frames,film,sizes,cuts")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(args.worker[0], args.worker[1], args.end)))
        return
    if not FILM.exists() or not LONG.exists():
        subprocess.run([sys.executable, str(HERE / "film_make.py")], check=True)
    skip = set(filter(None, args.skip.split(",")))
    end = 60.0 if args.quick else None
    truth = json.loads(FILM.with_suffix(".json").read_text())
    transitions = [t for t in truth["transitions"] if end is None or t["end"] < end]
    RESULTS.mkdir(exist_ok=True)
    rows: list[dict[str, object]] = []

    def add(measure_name: str, **values: object) -> None:
        rows.append({"measure": measure_name, **values})

    if "speed" not in skip:
        runs: dict[str, list[dict[str, float]]] = {"decode": [], "fps1": [], "every": [], "scenedetect": []}
        for r in range(args.repeats):
            for kind in ("decode", "fps1", "decode", "every", "decode", "scenedetect"):
                result = measure(kind, FILM, end)
                runs[kind].append(result)
                print(f"  {kind:12s} run {r + 1}: {result['seconds']:7.1f} s wall, {result['cpu_seconds']:7.1f} s CPU, "
                      f"{result['peak_mb']:5.0f} MB", flush=True)
        decode = min(x["seconds"] for x in runs["decode"])
        decode_cpu = min(x["cpu_seconds"] for x in runs["decode"])
        for kind in ("fps1", "every", "scenedetect"):
            best = min(x["seconds"] for x in runs[kind])
            best_cpu = min(x["cpu_seconds"] for x in runs[kind])
            add(f"time_{kind}", seconds=best, cpu_seconds=best_cpu, decode_seconds=decode,
                decode_cpu_seconds=decode_cpu, ratio=best / decode, cpu_ratio=best_cpu / decode_cpu,
                peak_mb=max(x["peak_mb"] for x in runs[kind]), frames=runs[kind][0].get("frames", ""))
            print(f"{kind}: {best / decode:.2f} x decode time ({best_cpu / decode_cpu:.2f} x in CPU time)", flush=True)
        add("time_decode", seconds=decode, cpu_seconds=decode_cpu, frames=runs["decode"][0]["frames"],
            peak_mb=max(x["peak_mb"] for x in runs["decode"]))
        cut_times = {kind: runs[kind][0]["cut_times"] for kind in ("fps1", "every", "scenedetect")}
        peaks = {kind: max(x["peak_mb"] for x in runs[kind]) for kind in ("fps1", "every")}

    if "memory" not in skip:
        for kind in ("fps1", "every"):
            long = measure(kind, LONG, 2 * end if end else None)
            add(f"memory_{kind}", peak_mb=peaks[kind], peak_mb_twice_as_long=long["peak_mb"],
                frames_twice_as_long=long["frames"])
            print(f"memory {kind}: {peaks[kind]:.0f} MB, twice as long {long['peak_mb']:.0f} MB", flush=True)

    if "frames" not in skip:
        frame_rows = frame_quality(FILM, end, 24 if args.quick else 60)
        rel = [r["ours_dE76"] / r["ref_dE76"] - 1 for r in frame_rows]
        add("frame_dE76", frames=len(frame_rows), mean_rel=float(np.mean(rel)), worst_rel=float(np.max(rel)),
            ref_dE76=float(np.mean([r["ref_dE76"] for r in frame_rows])),
            ours_dE76=float(np.mean([r["ours_dE76"] for r in frame_rows])))
        print(f"frame palettes: {100 * np.mean(rel):+.2f} % mean Delta E 76 against extract_palette "
              f"(worst {100 * np.max(rel):+.2f} %) on {len(frame_rows)} frames", flush=True)

    if "film" not in skip:
        q = film_quality(FILM, end, ref_starts=3 if args.quick else 4)
        add("film_dE76", frames=q["frames"], pixels=q["pixels"], distinct_colours=q["distinct_colours"],
            ours_dE76=q["film_dE76"], ref_dE76=q["kmeans_dE76"], mean_rel=q["film_dE76"] / q["kmeans_dE76"] - 1,
            ref_seconds=q["kmeans_seconds"], ours_hex=q["film_hex"], ref_hex=q["kmeans_hex"])
        print(f"film palette: {100 * (q['film_dE76'] / q['kmeans_dE76'] - 1):+.2f} % mean Delta E 76 against k-means "
              f"on {q['pixels']:,.0f} pixels ({q['distinct_colours']:,.0f} colours)", flush=True)

    if "sizes" not in skip:
        sizes = size_sweep(FILM, 12 if args.quick else 30)
        with open(RESULTS / "film_sizes.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(sizes[0]))
            w.writeheader()
            w.writerows(sizes)

    if "cuts" not in skip:
        sd = next(r for r in rows if r["measure"] == "time_scenedetect")
        cut_rows = [
            {"method": "kpalette, 1 frame per second", **score_cuts(cut_times["fps1"], transitions),
             "extra_pass_x_decode": 0.0},
            {"method": "kpalette, every frame", **score_cuts(cut_times["every"], transitions),
             "extra_pass_x_decode": 0.0},
            {"method": "PySceneDetect ContentDetector", **score_cuts(cut_times["scenedetect"], transitions),
             "extra_pass_x_decode": sd["ratio"]}]
        for row in cut_rows:
            print(f"cuts, {row['method']}: precision {row['precision']:.2f}, recall {row['recall']:.2f} "
                  f"({row['hits']} of {row['true']} transitions, {row['found']} cuts found)", flush=True)
        with open(RESULTS / "film_cuts.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(cut_rows[0]))
            w.writeheader()
            w.writerows(cut_rows)

    if "barcode" not in skip:
        from PIL import Image

        from kpalette.barcode import barcode
        from kpalette.film import analyse_film
        film = analyse_film(FILM, K) if end is None else None
        if film is not None:
            top = barcode(film.frames, height=120)
            bottom = barcode(film.frames, height=60, style="mean")
            image = np.concatenate([top, np.full((4, top.shape[1], 3), 255, np.uint8), bottom])
            Image.fromarray(np.repeat(image, 4, axis=1)).save(RESULTS / "film_barcode.png", optimize=True)

    if rows:
        fields: list[str] = []
        for row in rows:
            fields += [k for k in row if k not in fields]
        with open(RESULTS / "film_speed.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    load = os.getloadavg()[0]
    (RESULTS / "film_machine.txt").write_text(
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores; load average at end "
        f"{load:.1f}\nfilm: {FILM.name}, {truth['seconds']:.0f} s, {truth['size'][0]} x {truth['size'][1]}, "
        f"{truth['fps']} fps, H.264{' (first 60 s only)' if end else ''}\n"
        "note: the machine was shared with other jobs; ratios come from the same run, decode-only runs alternate "
        "with the measured ones and the best of the repeats is kept.\n")
    print(f"wrote {RESULTS}/film_*.csv")


if __name__ == "__main__":
    main()
