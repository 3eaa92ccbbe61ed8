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
from kpalette.fast import bin_lab, colour_codes, colour_table, decode, fast_centers, kmeans_pp, lloyd, nearest

ROOT = Path(__file__).resolve().parents[1]
ROCKET = ROOT / "pics" / "rocket.jpg"
COFFEE = ROOT / "pics" / "coffee.png"


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
    # the fast method counts shares per 7-bit bin (a bin on a border goes whole to one side), so they may
    # differ from the exact labels' shares, but by less than a percentage point
    np.testing.assert_allclose(palette.proportions, shares, atol=1e-2)
    assert np.all(np.diff(palette.proportions) <= 0)


def test_same_input_and_seed_give_the_same_palette(rocket: np.ndarray) -> None:
    a = kpalette.extract_palette(rocket, 8, seed=7)
    b = kpalette.extract_palette(rocket.copy(), 8, seed=7)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.proportions, b.proportions)


def test_same_palette_whatever_the_number_of_threads() -> None:
    code = (
        "import json, kpalette\n"
        f"img = kpalette.load_image({str(COFFEE)!r})\n"
        "p = kpalette.extract_palette(img, 6, seed=3)\n"
        "print(json.dumps([p.centers.tolist(), p.proportions.tolist()]))\n"
    )
    results = []
    for threads in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
    assert results[0] == results[1]


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


def test_colour_table_counts_every_pixel_in_its_bin(rocket: np.ndarray) -> None:
    pixels = rocket.reshape(-1, 3)
    table = colour_table(pixels, bits=7)
    assert table.counts.sum() == len(pixels)
    # every pixel lies within half a level of its bin's centre colour
    codes = colour_codes(pixels, 7)
    centre = table.rgb[np.searchsorted(table.codes, codes)]
    assert np.abs(centre - pixels).max() <= 0.5


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
    # the last step of the fast method: shares from the 7-bit bins, each centre the weighted mean of its bins
    centers, weights = fast_centers(rocket.reshape(-1, 3), 8)
    table = colour_table(rocket.reshape(-1, 3))
    labels, _ = nearest(table.lab, centers)   # nearest to the centres *before* the last move, mostly the same
    for j in range(len(centers)):
        mine = labels == j
        assert abs(table.counts[mine].sum() - weights[j]) <= 0.01 * weights.sum()
        mean = np.average(table.lab[mine], axis=0, weights=table.counts[mine])
        assert np.sqrt(((mean - centers[j]) ** 2).sum()) < 0.5   # Delta E 76 below half a unit
