"""The benchmark of make bench: the fast method against full k-means, the reference pipeline and Pillow.

Quality and speed, every ratio measured in the same run:

1. **The reporting half of the evaluation set** (:mod:`evalset`: about 90 real photos, crops, resizes, film frames
   and hard synthetic pictures that no parameter was chosen on). For each image and method: the mean Delta E 76
   of every pixel to its nearest palette colour (in Lab), as a ratio to full k-means (``KMeans(n_clusters=8,
   n_init=10)`` on every pixel in Lab, cached in ``results/full_kmeans.csv``), and the time to get the palette
   from an RGB array already in memory.
2. **Three 2400 x 3600 frames** (:mod:`bigframes`: the running frame enlarged, the first edition's rocket frame
   enlarged, and a mosaic of real photos with many distinct colours), each method in a fresh process so that
   its peak memory (``VmHWM``) belongs to it alone; and where the reference pipeline spends its time on the
   enlarged film frame.
3. **The robustness study** on the tuning half (:mod:`robustness`): which change removed the bad local minima.

Methods
    fast          ``kpalette.extract_palette(image, 8)``: the fast method, the library's default, with its inner
                  loops in C (``kpalette/_ckernels.c``, built when kpalette is installed)
    fast_numpy    the same with NumPy alone (``kpalette.fast.COMPILED = False``): the palettes must be
                  byte-identical to ``fast``'s (checked on every picture), only the time differs
    reference     the tutorial's pipeline: ``rgb2lab`` on the whole image, then
                  ``MiniBatchKMeans(n_clusters=8, random_state=42, batch_size=2**15, n_init=10)`` on every pixel
    pil_mediancut Pillow's ``Image.quantize(8, method=MEDIANCUT)``
    pil_octree    Pillow's ``Image.quantize(8, method=FASTOCTREE)``

Times are wall-clock (``time.perf_counter``; the median of several runs for the quick methods) and CPU time of
the process (all threads added up). The machine may be shared: compare methods by the ratios of one run.

Outputs in ``results/``: ``quality.csv`` (one row per image and method), ``quality_summary.csv`` (one row per
method), ``big_frames.csv`` (and ``big_frames.jpg``, the three frames shrunk), ``reference_stages.csv``,
``robustness.csv``, ``machine.txt``.

Options: ``--recompute-reference`` (run full k-means again for every reporting image instead of using the
cache; ``python benchmarks/evalset.py --fill all --recompute-reference`` does it for both halves),
``--repeats N``, ``--limit N`` (only the first N reporting images, for a quick look), ``--skip-report`` (keep
``quality.csv`` as it is), ``--skip-big``, ``--skip-robustness``.
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
import warnings
from pathlib import Path

import numpy as np

import bigframes
import evalset

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
K = 8
SEED = 42
METHODS = ["fast", "fast_numpy", "reference", "pil_mediancut", "pil_octree"]
#: The size under which the fast method should take at most 20 ms per palette.
WEB = 768 * 512


# ---------------------------------------------------------------------------------------------- methods
def centres_by(method: str, image: np.ndarray) -> np.ndarray:
    """The 8-colour palette of ``method`` as Lab centres (shape (m, 3))."""
    import kpalette
    if method in ("fast", "fast_numpy"):
        from kpalette import fast
        saved = fast.COMPILED
        fast.COMPILED = saved and method == "fast"
        try:
            return kpalette.extract_palette(image, K, seed=SEED).lab
        finally:
            fast.COMPILED = saved
    if method in ("pil_mediancut", "pil_octree"):
        from PIL import Image
        kind = Image.Quantize.MEDIANCUT if method == "pil_mediancut" else Image.Quantize.FASTOCTREE
        q = Image.fromarray(image).quantize(K, method=kind, dither=Image.Dither.NONE)
        rgb = np.array(q.getpalette()[: 3 * K], dtype=np.uint8).reshape(-1, 3)
        used = np.bincount(np.asarray(q).ravel(), minlength=K)[:K] > 0
        return kpalette.rgb_to_lab(rgb[used])
    if method == "reference":
        from skimage.color import rgb2lab
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.exceptions import ConvergenceWarning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            flat = rgb2lab(image).reshape(-1, 3)
            model = MiniBatchKMeans(n_clusters=K, random_state=SEED, batch_size=2**15, n_init=10).fit(flat)
        return model.cluster_centers_
    raise ValueError(f"unknown method {method!r}")


def timed(method: str, image: np.ndarray, repeats: int) -> tuple[np.ndarray, float, float]:
    """(centres, median wall seconds, median CPU seconds) over ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        centres = centres_by(method, image)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return centres, float(np.median(walls)), float(np.median(cpus))


# ---------------------------------------------------------------------------------------------- 1. reporting half
def reporting_half(repeats: int, recompute: bool, limit: int | None) -> list[dict]:
    import kpalette  # noqa: F401  (imports are not timed)
    import sklearn.cluster  # noqa: F401
    rows = []
    for i, (case, image, colours, ref) in enumerate(evalset.reference_rows("reporting", recompute=recompute)):
        if limit is not None and i >= limit:
            break
        full_de, full_sq = float(ref["kmeans_de76"]), float(ref["kmeans_sq_de76"])
        by_method = {}
        for method in METHODS:
            centres, wall, cpu = timed(method, image, 1 if method == "reference" else repeats)
            by_method[method] = centres
            de, sq = colours.mean_delta_e(centres), colours.inertia(centres)
            rows.append({"image": case.name, "kind": case.kind, "height": image.shape[0], "width": image.shape[1],
                         "distinct": len(colours), "method": method, "seconds": round(wall, 6),
                         "cpu_seconds": round(cpu, 6), "delta_e76": round(de, 5), "ratio": round(de / full_de, 5),
                         "objective_ratio": round(sq / full_sq, 5), "kmeans_delta_e76": round(full_de, 5),
                         "palette": " ".join(kpalette.to_hex(kpalette.lab_to_rgb(centres)))})
        if by_method["fast"].tobytes() != by_method["fast_numpy"].tobytes():
            raise SystemExit(f"{case.name}: the C loops and NumPy alone gave different palettes")
        fast = rows[-len(METHODS)]
        print(f"{i + 1:3d} {case.name:36s} fast {fast['ratio']:.4f} x full k-means, {1000 * fast['seconds']:6.1f} ms",
              flush=True)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """One row per method: the distribution of its ratio to full k-means, and its time."""
    by_image = {(r["image"], r["method"]): r for r in rows}
    images = list(dict.fromkeys(r["image"] for r in rows))
    out = []
    for method in METHODS:
        mine = [by_image[i, method] for i in images]
        ratio = np.array([r["ratio"] for r in mine])
        objective = np.array([r["objective_ratio"] for r in mine])
        worst = mine[int(np.argmax(ratio))]
        web = [r for r in mine if r["height"] * r["width"] <= WEB]
        speedup = [by_image[r["image"], "reference"]["seconds"] / r["seconds"] for r in mine]
        out.append({"method": method, "images": len(mine),
                    "mean_ratio": round(float(ratio.mean()), 5), "p95_ratio": round(float(np.percentile(ratio, 95)), 5),
                    "worst_ratio": round(float(ratio.max()), 5), "worst_image": worst["image"],
                    "over_1pct": int((ratio > 1.01).sum()),
                    "mean_objective_ratio": round(float(objective.mean()), 5),
                    "worst_objective_ratio": round(float(objective.max()), 5),
                    "median_ms": round(1000 * float(np.median([r["seconds"] for r in mine])), 3),
                    "web_images": len(web), "web_max_ms": round(1000 * max(r["seconds"] for r in web), 3),
                    "web_over_20ms": sum(r["seconds"] > 0.020 for r in web),
                    "web_max_image": max(web, key=lambda r: r["seconds"])["image"],
                    "median_speedup_vs_reference": round(float(np.median(speedup)), 2)})
    return out


# ---------------------------------------------------------------------------------------------- 2. big frames
def maxrss_mb() -> float:
    """The process's peak resident memory so far, in MB.

    Read from ``VmHWM`` in ``/proc/self/status`` where there is one: ``ru_maxrss`` survives ``exec`` on Linux,
    so a worker started by a large parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024   # kilobytes
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def worker(method: str, name: str, repeats: int) -> dict:
    """In a fresh process: time ``repeats`` palettes of one big frame, read the peak memory, then the quality."""
    import kpalette  # noqa: F401  (imports count in the baseline, not in the method's time)
    import sklearn.cluster  # noqa: F401
    from PIL import Image  # noqa: F401
    image = bigframes.load(name)
    baseline = maxrss_mb()
    centres, wall, cpu = timed(method, image, repeats)
    peak = maxrss_mb()
    from kpalette.fast import colour_table
    colours = evalset.Colours.__new__(evalset.Colours)   # exact colours, counted without a float copy per pixel
    table = colour_table(image.reshape(-1, 3), bits=8)
    colours.n_pixels, colours.counts = int(table.counts.sum()), table.counts
    colours.lab = kpalette.rgb_to_lab(table.rgb)
    return {"image": name, "distinct": len(table), "bins7": len(colour_table(image.reshape(-1, 3))),
            "method": method, "repeats": repeats, "seconds": wall, "cpu_seconds": cpu,
            "peak_mb": round(peak, 1), "baseline_mb": round(baseline, 1),
            "delta_e76": round(colours.mean_delta_e(centres), 5)}


def run_worker(method: str, name: str, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, name, str(repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(out.stdout.strip().splitlines()[-1])


def big_frames(repeats: int) -> list[dict]:
    rows = []
    for name in bigframes.NAMES:
        bigframes.load(name)   # made once, outside the timed workers
        for method in METHODS:
            row = run_worker(method, name, 1 if method == "reference" else repeats)
            rows.append(row)
            print(f"{name:18s} {method:14s} {row['seconds']:8.3f} s {row['peak_mb']:7.0f} MB  "
                  f"dE76 {row['delta_e76']:.3f}", flush=True)
    return rows


def reference_stages(name: str = bigframes.UPSCALED) -> list[dict]:
    """Time each stage of the reference pipeline (as the tutorial writes it) on one big frame."""
    from skimage.color import lab2rgb, rgb2lab
    from sklearn.cluster import MiniBatchKMeans
    image = bigframes.load(name)
    stages = []

    def stage(label: str, func):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        out = func()
        stages.append({"image": name, "stage": label, "seconds": round(time.perf_counter() - start, 4)})
        return out

    flat = stage("convert to Lab", lambda: rgb2lab(image).reshape(-1, 3))
    km = stage("fit mini-batch k-means", lambda: MiniBatchKMeans(n_clusters=K, random_state=SEED,
                                                              batch_size=2**15, n_init=10).fit(flat))
    labels = stage("label every pixel", lambda: km.predict(flat))
    stage("paint and convert back", lambda: lab2rgb(km.cluster_centers_[labels].reshape(image.shape)))
    return stages


# ---------------------------------------------------------------------------------------------- driver
def compiled() -> bool:
    """Whether kpalette's C extension is built here (else ``fast`` and ``fast_numpy`` are the same code)."""
    from kpalette import fast
    return fast.COMPILED


def machine_note() -> str:
    import matplotlib
    import PIL
    import skimage
    import sklearn
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return "\n".join([
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"cpu: {cpu}, {os.cpu_count()} logical cores; load average at start {load[0]:.1f}",
        f"os: {platform.platform()}",
        f"python: {platform.python_version()}",
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, scikit-image {skimage.__version__}, "
        f"Pillow {PIL.__version__}, matplotlib {matplotlib.__version__}",
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}",
        f"kpalette's C loops: {'built' if compiled() else 'NOT built (fast is NumPy alone)'}",
        "note: times are wall times on a machine that may be shared; compare them by the ratios of one run.",
    ])


def _number(text: str) -> object:
    """A CSV field back as int or float when it is one."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def report(summary: list[dict], big: list[dict]) -> None:
    """Print the numbers the issue asks for."""
    print("\nreporting half: mean Delta E 76 of every pixel to its palette, as a ratio to full k-means")
    print(f"{'method':14s} {'images':>6s} {'mean':>7s} {'p95':>7s} {'worst':>7s} {'>1%':>4s} {'median ms':>10s}")
    for s in summary:
        print(f"{s['method']:14s} {s['images']:6d} {s['mean_ratio']:7.4f} {s['p95_ratio']:7.4f} "
              f"{s['worst_ratio']:7.4f} {s['over_1pct']:4d} {s['median_ms']:10.1f}")
    fast = next(s for s in summary if s["method"] == "fast")
    numpy_alone = next(s for s in summary if s["method"] == "fast_numpy")
    print(f"images up to 768 x 512 over 20 ms: {fast['web_over_20ms']} of {fast['web_images']} "
          f"(NumPy alone: {numpy_alone['web_over_20ms']}); C loops {'built' if compiled() else 'NOT built'}")
    print(f"worst image: {fast['worst_image']}; slowest palette of an image up to 768 x 512: "
          f"{fast['web_max_ms']:.1f} ms ({fast['web_max_image']}; target 20 ms); median speed-up over the reference "
          f"pipeline {fast['median_speedup_vs_reference']:.0f} x")
    by = {(r["image"], r["method"]): r for r in big}
    for name in bigframes.NAMES:
        if (name, "fast") in by and (name, "reference") in by:
            f, ref = by[name, "fast"], by[name, "reference"]
            print(f"{name}: fast {ref['seconds'] / f['seconds']:.0f} x faster than the reference (wall), "
                  f"{ref['cpu_seconds'] / f['cpu_seconds']:.0f} x in CPU time; peak {f['peak_mb']:.0f} MB "
                  f"(reference {ref['peak_mb']:.0f} MB); {f['bins7']:,} occupied 7-bit bins")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("METHOD", "IMAGE", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=9, help="runs of each quick method per image (median)")
    parser.add_argument("--recompute-reference", action="store_true",
                        help="run full k-means again for every reporting image instead of reading "
                             "results/full_kmeans.csv")
    parser.add_argument("--limit", type=int, help="only the first N images of the reporting half")
    parser.add_argument("--skip-report", action="store_true", help="skip the reporting half (keep quality.csv)")
    parser.add_argument("--skip-big", action="store_true", help="skip the 2400 x 3600 frames")
    parser.add_argument("--skip-robustness", action="store_true", help="skip the study on the tuning half")
    args = parser.parse_args(argv)
    if args.worker:
        method, name, repeats = args.worker
        print(json.dumps(worker(method, name, int(repeats))))
        return

    RESULTS.mkdir(parents=True, exist_ok=True)
    note = machine_note()
    if args.skip_report and (RESULTS / "machine.txt").exists():   # the reporting half was measured before
        note = (RESULTS / "machine.txt").read_text().rstrip() + "\nlarge frames measured again:\n" + note
    (RESULTS / "machine.txt").write_text(note + "\n")
    if args.skip_report:
        with open(RESULTS / "quality.csv") as f:
            rows = [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]
    else:
        rows = reporting_half(args.repeats, args.recompute_reference, args.limit)
        write_csv(RESULTS / "quality.csv", rows)
    summary = summarise(rows)
    write_csv(RESULTS / "quality_summary.csv", summary)
    big = []
    if not args.skip_big:
        big = big_frames(args.repeats)   # the median of as many runs as for small pictures: these take ~0.1 s
        write_csv(RESULTS / "big_frames.csv", big)
        bigframes.thumbnails(RESULTS / "big_frames.jpg")
        stages = reference_stages()
        write_csv(RESULTS / "reference_stages.csv", stages)
        print(*(f"{s['stage']}: {s['seconds']:.2f} s" for s in stages), sep="\n")
    if not args.skip_robustness:
        import robustness
        for r in robustness.run():
            print(f"{r['variant']:28s} >1%: {r['over_1pct_de76']:3d} of {r['runs']}  "
                  f"worst {r['worst_de76_pct']:+.2f}%  time x{r['time_vs_first']:.2f}")
    report(summary, big)


if __name__ == "__main__":
    main()
