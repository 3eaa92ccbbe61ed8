"""Chapter 07's hand-written k-means agrees with scikit-learn.

The functions are taken from the chapter's MyST source itself (read with jupytext): from every code cell we
keep only the imports and the function definitions and run them in a fresh namespace, so the test checks the
code readers see, without running the rest of the notebook.
"""

from __future__ import annotations

import ast
import functools
from types import SimpleNamespace

import jupytext
import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from conftest import ROOT
from kpalette import load_image, rgb_to_lab

CHAPTER = ROOT / "chapters" / "07-kmeans-from-scratch.md"
NAMES = ("sq_dist", "assign", "update", "inertia", "reseed_empty", "kmeans", "kmeans_plus_plus")


def definitions(path=CHAPTER) -> SimpleNamespace:
    """Exec the imports and ``def`` statements of the chapter's code cells; return the functions defined."""
    nb = jupytext.read(path)
    keep: list[ast.stmt] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        keep += [node for node in ast.parse(source).body
                 if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
    namespace: dict[str, object] = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec"), namespace)
    missing = [name for name in NAMES if name not in namespace]
    assert not missing, f"chapter 07 no longer defines {missing}"
    return SimpleNamespace(**{name: namespace[name] for name in NAMES})


@pytest.fixture(scope="module")
def ch() -> SimpleNamespace:
    return definitions()


def relative_gap(ch: SimpleNamespace, X: np.ndarray, start: np.ndarray, max_iter: int = 300) -> float:
    """Relative inertia difference between the chapter's kmeans and scikit-learn's KMeans from ``start``."""
    centres, labels, _ = ch.kmeans(X, len(start), start, max_iter=max_iter)
    ours = ch.inertia(X, centres, labels)
    theirs = KMeans(n_clusters=len(start), init=start, n_init=1, tol=0, max_iter=300).fit(X).inertia_
    return abs(ours - theirs) / theirs


@functools.cache
def frame_pixels() -> np.ndarray:
    """The running frame's pixels as an (n, 3) RGB table, as chapter 7 samples them."""
    return load_image(ROOT / "pics" / "bunny.png").reshape(-1, 3)


def frame_sample(n: int, seed: int) -> np.ndarray:
    """n pixels of the film frame, drawn at random without repeats, in Lab."""
    pixels = frame_pixels()
    return rgb_to_lab(pixels[np.random.default_rng(seed).choice(len(pixels), size=n, replace=False)])


@pytest.mark.parametrize(("k", "seed"), [(3, 1), (6, 2), (9, 3)])
def test_kmeans_matches_sklearn_on_blobs(ch: SimpleNamespace, k: int, seed: int) -> None:
    X, _ = make_blobs(n_samples=800, centers=k, n_features=3, cluster_std=2.5, random_state=seed)
    rng = np.random.default_rng(seed)
    start = X[rng.choice(len(X), size=k, replace=False)]  # plain random start: more rounds to agree on
    assert relative_gap(ch, X, start) < 1e-3


def test_kmeans_matches_sklearn_on_frame_pixels(ch: SimpleNamespace) -> None:
    X = frame_sample(5_000, seed=4)
    start = ch.kmeans_plus_plus(X, 8, np.random.default_rng(4))
    assert relative_gap(ch, X, start) < 1e-3


def test_the_comparison_can_fail(ch: SimpleNamespace) -> None:
    # stopped after one round from a poor start, k-means is far from where scikit-learn ends
    X, _ = make_blobs(n_samples=800, centers=6, cluster_std=1.0, random_state=5)
    start = X[np.argsort(X[:, 0])[:6]]  # six points from the far left edge
    assert relative_gap(ch, X, start, max_iter=1) > 1e-3


def test_empty_cluster_is_reseeded(ch: SimpleNamespace) -> None:
    X, _ = make_blobs(n_samples=400, centers=4, random_state=0)
    start = np.vstack([X[:3], [[1e3, 1e3]]])  # the last centre is far from every point
    centres, labels, _ = ch.kmeans(X, 4, start)
    assert np.isfinite(centres).all()
    assert (np.bincount(labels, minlength=4) > 0).all()
    assert relative_gap(ch, X, start) < 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_plus_plus_returns_k_distinct_data_points(ch: SimpleNamespace, seed: int) -> None:
    X = frame_sample(3_000, seed)  # real pixels: many exact duplicates
    k = 12
    centres = ch.kmeans_plus_plus(X, k, np.random.default_rng(seed))
    assert centres.shape == (k, 3)
    assert len(np.unique(centres, axis=0)) == k
    rows = {tuple(row) for row in X}
    assert all(tuple(c) in rows for c in centres)


def test_kmeans_plus_plus_favours_far_points(ch: SimpleNamespace) -> None:
    # a tight crowd of 1000 points and one lone point far away: D^2 weighting picks the lone point almost
    # surely as the second centre, where a uniform pick would take it about once in a thousand
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.0, 0.1, size=(1000, 3)), [[100.0, 100.0, 100.0]]])
    hits = sum(bool((ch.kmeans_plus_plus(X, 2, np.random.default_rng(s)) == X[-1]).all(axis=1).any())
               for s in range(20))
    assert hits >= 18
