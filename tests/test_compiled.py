"""The inner loops in C (kpalette/_ckernels.c): built here, and the same palettes as NumPy alone, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import kpalette
from kpalette import fast
from kpalette.fast import ColourTable, colour_table, fast_centers, kmeans_pp, lloyd, nearest, table_centers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import evalset  # noqa: E402  (the benchmark's evaluation set: real photos, film frames, drawn pictures)


@contextmanager
def numpy_alone() -> Iterator[None]:
    saved = fast.COMPILED
    fast.COMPILED = False
    try:
        yield
    finally:
        fast.COMPILED = saved


def both(func: Callable[[], tuple[np.ndarray, ...]]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """``func()`` with the C loops, then with NumPy alone."""
    with_c = func()
    with numpy_alone():
        without = func()
    return with_c, without


def assert_same_bytes(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


def test_the_c_extension_is_built_in_the_books_environment() -> None:
    # make's virtual environment builds it (pip install -e . with a C compiler); the benchmark's times need it
    assert fast.COMPILED, "kpalette's C extension is missing: run `make venv` (needs a C compiler)"


CASES = evalset.cases()[::9]   # every ninth picture of the evaluation set: photos, crops, film frames, drawings


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_palettes_are_byte_identical_with_and_without_c(case: evalset.Case) -> None:
    pixels = np.ascontiguousarray(case.make()).reshape(-1, 3)
    with_c, without = both(lambda: fast_centers(pixels, 8, seed=42))
    assert_same_bytes(with_c, without)


@pytest.mark.parametrize("space,k,seed", [("rgb", 8, 42), ("lab", 3, 1), ("lab", 16, 7)])
def test_other_spaces_sizes_and_seeds_are_identical_too(space: str, k: int, seed: int) -> None:
    image = kpalette.load_image(ROOT / "pics" / "coffee.png")
    with_c, without = both(lambda: fast_centers(image.reshape(-1, 3), k, space=space, seed=seed))
    assert_same_bytes(with_c, without)


def test_a_film_table_with_one_last_update_is_identical() -> None:
    # the film functions cluster tables of bins at their middles (no low bits), with last_steps=0
    image = kpalette.load_image(ROOT / "pics" / "bunny.png")
    table = colour_table(image.reshape(-1, 3), 7)
    middles = ColourTable(table.codes, table.counts, 7)
    with_c, without = both(lambda: table_centers(middles, 8, seed=3, last_steps=0))
    assert_same_bytes(with_c, without)


@pytest.mark.parametrize("bits", [5, 6, 7])
def test_counting_in_c_gives_the_same_table(bits: int) -> None:
    rng = np.random.default_rng(bits)
    for pixels in (rng.integers(0, 256, (100_003, 3), dtype=np.uint8), np.array([[0, 128, 255]], dtype=np.uint8)):
        with_c, without = both(lambda: (lambda t: (t.codes, t.counts, t.low_sums))(colour_table(pixels, bits)))
        assert_same_bytes(with_c, without)


def test_more_than_256_centres_ties_and_ragged_blocks() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(1_000 + 77, 3)) * 20   # not a whole number of the C loop's blocks of 256
    weights = rng.integers(1, 50, len(points)).astype(np.float64)
    centres = points[rng.choice(len(points), 300, replace=False)][None].repeat(2, axis=0)
    centres[1, 5] = centres[1, 4]   # two equal centres: a tie goes to the lower index, as in NumPy
    with_c, without = both(lambda: nearest(points.astype(np.float32), centres))   # float32: the C loop
    assert_same_bytes(with_c, without)
    assert with_c[0].dtype == np.intp and not (with_c[0][1] == 5).any()
    with_c, without = both(lambda: lloyd(points, weights, centres, max_iter=20))
    assert_same_bytes(with_c[:3], without[:3])
    assert with_c[3] == without[3]
    with_c, without = both(lambda: (kmeans_pp(points, weights, 9, np.random.default_rng(5), runs=4),))
    assert_same_bytes(with_c, without)
    whole = weights.astype(np.int64)   # whole-number weights of another type are converted, not misread
    with_c, without = both(lambda: (kmeans_pp(points, whole, 9, np.random.default_rng(5), runs=4),))
    assert_same_bytes(with_c, without)


def test_kpalette_runs_without_the_extension() -> None:
    # a process where the extension cannot be found: kpalette falls back to NumPy, with the same palette
    script = ("import sys, json; sys.modules['kpalette._ckernels'] = None\n"
              "import kpalette, kpalette.fast as fast\n"
              f"p = kpalette.extract_palette(kpalette.load_image({str(ROOT / 'pics' / 'coffee.png')!r}), 8)\n"
              "print(json.dumps([fast.COMPILED, p.hex, p.lab.tolist(), p.proportions.tolist()]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    compiled, hex_codes, lab, shares = json.loads(done.stdout)
    here = kpalette.extract_palette(kpalette.load_image(ROOT / "pics" / "coffee.png"), 8)
    assert compiled is False
    assert hex_codes == list(here.hex) and lab == here.lab.tolist() and shares == here.proportions.tolist()
