"""The fast method: right answers, same answers, little memory (no timing here: see benchmarks/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette import fast
from kpalette.fast import (ColourTable, bin_lab, colour_codes, colour_table, decode, fast_centers, kmeans_pp, lloyd,
                           nearest, table_centers)

ROOT = Path(__file__).resolve().parents[1]
ROCKET = ROOT / "pics" / "rocket.jpg"
COFFEE = ROOT / "pics" / "coffee.png"
BUNNY = ROOT / "pics" / "bunny.png"


@pytest.fixture(scope="module")
def rocket() -> np.ndarray:
    return kpalette.load_image(ROCKET)


@pytest.fixture(scope="module")
def coffee() -> np.ndarray:
    return kpalette.load_image(COFFEE)


def mean_delta_e(image: np.ndarray, palette: kpalette.Palette, formula: str) -> float:
    return kpalette.delta_e(image, kpalette.quantize(image, palette), formula=formula)


@pytest.mark.parametrize("name", ["rocket", "coffee"])
def test_fast_palette_is_as_good_as_the_reference(name: str, request: pytest.FixtureRequest) -> None:
    image = request.getfixturevalue(name)
    fast = kpalette.extract_palette(image, 8, method="fast")
    reference = kpalette.extract_palette(image, 8, method="minibatch")
    assert len(fast) == 8
    for formula in ("76", "2000"):
        ours, theirs = mean_delta_e(image, fast, formula), mean_delta_e(image, reference, formula)
        assert ours <= 1.03 * theirs, f"{name}: Delta E {formula} {ours:.3f} vs reference {theirs:.3f}"


def test_lookup_labels_equal_brute_force_nearest_centres(rocket: np.ndarray, coffee: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    for image in (rocket, coffee):
        for space in ("lab", "rgb"):
            palette = kpalette.extract_palette(image, 8, space=space)
            labels = kpalette.assign(image, palette).reshape(-1)
            pick = rng.choice(labels.size, size=20_000, replace=False)
            pixels = image.reshape(-1, 3)[pick]
            points = kpalette.rgb_to_lab(pixels) if space == "lab" else pixels.astype(np.float64)
            brute = ((points[:, None, :] - palette.centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
            np.testing.assert_array_equal(labels[pick], brute)
            quantized = kpalette.quantize(image, palette).reshape(-1, 3)
            np.testing.assert_array_equal(quantized[pick], palette.rgb[brute])


def test_shares_match_the_labels(rocket: np.ndarray) -> None:
    palette = kpalette.extract_palette(rocket, 8)
    labels = kpalette.assign(rocket, palette)
    shares = np.bincount(labels.ravel(), minlength=len(palette)) / labels.size
    # the fast method counts shares per 6-bit bin (a bin on a border goes whole to one side), so they may
    # differ from the exact labels' shares, but by less than one and a half percentage points (1.15 here)
    np.testing.assert_allclose(palette.proportions, shares, atol=1.5e-2)
    assert np.all(np.diff(palette.proportions) <= 0)


def test_same_input_and_seed_give_the_same_palette(rocket: np.ndarray) -> None:
    a = kpalette.extract_palette(rocket, 8, seed=7)
    b = kpalette.extract_palette(rocket.copy(), 8, seed=7)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.proportions, b.proportions)


@pytest.mark.parametrize("size", [(400, 600), (1200, 1800)])
def test_same_palette_whatever_the_number_of_threads(size: tuple[int, int]) -> None:
    # byte for byte, with 1, 2 or 8 BLAS/OpenMP threads, and with kpalette's own two counting or sorting
    # threads switched off (a 400 x 600 image is sorted by two threads, a 1200 x 1800 one counted by two)
    code = (
        "import sys, numpy as np, kpalette\n"
        "from PIL import Image\n"
        "from kpalette import fast\n"
        "if sys.argv[1] == 'one':\n"
        "    fast.WORKERS = 1\n"
        f"img = Image.open({str(BUNNY)!r}).convert('RGB')\n"
        f"img = np.asarray(img.resize(({size[1]}, {size[0]}), Image.Resampling.BICUBIC))\n"
        "c, w = fast.fast_centers(img.reshape(-1, 3), 8, seed=3)\n"
        "sys.stdout.write(c.tobytes().hex() + ' ' + w.tobytes().hex())\n"
    )
    results = set()
    for threads, own in (("1", "two"), ("2", "two"), ("8", "two"), ("1", "one")):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", code, own], env=env, capture_output=True, text=True, check=True)
        results.add(out.stdout)
    assert len(results) == 1


def test_weighted_colours_give_the_same_objective_as_pixels(coffee: np.ndarray) -> None:
    # the identity the fast method rests on: summing over pixels = summing over distinct colours x counts
    pixels = coffee.reshape(-1, 3)
    table = colour_table(pixels, bits=8)
    assert table.counts.sum() == len(pixels)
    centres = kpalette.rgb_to_lab(np.array([[40, 20, 10], [160, 80, 40], [240, 230, 220]]))
    _, d_pixels = nearest(kpalette.rgb_to_lab(pixels), centres)
    _, d_colours = nearest(kpalette.rgb_to_lab(table.rgb), centres)
    assert np.isclose(d_pixels.sum(), (table.counts * d_colours).sum(), rtol=1e-9)
    assert len(table) < len(pixels) / 2


def brute_force_table(pixels: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bins, counts and each bin's mean colour (RGB and Lab), the slow obvious way."""
    codes = colour_codes(pixels, bits)
    bins, index, counts = np.unique(codes, return_inverse=True, return_counts=True)
    lab = kpalette.rgb_to_lab(pixels)
    mean_rgb = np.stack([np.bincount(index, weights=pixels[:, j].astype(float)) for j in range(3)], 1) / counts[:, None]
    mean_lab = np.stack([np.bincount(index, weights=lab[:, j]) for j in range(3)], 1) / counts[:, None]
    return bins, counts, mean_rgb, mean_lab


@pytest.mark.parametrize("bits", [8, 7, 5, 2])
def test_colour_table_counts_every_pixel_and_knows_each_bins_mean(rocket: np.ndarray, bits: int) -> None:
    pixels = rocket.reshape(-1, 3)
    table = colour_table(pixels, bits)
    bins, counts, mean_rgb, mean_lab = brute_force_table(pixels, bits)
    np.testing.assert_array_equal(table.codes, bins)
    np.testing.assert_array_equal(table.counts, counts)
    np.testing.assert_allclose(table.rgb, mean_rgb, rtol=0, atol=1e-9)
    if bits == 7:   # the Lab colour of the pixels' mean light: within a hundredth of their mean Lab colour
        assert np.abs(table.lab - mean_lab).max() < 0.02


def test_a_large_image_is_counted_in_bins_only(rocket: np.ndarray) -> None:
    # above MEAN_LIMIT pixels two threads count the bins; their colours are the bins' centres
    big = np.asarray(Image.fromarray(rocket).resize((1800, 1200), Image.Resampling.BICUBIC)).reshape(-1, 3)
    assert len(big) >= fast.MEAN_LIMIT
    table = colour_table(big)
    bins, counts = np.unique(colour_codes(big, 7), return_counts=True)
    np.testing.assert_array_equal(table.codes, bins)
    np.testing.assert_array_equal(table.counts, counts)
    assert table.low_sums is None
    np.testing.assert_array_equal(table.rgb, decode(table.codes, 7))
    # every pixel lies within half a level of its bin's centre colour
    centre = table.rgb[np.searchsorted(table.codes, colour_codes(big, 7))]
    assert np.abs(centre - big).max() <= 0.5


def test_sorting_by_two_threads_gives_the_one_sorted_order() -> None:
    codes = np.random.default_rng(0).integers(0, 1 << 24, size=3 * fast._THREADED + 7, dtype=np.uint32)
    expected = np.sort(codes)
    fast._sort(codes)
    np.testing.assert_array_equal(codes, expected)


def test_fewer_colours_than_k_come_back_as_they_are() -> None:
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    image[:, 5:] = (200, 30, 30)
    palette = kpalette.extract_palette(image, 8)
    assert sorted(palette.hex) == ["#000000", "#c81e1e"]
    centers, weights = fast_centers(image.reshape(-1, 3), 8)
    assert len(centers) == 2 and weights.sum() == 100


def test_colours_that_share_bins_are_clustered_exactly() -> None:
    # 16 distinct colours but only 2 bins of 7 bits: the bins would hide colours, so exact colours are used
    levels = np.array([[r, g, b] for r in (100, 101) for g in (50, 51) for b in (20, 21)], dtype=np.uint8)
    pixels = np.concatenate([levels, levels + np.uint8(100)]).repeat(5, axis=0)
    centers, weights = fast_centers(pixels, 3, space="rgb")
    assert len(centers) == 3 and weights.sum() == len(pixels)
    # a converged k-means of the exact pixels: each centre is the mean of the pixels nearest to it
    labels, _ = nearest(pixels.astype(np.float64), centers)
    for j in range(3):
        np.testing.assert_allclose(centers[j], pixels[labels == j].mean(axis=0))


def test_no_float_copy_of_the_whole_image(rocket: np.ndarray) -> None:
    # the frame size of the issue, 2400 x 3600: a float64 copy alone would take 207 MB
    big = np.asarray(Image.fromarray(rocket).resize((3600, 2400), Image.Resampling.BICUBIC))
    pixels = big.reshape(-1, 3)
    tracemalloc.start()
    fast_centers(pixels, 8)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    float64_copy = pixels.size * 8
    assert peak < float64_copy, f"peak {peak / 2**20:.0f} MB, a float64 copy is {float64_copy / 2**20:.0f} MB"


@pytest.mark.parametrize("bits", [5, 7, 8])
def test_bin_lab_is_rgb_to_lab_of_the_bin_centres(bits: int) -> None:
    codes = np.arange(0, 1 << (3 * bits), 7 if bits < 8 else 251)   # every 7th (or 251st) bin, black and white too
    codes = np.union1d(codes, [0, (1 << (3 * bits)) - 1])
    np.testing.assert_allclose(bin_lab(codes, bits), kpalette.rgb_to_lab(decode(codes, bits)), rtol=0, atol=5e-4)


def test_lloyd_runs_each_set_as_if_it_ran_alone(coffee: np.ndarray) -> None:
    # sets side by side stop one by one; each must end exactly where it would have ended on its own
    table = colour_table(coffee.reshape(-1, 3), bits=4)
    starts = kmeans_pp(table.lab, table.counts, 6, np.random.default_rng(5), runs=4)
    together = lloyd(table.lab, table.counts, starts, max_iter=30)
    n_iters = []
    for i in range(4):
        alone = lloyd(table.lab, table.counts, starts[i : i + 1], max_iter=30)
        np.testing.assert_array_equal(together[0][i], alone[0][0])
        np.testing.assert_array_equal(together[1][i], alone[1][0])
        assert together[2][i] == alone[2][0]
        n_iters.append(alone[3])
    assert together[3] == max(n_iters) and min(n_iters) < max(n_iters)   # they did stop at different steps


def test_lloyd_reaches_a_fixed_point(coffee: np.ndarray) -> None:
    table = colour_table(coffee.reshape(-1, 3), bits=5)
    points, weights = table.lab, table.counts
    starts = kmeans_pp(points, weights, 8, np.random.default_rng(1))
    centers, labels, inertia, n_iter = lloyd(points, weights, starts, max_iter=300, tol=0.0)
    assert n_iter < 300
    # labels are the nearest centres, and every centre is the weighted mean of its points
    np.testing.assert_array_equal(labels[0], nearest(points, centers[0])[0])
    for j in range(8):
        mine = labels[0] == j
        np.testing.assert_allclose(centers[0, j], np.average(points[mine], axis=0, weights=weights[mine]))
    d2 = ((points - centers[0][labels[0]]) ** 2).sum(axis=1)
    assert np.isclose(inertia[0], (weights * d2).sum(), rtol=1e-5)


def test_each_fast_centre_is_the_mean_of_its_bins(rocket: np.ndarray) -> None:
    # the last step of the fast method: shares from the 6-bit bins, each centre the weighted mean of its bins
    centers, weights = fast_centers(rocket.reshape(-1, 3), 8)
    table = colour_table(rocket.reshape(-1, 3), fast.TABLE_BITS)
    labels, _ = nearest(table.lab, centers)   # nearest to the centres *before* the last move, mostly the same
    for j in range(len(centers)):
        mine = labels == j
        assert abs(table.counts[mine].sum() - weights[j]) <= 0.01 * weights.sum()
        mean = np.average(table.lab[mine], axis=0, weights=table.counts[mine])
        assert np.sqrt(((mean - centers[j]) ** 2).sum()) < 0.5   # Delta E 76 below half a unit


def test_lloyd_stops_by_scikit_learns_convergence_test(coffee: np.ndarray) -> None:
    # a set stops after the first step whose centres' squared moves add up to at most tol
    table = colour_table(coffee.reshape(-1, 3), bits=5)
    points, weights = table.lab, table.counts
    start = kmeans_pp(points, weights, 6, np.random.default_rng(2))
    tol = 0.05
    _, _, _, n_iter = lloyd(points, weights, start, max_iter=300, tol=tol)
    assert 1 < n_iter < 300
    before = lloyd(points, weights, start, max_iter=n_iter - 2)[0] if n_iter > 2 else start
    last_but_one = lloyd(points, weights, start, max_iter=n_iter - 1)[0]
    last = lloyd(points, weights, start, max_iter=n_iter)[0]
    assert ((last - last_but_one) ** 2).sum() <= tol < ((last_but_one - before) ** 2).sum()


def full_kmeans_objective(table: ColourTable, k: int = 8) -> float:
    """Full k-means (scikit-learn, ten starts) on the exact weighted colours: the same objective as on every
    pixel, per pixel."""
    from sklearn.cluster import KMeans
    lab = kpalette.rgb_to_lab(table.rgb)
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(lab, sample_weight=table.counts)
    return model.inertia_ / table.counts.sum()


@pytest.mark.parametrize("picture", ["low contrast", "tiny accents"])
def test_fast_method_finds_the_minimum_full_kmeans_finds_on_hard_pictures(picture: str) -> None:
    # two of the pictures where the first fast method stopped in a clearly worse local minimum (7.8 % and
    # 3.6 % above full k-means): a low-contrast crop of the retina photo, whose coarse bins were too few to
    # show its structure, and flat areas with tiny vivid accents
    if picture == "low contrast":
        import skimage.data
        retina = skimage.data.retina()
        h, w = retina.shape[:2]
        image = retina[h // 4:h // 4 + h // 2, w // 4:w // 4 + w // 2]
    else:
        rng = np.random.default_rng(11)
        image = np.empty((360, 480, 3))
        image[:, :] = (205, 190, 160)
        image[120:, :240] = (70, 75, 85)
        image[200:, 240:] = (110, 115, 60)
        image += rng.normal(0, 2.5, image.shape)
        for colour in ((230, 20, 30), (20, 200, 230), (240, 30, 200), (250, 220, 0)):
            for _ in range(12):
                y, x = rng.integers(0, 357), rng.integers(0, 477)
                image[y:y + 3, x:x + 3] = colour
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(image).reshape(-1, 3)
    exact = colour_table(pixels, bits=8)
    centers, _ = fast_centers(pixels, 8)
    _, d2 = nearest(kpalette.rgb_to_lab(exact.rgb), centers)
    ours = (exact.counts * d2).sum() / exact.counts.sum()
    assert ours <= 1.01 * full_kmeans_objective(exact)


def test_a_summed_table_without_means_is_clustered_too(coffee: np.ndarray) -> None:
    # tables built elsewhere (a film's counts summed over frames) carry counts only: bins stand at their centres
    table = colour_table(coffee.reshape(-1, 3))
    plain = ColourTable(table.codes, table.counts, table.bits)
    centers, weights = table_centers(plain, 8)
    assert len(centers) == 8 and weights.sum() == table.counts.sum()
    np.testing.assert_array_equal(plain.lab, bin_lab(table.codes, 7))
    for bits in (6, 4):   # coarser tables (a film's frames are clustered on 6-bit bins) have fewer levels
        coarse = colour_table(coffee.reshape(-1, 3), bits)
        centers, weights = table_centers(ColourTable(coarse.codes, coarse.counts, bits), 8)
        assert len(centers) == 8 and weights.sum() == coarse.counts.sum()
