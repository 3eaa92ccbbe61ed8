"""Speed, memory and quality of palette extraction: the reference pipeline against faster methods.

Run it with ``make bench`` (or ``python benchmarks/palette_speed.py``). For every image and method a fresh worker
process extracts an 8-colour palette, so that each peak memory (``ru_maxrss``) belongs to one method alone.

Images: a 2400 x 3600 frame made by upscaling ``pics/rocket.jpg`` (Lanczos, deterministic) and every colour
photo the installed packages ship (scikit-image, scikit-learn, Matplotlib sample data).

Methods
    reference     the tutorial's pipeline: ``rgb2lab`` on the whole image, then
                  ``MiniBatchKMeans(n_clusters=8, random_state=42, batch_size=2**15, n_init=10)`` on every pixel
    kmeans_all    full k-means (``KMeans(n_init=10)``) on every pixel in Lab (small photos only: too slow on
                  the big frame)
    kmeans_sub    full k-means (``KMeans(n_init=10)``) on 50,000 pixels drawn at random, in Lab
    fast          ``kpalette.fast.fast_centers``, the weighted colour bins that ``extract_palette`` uses by default
                  (timed without ``extract_palette``'s own exact count of distinct colours, which sorts every
                  pixel; the worker checks that both give the same palette)
    pil_mediancut Pillow's ``Image.quantize(8, method=MEDIANCUT)``
    pil_octree    Pillow's ``Image.quantize(8, method=FASTOCTREE)``

Time is the wall time of getting the palette from an RGB array already in memory (median of the repeats);
``cpu_seconds`` is the CPU time of the process over the same call, all threads added up (steadier than wall
time on a busy machine; scikit-learn uses both cores, so its CPU time can exceed its wall time).
Quality: every palette is applied the same way (each pixel takes its nearest palette colour in Lab, as
``kpalette.quantize`` does) and compared with the original, mean Delta E 76 and Delta E 2000 over all pixels.

Outputs in ``benchmarks/results/``: ``palette_speed.csv`` (one row per image and method),
``reference_stages.csv`` (where the reference pipeline's time goes, big frame), ``machine.txt`` and
``palette_speed.png``. Options: ``--images a,b``, ``--methods a,b``, ``--repeats N``, ``--merge`` (re-run some
images or methods and keep the other rows), ``--no-stages``.
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

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
CACHE = HERE / "out"
K = 8
SEED = 42
BIG = "rocket_2400x3600"
PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "hubble_deep_field",
          "immunohistochemistry", "retina", "china", "flower", "grace_hopper"]
METHODS = ["reference", "kmeans_all", "kmeans_sub", "fast", "pil_mediancut", "pil_octree"]
SUBSAMPLE = 50_000


# ---------------------------------------------------------------------------------------------- images
def load(name: str) -> np.ndarray:
    """The image ``name`` as an (h, w, 3) uint8 array; nothing is downloaded."""
    if name == BIG:
        path = CACHE / f"{BIG}.npy"
        if not path.exists():
            from PIL import Image
            CACHE.mkdir(exist_ok=True)
            with Image.open(ROOT / "pics" / "rocket.jpg") as im:
                big = np.asarray(im.convert("RGB").resize((3600, 2400), Image.Resampling.LANCZOS))
            np.save(path, big)
        return np.load(path)
    import skimage.data
    if name == "motorcycle_left":
        return skimage.data.stereo_motorcycle()[0]
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image
        return load_sample_image(f"{name}.jpg")
    if name == "grace_hopper":
        import matplotlib.cbook
        from PIL import Image
        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
            return np.asarray(Image.open(f).convert("RGB"))
    return getattr(skimage.data, name)()


# ---------------------------------------------------------------------------------------------- methods
def palette_by(method: str, image: np.ndarray):  # -> kpalette.Palette
    """Extract an 8-colour palette with ``method``; returns a kpalette.Palette in Lab."""
    import warnings

    import kpalette
    from kpalette import Palette
    if method == "fast":
        # what extract_palette(method="fast") runs, without its separate exact-colour count (see check_fast)
        from kpalette.cluster import check_image
        from kpalette.fast import fast_centers
        centers, weights = fast_centers(check_image(image).reshape(-1, 3), K, space="lab", seed=SEED)
        return Palette(centers, weights, "lab").sort("share")
    if method in ("pil_mediancut", "pil_octree"):
        from PIL import Image
        kind = Image.Quantize.MEDIANCUT if method == "pil_mediancut" else Image.Quantize.FASTOCTREE
        q = Image.fromarray(image).quantize(K, method=kind, dither=Image.Dither.NONE)
        rgb = np.array(q.getpalette()[: 3 * K], dtype=np.uint8).reshape(-1, 3)
        used = np.bincount(np.asarray(q).ravel(), minlength=K)[:K]
        return Palette(kpalette.rgb_to_lab(rgb[used > 0]), used[used > 0], "lab")
    from skimage.color import rgb2lab
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "reference":
            flat = rgb2lab(image).reshape(-1, 3)
            km = MiniBatchKMeans(n_clusters=K, random_state=SEED, batch_size=2**15, n_init=10).fit(flat)
        elif method == "kmeans_all":
            flat = rgb2lab(image).reshape(-1, 3)
            km = KMeans(n_clusters=K, random_state=SEED, n_init=10).fit(flat)
        elif method == "kmeans_sub":
            pixels = image.reshape(-1, 3)
            pick = np.random.default_rng(SEED).choice(len(pixels), size=min(SUBSAMPLE, len(pixels)), replace=False)
            km = KMeans(n_clusters=K, random_state=SEED, n_init=10).fit(kpalette.rgb_to_lab(pixels[pick]))
        else:
            raise ValueError(f"unknown method {method!r}")
    shares = np.bincount(km.labels_, minlength=K)
    return Palette(km.cluster_centers_, np.maximum(shares, 1), "lab")


def quality(image: np.ndarray, palette) -> tuple[float, float]:  # noqa: ANN001
    """Mean Delta E 76 and 2000 of the quantized image against the original (in row blocks: low memory)."""
    import kpalette
    from skimage.color import deltaE_cie76, deltaE_ciede2000
    quantized = kpalette.quantize(image, palette)
    sums = np.zeros(2)
    for top in range(0, image.shape[0], 200):
        a = kpalette.rgb_to_lab(image[top:top + 200])
        b = kpalette.rgb_to_lab(quantized[top:top + 200])
        sums += deltaE_cie76(a, b).sum(), deltaE_ciede2000(a, b).sum()
    return tuple(float(v) for v in sums / (image.shape[0] * image.shape[1]))


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def worker(method: str, name: str, repeats: int) -> dict:
    """Run in a fresh process: time ``repeats`` extractions, read the peak memory, then measure quality."""
    import kpalette  # noqa: F401  (imports count in the baseline, not in the method's time)
    import sklearn.cluster  # noqa: F401
    from PIL import Image  # noqa: F401
    image = load(name)
    baseline = maxrss_mb()
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        palette = palette_by(method, image)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    peak = maxrss_mb()
    if method == "fast":  # the palette timed is the library's palette
        import kpalette
        assert palette.hex == kpalette.extract_palette(image, K, method="fast", seed=SEED).hex
    de76, de2000 = quality(image, palette)
    return {"image": name, "height": image.shape[0], "width": image.shape[1], "method": method,
            "repeats": repeats, "seconds": float(np.median(times)), "seconds_min": float(min(times)),
            "cpu_seconds": float(np.median(cpu)),
            "peak_mb": round(peak, 1), "baseline_mb": round(baseline, 1), "delta_e76": round(de76, 4),
            "delta_e2000": round(de2000, 4), "palette": " ".join(palette.hex)}


def reference_stages(name: str) -> list[dict]:
    """Time each stage of the reference pipeline (as the tutorial writes it) on one image."""
    from skimage.color import lab2rgb, rgb2lab
    from sklearn.cluster import MiniBatchKMeans
    image = load(name)
    stages = []

    def timed(stage: str, func):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        out = func()
        stages.append({"image": name, "stage": stage, "seconds": round(time.perf_counter() - start, 4)})
        return out

    flat = timed("convert to Lab", lambda: rgb2lab(image).reshape(-1, 3))
    km = timed("fit MiniBatchKMeans", lambda: MiniBatchKMeans(n_clusters=K, random_state=SEED,
                                                              batch_size=2**15, n_init=10).fit(flat))
    labels = timed("label every pixel", lambda: km.predict(flat))
    timed("paint and convert back", lambda: lab2rgb(km.cluster_centers_[labels].reshape(image.shape)))
    return stages


# ---------------------------------------------------------------------------------------------- driver
def run_worker(method: str, name: str, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, name, str(repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
        "note: the machine was shared with other jobs; times are wall times, ratios come from the same run.",
    ])


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    images = list(dict.fromkeys(r["image"] for r in rows))
    fig, (ax_t, ax_q) = plt.subplots(1, 2, figsize=(13, 0.45 * len(images) * len(methods) / 3 + 2))
    height = 0.8 / len(methods)
    for i, m in enumerate(methods):
        for ax, key in ((ax_t, "seconds"), (ax_q, "delta_e2000")):
            ys, xs = [], []
            for j, name in enumerate(images):
                hit = [r for r in rows if r["image"] == name and r["method"] == m]
                if hit:
                    ys.append(j + i * height)
                    xs.append(hit[0][key])
            ax.barh(ys, xs, height=height, label=m)
    for ax in (ax_t, ax_q):
        ax.set_yticks(np.arange(len(images)) + 0.4 - height / 2, images)
        ax.invert_yaxis()
    ax_t.set_xscale("log")
    ax_t.set_xlabel("seconds per palette (log scale)")
    ax_q.set_xlabel("mean Delta E 2000 of the quantized image (lower is better)")
    ax_q.set_yticklabels([])
    ax_t.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("METHOD", "IMAGE", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--images", default=",".join([BIG] + PHOTOS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--repeats", type=int, default=15, help="repeats of the cheap methods on small photos")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-stages", action="store_true", help="skip timing the reference pipeline's stages")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of images and methods not run now from the existing CSV")
    args = parser.parse_args(argv)
    if args.worker:
        method, name, repeats = args.worker
        print(json.dumps(worker(method, name, int(repeats))))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    note = machine_note()
    rows = []
    csv_path = args.out / "palette_speed.csv"
    if args.merge and csv_path.exists():
        with open(csv_path) as f:
            rows = [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]
        note = (args.out / "machine.txt").read_text().rstrip() + "\nre-run of " + args.images + " / " + \
            args.methods + ":\n" + note
    (args.out / "machine.txt").write_text(note + "\n")
    header = f"{'image':22} {'method':14} {'seconds':>9} {'peak MB':>8} {'dE76':>7} {'dE2000':>7}"
    print(header)
    for name in args.images.split(","):
        for method in args.methods.split(","):
            if method == "kmeans_all" and name == BIG:
                continue  # 8.6 million pixels x 10 full k-means runs: many minutes, skipped
            cheap = method in ("fast", "pil_mediancut", "pil_octree")
            repeats = (5 if name == BIG else args.repeats) if cheap else 1
            row = run_worker(method, name, repeats)
            rows = [r for r in rows if (r["image"], r["method"]) != (name, method)] + [row]
            order = {n: i for i, n in enumerate([BIG] + PHOTOS)}
            rows.sort(key=lambda r: (order.get(r["image"], 99), METHODS.index(r["method"])))
            print(f"{name:22} {method:14} {row['seconds']:9.4f} {row['peak_mb']:8.0f} "
                  f"{row['delta_e76']:7.3f} {row['delta_e2000']:7.3f}", flush=True)
            with open(args.out / "palette_speed.csv", "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
    if BIG in args.images.split(",") and not args.no_stages:
        stages = reference_stages(BIG)
        with open(args.out / "reference_stages.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(stages[0]))
            writer.writeheader()
            writer.writerows(stages)
        print(*(f"{s['stage']}: {s['seconds']:.2f} s" for s in stages), sep="\n")
    plot(rows, args.out / "palette_speed.png")
    summary(rows)


def _number(text: str) -> object:
    """A CSV field back as int or float when it is one."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def summary(rows: list[dict]) -> None:
    """Print the ratios the issue asks for."""
    by = {(r["image"], r["method"]): r for r in rows}
    if (BIG, "fast") in by and (BIG, "reference") in by:
        f, ref = by[BIG, "fast"], by[BIG, "reference"]
        print(f"big frame: fast is {ref['seconds'] / f['seconds']:.0f} x faster than the reference in wall time, "
              f"{ref['cpu_seconds'] / f['cpu_seconds']:.0f} x in CPU time; "
              f"Delta E 2000 {f['delta_e2000'] / ref['delta_e2000'] - 1:+.1%}, "
              f"Delta E 76 {f['delta_e76'] / ref['delta_e76'] - 1:+.1%}; peak {f['peak_mb']:.0f} MB "
              f"(reference {ref['peak_mb']:.0f} MB)")
    small = [n for n in PHOTOS if (n, "fast") in by]
    if small:
        size = {n: by[n, "fast"]["height"] * by[n, "fast"]["width"] for n in small}
        web = [n for n in small if size[n] <= 768 * 512]
        if web:
            slowest = max(web, key=lambda n: by[n, "fast"]["seconds"])
            print(f"photos of at most 768 x 512 pixels ({len(web)}): slowest fast palette "
                  f"{by[slowest, 'fast']['seconds'] * 1000:.1f} ms wall ({slowest}; target 20 ms), median "
                  f"{np.median([by[n, 'fast']['seconds'] for n in web]) * 1000:.1f} ms")
        for n in small:
            if size[n] > 768 * 512:
                print(f"  larger photo {n} ({by[n, 'fast']['height']} x {by[n, 'fast']['width']}): "
                      f"{by[n, 'fast']['seconds'] * 1000:.1f} ms")
        for other in ("kmeans_all", "reference", "pil_mediancut", "pil_octree"):
            pairs = [(by[n, "fast"]["delta_e76"], by[n, other]["delta_e76"]) for n in small if (n, other) in by]
            if pairs:
                rel = [a / b - 1 for a, b in pairs]
                print(f"  Delta E 76 vs {other}: mean {np.mean(rel):+.2%}, worst {max(rel):+.2%}")


if __name__ == "__main__":
    main()
