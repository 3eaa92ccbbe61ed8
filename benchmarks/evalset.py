"""The evaluation set of the fast method: real images it was never tuned on, split once into two halves.

Every image is made here from files that ship with the installed packages or with the book, or drawn by code;
nothing is downloaded. Each has a unique name and belongs to a *group* (the photo, the second of the film clip
or the synthetic picture it comes from):

- ``photo/NAME``: every colour photo shipped inside the installed wheels (scikit-image's data directory,
  scikit-learn's sample images, Matplotlib's ``mpl-data/sample_data``), as it is;
- ``resize/NAME@1/2``, ``resize/NAME@1/4``: the same photo made smaller (Pillow, Lanczos);
- ``crop/NAME/centre``, ``crop/NAME/corner``: a quarter of the photo at full resolution, from its middle and
  from its lower right corner;
- ``film/NNN@WxH``: every frame of ``pics/bigbuckbunny.mp4`` (132), scaled by FFmpeg while decoding to one of
  three sizes in turn (320 x 180, 480 x 270, 640 x 360), and ``film/NNN@1280x720``: four frames at full size;
- ``graphic/NAME``: the shipped colour images that are not photos (a colour wheel, a drawn present);
- ``synthetic/NAME``: hard cases drawn by code with fixed seeds: smooth gradients, flat colours with tiny vivid
  accents, noise.

The split (:func:`split`) is fixed once: within each kind (photos, film, synthetic and graphic pictures) the
groups are put in the order of the SHA-256 of their names and dealt alternately to the *tuning* half and the
*reporting* half. All the variants of one photo, and all the frames of one second of film, land in the same
half, so the reporting half holds no crop or resize of a photo the method was tuned on. (The film is a single
shot: its seconds look alike, so its frames are never fully independent of each other.)

The quality measure is the mean Delta E 76 from every pixel to its nearest palette colour (in Lab, where
Delta E 76 is the straight-line distance), computed exactly on the image's distinct colours weighted by their
counts (:class:`Colours`). The yardstick is full k-means, ``KMeans(n_clusters=8, n_init=10)`` on every pixel
in Lab (:func:`full_kmeans`); its results are cached in ``results/full_kmeans.csv`` with a fingerprint of the
pixels, and recomputed only for images whose pixels changed, or for all with ``--recompute-reference``.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLIP = ROOT / "pics" / "bigbuckbunny.mp4"
CACHE_CSV = HERE / "results" / "full_kmeans.csv"
K = 8
#: The random state of the full k-means yardstick.
REFERENCE_SEED = 0
#: Sizes the film frames are decoded to, in turn: frame i gets FILM_SIZES[i % 3].
FILM_SIZES = ((320, 180), (480, 270), (640, 360))
#: Frames also kept at full size (1280 x 720).
FULL_FRAMES = (0, 44, 88, 131)
FPS = 25


# ---------------------------------------------------------------------------------------------- sources
def _site(*parts: str) -> Path:
    """A file inside an installed package."""
    import importlib.util
    spec = importlib.util.find_spec(parts[0])
    assert spec is not None and spec.origin is not None, parts[0]
    return Path(spec.origin).parent.joinpath(*parts[1:])


#: Every colour photo inside the installed wheels: name -> path.
PHOTOS: dict[str, tuple[str, ...]] = {
    "astronaut": ("skimage", "data", "astronaut.png"),
    "chelsea": ("skimage", "data", "chelsea.png"),
    "coffee": ("skimage", "data", "coffee.png"),
    "hubble_deep_field": ("skimage", "data", "hubble_deep_field.jpg"),
    "immunohistochemistry": ("skimage", "data", "ihc.png"),
    "motorcycle_left": ("skimage", "data", "motorcycle_left.png"),
    "motorcycle_right": ("skimage", "data", "motorcycle_right.png"),
    "retina": ("skimage", "data", "retina.jpg"),
    "rocket": ("skimage", "data", "rocket.jpg"),
    "china": ("sklearn", "datasets", "images", "china.jpg"),
    "flower": ("sklearn", "datasets", "images", "flower.jpg"),
    "grace_hopper": ("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"),
}
#: Photos of the same scene share a group, so that they land in the same half (a stereo pair).
SAME_SCENE = {"motorcycle_left": "motorcycle", "motorcycle_right": "motorcycle"}
#: Shipped colour images that are drawings, not photos (transparent pixels are put on white).
GRAPHICS: dict[str, tuple[str, ...]] = {
    "colour_wheel": ("skimage", "data", "color.png"),
    "present": ("matplotlib", "mpl-data", "sample_data", "Minduka_Present_Blue_Pack.png"),
}


def _read(parts: tuple[str, ...]) -> np.ndarray:
    from PIL import Image
    with Image.open(_site(*parts)) as im:
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            white = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(white, im)
        return np.asarray(im.convert("RGB"))


def _resize(image: np.ndarray, factor: int) -> np.ndarray:
    from PIL import Image
    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((w // factor, h // factor), Image.Resampling.LANCZOS))


def _crop(image: np.ndarray, where: str) -> np.ndarray:
    h, w = image.shape[:2]
    top, left = ((h // 4, w // 4) if where == "centre" else (h - h // 2, w - w // 2))
    return np.ascontiguousarray(image[top:top + h // 2, left:left + w // 2])


@lru_cache(maxsize=1)
def _film() -> tuple[np.ndarray, ...]:
    """Every frame of the clip, each scaled by FFmpeg while converting to RGB to its size in FILM_SIZES."""
    import av
    out = []
    with av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            w, h = FILM_SIZES[i % len(FILM_SIZES)]
            out.append(frame.to_ndarray(format="rgb24", width=w, height=h))
    return tuple(out)


def full_frames(indices: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Frames of the clip at full size (1280 x 720), decoded in one pass."""
    import av
    out = {}
    with av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in indices:
                out[i] = frame.to_ndarray(format="rgb24")
            if len(out) == len(set(indices)):
                break
    return out


def film_frame(index: int, full: bool = False) -> np.ndarray:
    """Frame ``index`` of the clip: at its size in FILM_SIZES, or at full size (1280 x 720)."""
    return full_frames((index,))[index] if full else _film()[index]


@lru_cache(maxsize=1)
def n_frames() -> int:
    """The number of frames of the clip, from its header (nothing is decoded)."""
    import av
    with av.open(str(CLIP)) as container:
        return container.streams.video[0].frames


# ---------------------------------------------------------------------------------------------- synthetic
def _hsv(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    from matplotlib.colors import hsv_to_rgb
    return np.clip(np.rint(hsv_to_rgb(np.stack(np.broadcast_arrays(h, s, v), axis=-1)) * 255), 0, 255).astype(np.uint8)


def _to_u8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _sky_gradient() -> np.ndarray:
    """A dusk sky: deep blue at the top, through pale violet, to orange at the horizon (smooth, no noise)."""
    t = np.linspace(0, 1, 320)[:, None, None]
    stops = np.array([[20, 40, 110], [150, 130, 190], [250, 150, 60]], dtype=float)
    upper = stops[0] + (stops[1] - stops[0]) * np.clip(2 * t, 0, 1)
    rgb = np.where(t < 0.5, upper, stops[1] + (stops[2] - stops[1]) * np.clip(2 * t - 1, 0, 1))
    return _to_u8(np.broadcast_to(rgb, (320, 480, 3)))


def _hue_lightness() -> np.ndarray:
    """Every hue from left to right, from pale at the top to dark at the bottom."""
    h = np.linspace(0, 1, 480, endpoint=False)[None, :]
    v = np.linspace(1, 0.15, 240)[:, None]
    s = np.linspace(0.25, 1, 240)[:, None]
    return _hsv(h, s, v)


def _radial() -> np.ndarray:
    """A soft spotlight: warm white in the middle, fading to dark teal."""
    y, x = np.mgrid[0:300, 0:300]
    r = np.hypot(x - 150, y - 150) / 212
    inner, outer = np.array([255, 240, 215.0]), np.array([10, 50, 60.0])
    return _to_u8(inner + (outer - inner) * np.clip(r, 0, 1)[..., None] ** 0.8)


def _flat_with_accents(n_accents: int, seed: int) -> np.ndarray:
    """Three large, slightly grainy areas (sand, slate, olive) and ``n_accents`` tiny spots of vivid colours."""
    rng = np.random.default_rng(seed)
    img = np.empty((360, 480, 3))
    img[:, :] = (205, 190, 160)
    img[120:, :240] = (70, 75, 85)
    img[200:, 240:] = (110, 115, 60)
    img += rng.normal(0, 2.5, img.shape)
    vivid = np.array([[230, 20, 30], [20, 200, 230], [240, 30, 200], [250, 220, 0], [40, 220, 60], [60, 40, 240]])
    for i in range(n_accents):
        colour = vivid[i % len(vivid)]
        for _ in range(12):   # twelve 3 x 3 spots of each accent: about 0.06 % of the pixels
            y, x = rng.integers(0, 357), rng.integers(0, 477)
            img[y:y + 3, x:x + 3] = colour
    return _to_u8(img)


def _uniform_noise() -> np.ndarray:
    """Every pixel an independent random colour: no structure at all."""
    return np.random.default_rng(13).integers(0, 256, (200, 300, 3), dtype=np.uint8)


def _blobs() -> np.ndarray:
    """Twelve colours with Gaussian noise, in random patches: more natural clusters than k."""
    rng = np.random.default_rng(14)
    centres = rng.uniform(30, 225, (12, 3))
    labels = rng.integers(0, 12, (12, 16)).repeat(20, axis=0).repeat(20, axis=1)
    return _to_u8(centres[labels] + rng.normal(0, 9, labels.shape + (3,)))


def _clouds() -> np.ndarray:
    """Smooth random colour fields (noise blurred by upscaling), like clouds or out-of-focus light."""
    from PIL import Image
    rng = np.random.default_rng(15)
    small = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((450, 300), Image.Resampling.BICUBIC))


SYNTHETIC: dict[str, Callable[[], np.ndarray]] = {
    "sky_gradient": _sky_gradient,
    "hue_lightness": _hue_lightness,
    "radial_gradient": _radial,
    "flat_with_4_accents": lambda: _flat_with_accents(4, 11),
    "flat_with_6_accents": lambda: _flat_with_accents(6, 12),
    "uniform_noise": _uniform_noise,
    "noisy_blobs": _blobs,
    "clouds": _clouds,
}


# ---------------------------------------------------------------------------------------------- the set
@dataclass(frozen=True)
class Case:
    """One image of the evaluation set."""

    name: str
    group: str    # the source it is made from; the split keeps a group together
    kind: str     # photo, film, synthetic (drawn by code or a shipped drawing)
    make: Callable[[], np.ndarray]


def cases() -> list[Case]:
    """Every image of the evaluation set, in a fixed order."""
    out = []
    for name, parts in PHOTOS.items():
        group = f"photo/{SAME_SCENE.get(name, name)}"
        out.append(Case(f"photo/{name}", group, "photo", lambda p=parts: _read(p)))
        for f in (2, 4):
            out.append(Case(f"resize/{name}@1/{f}", group, "photo", lambda p=parts, f=f: _resize(_read(p), f)))
        for where in ("centre", "corner"):
            out.append(Case(f"crop/{name}/{where}", group, "photo", lambda p=parts, w=where: _crop(_read(p), w)))
    for i in range(n_frames()):
        w, h = FILM_SIZES[i % len(FILM_SIZES)]
        group = f"film/second-{i // FPS}"
        out.append(Case(f"film/{i:03d}@{w}x{h}", group, "film", lambda i=i: film_frame(i)))
        if i in FULL_FRAMES:
            out.append(Case(f"film/{i:03d}@1280x720", group, "film", lambda i=i: film_frame(i, full=True)))
    for name, parts in GRAPHICS.items():
        out.append(Case(f"graphic/{name}", f"graphic/{name}", "synthetic", lambda p=parts: _read(p)))
    for name, draw in SYNTHETIC.items():
        out.append(Case(f"synthetic/{name}", f"synthetic/{name}", "synthetic", draw))
    return out


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def split(all_cases: list[Case]) -> dict[str, str]:
    """The fixed split: name -> "tuning" or "reporting".

    Within each kind, the groups sorted by the SHA-256 of their names go alternately to the tuning half (first)
    and the reporting half, so each kind is shared out evenly and a group is never divided.
    """
    half = {}
    for kind in sorted({c.kind for c in all_cases}):
        groups = sorted({c.group for c in all_cases if c.kind == kind}, key=_hash)
        half.update({g: ("tuning", "reporting")[i % 2] for i, g in enumerate(groups)})
    return {c.name: half[c.group] for c in all_cases}


def select(which: str = "reporting") -> list[Case]:
    """The cases of one half ("tuning" or "reporting"), or "all"."""
    every = cases()
    halves = split(every)
    return [c for c in every if which == "all" or halves[c.name] == which]


def fingerprint(image: np.ndarray) -> str:
    """A short hash of an image's shape and pixels: the cache is valid only for the same pixels."""
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------------------------- quality
class Colours:
    """An image's distinct colours in Lab with their pixel counts: scores any palette exactly and quickly."""

    def __init__(self, image: np.ndarray) -> None:
        import kpalette
        from kpalette.fast import colour_table
        table = colour_table(image.reshape(-1, 3), bits=8)
        self.n_pixels = int(table.counts.sum())
        self.counts = table.counts
        self.lab = kpalette.rgb_to_lab(table.rgb)

    def __len__(self) -> int:
        return len(self.counts)

    def distances(self, centres: np.ndarray) -> np.ndarray:
        """Delta E 76 from each distinct colour to its nearest centre (Lab)."""
        best = np.full(len(self.lab), np.inf)
        for c in np.asarray(centres, dtype=np.float64):
            d = self.lab - c
            np.minimum(best, np.einsum("ij,ij->i", d, d), out=best)
        return np.sqrt(best)

    def mean_delta_e(self, centres: np.ndarray) -> float:
        """Mean Delta E 76 over every pixel to its nearest centre (Lab)."""
        return float((self.counts * self.distances(centres)).sum() / self.n_pixels)

    def inertia(self, centres: np.ndarray) -> float:
        """Mean squared Delta E 76 over every pixel: the quantity k-means makes small, per pixel."""
        return float((self.counts * self.distances(centres) ** 2).sum() / self.n_pixels)


def full_kmeans(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The yardstick: ``KMeans(n_clusters=8, n_init=10)`` on every pixel in Lab. Returns (centres, seconds)."""
    import warnings

    import kpalette
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits
    start = time.perf_counter()
    lab = kpalette.rgb_to_lab(image.reshape(-1, 3))
    # one thread: the same centres on any machine, and no threads spinning against each other on a busy one
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=K, n_init=10, random_state=REFERENCE_SEED).fit(lab)
    return model.cluster_centers_, time.perf_counter() - start


FIELDS = ["name", "group", "kind", "half", "height", "width", "distinct", "fingerprint", "kmeans_de76",
          "kmeans_sq_de76", "kmeans_seconds", "kmeans_centres"]


def read_cache(path: Path = CACHE_CSV) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def write_cache(rows: dict[str, dict], path: Path = CACHE_CSV) -> None:
    order = {c.name: i for i, c in enumerate(cases())}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(sorted(rows.values(), key=lambda r: order.get(r["name"], len(order))))


def reference_rows(which: str = "all", recompute: bool = False, log: Callable[[str], None] = print
                   ) -> Iterator[tuple[Case, np.ndarray, Colours, dict]]:
    """Yield (case, image, colours, cached full k-means row) for the cases of ``which``.

    Full k-means is run only for images missing from the cache or whose pixels changed (or for all when
    ``recompute``); the cache file is rewritten after each such image, so an interrupted run keeps its work.
    """
    cache = read_cache()
    halves = split(cases())
    for case in select(which):
        image = case.make()
        colours = Colours(image)
        fp = fingerprint(image)
        row = cache.get(case.name)
        if recompute or row is None or row["fingerprint"] != fp:
            centres, seconds = full_kmeans(image)
            row = {"name": case.name, "group": case.group, "kind": case.kind, "half": halves[case.name],
                   "height": image.shape[0], "width": image.shape[1], "distinct": len(colours),
                   "fingerprint": fp, "kmeans_de76": f"{colours.mean_delta_e(centres):.6f}",
                   "kmeans_sq_de76": f"{colours.inertia(centres):.6f}", "kmeans_seconds": f"{seconds:.3f}",
                   "kmeans_centres": " ".join(f"{v:.4f}" for v in centres.ravel())}
            cache[case.name] = row
            write_cache(cache)
            log(f"full k-means {case.name}: {seconds:.1f} s, mean dE76 {float(row['kmeans_de76']):.4f}")
        yield case, image, colours, row


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description="List the evaluation set, or fill the full k-means cache.")
    parser.add_argument("--fill", choices=["tuning", "reporting", "all"], help="compute missing full k-means rows")
    parser.add_argument("--recompute-reference", action="store_true")
    args = parser.parse_args()
    if args.fill:
        for _ in reference_rows(args.fill, recompute=args.recompute_reference):
            pass
        return
    every = cases()
    halves = split(every)
    for c in every:
        print(f"{halves[c.name]:9s} {c.kind:9s} {c.group:28s} {c.name}")
    for h in ("tuning", "reporting"):
        print(h, sum(v == h for v in halves.values()))


if __name__ == "__main__":
    main()
