"""The functions the chapters write by hand must not drift from the kpalette functions that replace them.

In the style of Dive into Deep Learning, a chapter first builds a step by hand and later chapters use the
library. These tests take the hand-written functions straight from the chapter sources (the MyST .md files),
run them in a fresh namespace and compare their results with kpalette's on random and edge-case inputs. If
either side changes (say kpalette started writing upper-case hex codes), a test fails and names the chapter.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jupytext
import numpy as np
import pytest

import kpalette
from conftest import ROOT

CH04 = ROOT / "chapters" / "04-lab-colour-space.md"
CH05 = ROOT / "chapters" / "05-clustering.md"
CH06 = ROOT / "chapters" / "06-labels-and-quantization.md"

# What a chapter has imported by the time it defines its functions.
PRELUDE = """
import numpy as np
from skimage.color import lab2rgb, rgb2lab
"""


def is_constant(node: ast.stmt) -> bool:
    """True for an assignment to UPPER_CASE names only, such as ``WHITE_D65 = np.array([...])``."""
    return isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id.isupper() for target in node.targets)


def load_function(chapter: Path, name: str) -> Callable[..., Any]:
    """Find the code cell of ``chapter`` that defines ``name`` and run its imports and definitions.

    Only ``import`` statements, function definitions and constants (assignments to UPPER_CASE names) of that cell
    are executed (not the demo lines that follow a definition), in a namespace that holds nothing but
    :data:`PRELUDE`.
    """
    notebook = jupytext.read(chapter)
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or f"def {name}(" not in cell.source:
            continue
        tree = ast.parse(cell.source)
        keep = [node for node in tree.body
                if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)) or is_constant(node)]
        if any(isinstance(node, ast.FunctionDef) and node.name == name for node in keep):
            found.append(ast.Module(body=keep, type_ignores=[]))
    assert len(found) == 1, f"{chapter.name} should define {name}() in exactly one code cell, found {len(found)}"
    namespace: dict[str, Any] = {}
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    exec(compile(found[0], f"{chapter.name}:{name}", "exec"), namespace)
    return namespace[name]


@pytest.fixture(scope="module")
def hand_srgb_to_lab() -> Callable[..., np.ndarray]:
    return load_function(CH04, "srgb_to_lab")


def test_srgb_to_lab_matches_kpalette(hand_srgb_to_lab: Callable[..., np.ndarray]) -> None:
    """Chapter 4's four steps give kpalette's (that is scikit-image's) Lab, to rounding, on every kind of input."""
    rng = np.random.default_rng(4)
    every_grey = np.repeat(np.arange(256)[:, np.newaxis], 3, axis=1)
    corners = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)])
    inputs = [every_grey, corners, rng.integers(0, 256, size=(2000, 3)), rng.integers(0, 256, size=(7, 9, 3)),
              rng.uniform(0, 255, size=(100, 3)), np.array([10, 200, 30]),
              kpalette.load_image(ROOT / "pics" / "bunny.png")[::8, ::8]]
    for rgb in inputs:
        ours, theirs = hand_srgb_to_lab(rgb), kpalette.rgb_to_lab(rgb)
        assert ours.shape == theirs.shape == np.shape(rgb)
        assert np.abs(ours - theirs).max() < 1e-9, f"chapter 4's srgb_to_lab and kpalette.rgb_to_lab differ on {rgb!r}"


def test_the_lab_check_catches_a_drift() -> None:
    """The comparison above would notice a changed constant, for example the rounded white of another source."""
    drifted = load_function(CH04, "srgb_to_lab")  # a fresh copy, with its own namespace
    drifted.__globals__["WHITE_D65"] = np.array([0.9505, 1.0, 1.089])  # too small a change to see, not to test
    rgb = np.random.default_rng(0).integers(0, 256, size=(200, 3))
    assert np.abs(drifted(rgb) - kpalette.rgb_to_lab(rgb)).max() > 1e-9


def hex_mismatches(ours: Callable[..., list[str]], theirs: Callable[..., list[str]],
                   inputs: list[np.ndarray]) -> list[tuple[Any, list[str], list[str]]]:
    """The inputs on which two hex formatters disagree, with both answers."""
    bad = []
    for rgb in inputs:
        a, b = ours(rgb), theirs(rgb)
        if a != b:
            bad.append((np.asarray(rgb).tolist(), a, b))
    return bad


def hex_inputs() -> list[np.ndarray]:
    """Colours to format: random bytes, random floats, the extremes, halves, a single colour, lists."""
    rng = np.random.default_rng(5)
    return [
        rng.integers(0, 256, size=(50, 3)),
        rng.integers(0, 256, size=(8, 3)).astype(np.uint8),
        rng.uniform(0, 255, size=(50, 3)),
        np.array([[0, 0, 0], [255, 255, 255], [1, 2, 3], [15, 16, 17], [254, 10, 171]]),
        np.array([[0.4, 0.6, 254.6], [127.49, 127.51, 9.5], [-3.0, 300.0, 255.4]]),
        np.array([171, 205, 239]),
        [[255, 128, 0]],
    ]


@pytest.fixture(scope="module")
def hand_to_hex() -> Callable[..., list[str]]:
    return load_function(CH05, "to_hex")


def test_to_hex_matches_kpalette(hand_to_hex: Callable[..., list[str]]) -> None:
    bad = hex_mismatches(hand_to_hex, kpalette.to_hex, hex_inputs())
    assert not bad, f"chapter 5's to_hex and kpalette.to_hex disagree: {bad[:3]}"


def test_to_hex_formats_lower_case_codes(hand_to_hex: Callable[..., list[str]]) -> None:
    codes = hand_to_hex([[171, 205, 239], [0, 0, 0]])
    assert codes == ["#abcdef", "#000000"]
    assert codes == kpalette.to_hex([[171, 205, 239], [0, 0, 0]])


def test_the_hex_check_catches_a_drift() -> None:
    """The comparison above would notice if one side changed, for example to upper case."""

    def upper(rgb: Any) -> list[str]:
        return [code.upper() for code in kpalette.to_hex(rgb)]

    assert hex_mismatches(kpalette.to_hex, upper, hex_inputs())


@pytest.fixture(scope="module")
def hand_palette_bar() -> Callable[..., np.ndarray]:
    return load_function(CH05, "palette_bar")


@pytest.mark.parametrize("k", [1, 2, 5, 8, 13])
def test_palette_bar_matches_kpalette_swatch(hand_palette_bar: Callable[..., np.ndarray], k: int) -> None:
    rng = np.random.default_rng(k)
    rgb = rng.integers(0, 256, size=(k, 3))
    counts = rng.integers(1, 1000, size=k).astype(float)
    counts[rng.random(k) < 0.2] = 0.0  # now and then an empty cluster: a stripe of width zero
    if counts.sum() == 0:
        counts[0] = 1.0
    palette = kpalette.Palette(rgb.astype(float), counts, space="rgb")
    for width, height in [(800, 100), (333, 7), (1, 1)]:
        ours = hand_palette_bar(palette.rgb, palette.proportions, width=width, height=height)
        theirs = kpalette.swatch(palette, width=width, height=height, proportional=True)
        assert ours.shape == theirs.shape == (height, width, 3)
        assert np.array_equal(ours, theirs), f"chapter 5's palette_bar and kpalette.swatch differ for k={k}"


@pytest.fixture(scope="module")
def hand_quantize() -> Callable[..., np.ndarray]:
    return load_function(CH06, "quantize_by_hand")


def check_quantize(hand: Callable[..., np.ndarray], image: np.ndarray, centers: np.ndarray) -> None:
    palette = kpalette.Palette(centers, np.ones(len(centers)), space="lab")
    ours = hand(image, palette.centers)
    theirs = kpalette.quantize(image, palette)
    assert ours.dtype == theirs.dtype == np.uint8
    assert ours.shape == theirs.shape == image.shape
    differ = np.any(ours != theirs, axis=-1)
    assert not differ.any(), (
        f"chapter 6's quantize_by_hand and kpalette.quantize differ on {int(differ.sum())} of {differ.size} pixels"
    )


def test_quantize_matches_kpalette_on_the_frame(hand_quantize: Callable[..., np.ndarray]) -> None:
    image = kpalette.load_image(ROOT / "pics" / "bunny.png")  # the book's running frame, as in chapter 6
    palette = kpalette.extract_palette(image, k=8)
    check_quantize(hand_quantize, image, palette.centers)
    # the result really is quantized: only palette colours appear
    poster = hand_quantize(image, palette.centers)
    assert len(np.unique(poster.reshape(-1, 3), axis=0)) <= len(palette)


def test_quantize_matches_kpalette_on_other_frames(hand_quantize: Callable[..., np.ndarray]) -> None:
    image = kpalette.load_image(ROOT / "pics" / "rocket.jpg")
    palette = kpalette.extract_palette(image, k=8)
    check_quantize(hand_quantize, image, palette.centers)
    image = kpalette.load_image(ROOT / "pics" / "coffee.png")[::2, ::2]
    palette = kpalette.extract_palette(image, k=5)
    check_quantize(hand_quantize, image, palette.centers)


@pytest.mark.parametrize("seed", range(4))
def test_quantize_matches_kpalette_on_random_inputs(hand_quantize: Callable[..., np.ndarray], seed: int) -> None:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=(23, 31, 3), dtype=np.uint8)
    k = int(rng.integers(1, 12))
    # Lab colours, some of them outside what a screen can show (lab2rgb clips them)
    centers = np.column_stack([rng.uniform(0, 100, k), rng.uniform(-100, 100, k), rng.uniform(-100, 100, k)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # skimage notes the clipping; both sides clip alike
        check_quantize(hand_quantize, image, centers)


@pytest.mark.parametrize(
    "image, centers",
    [
        (np.zeros((1, 1, 3), np.uint8), np.array([[0.0, 0.0, 0.0]])),                       # one black pixel
        (np.full((4, 5, 3), 255, np.uint8), np.array([[100.0, 0.0, 0.0], [0.0, 0.0, 0.0]])),  # white frame
        (np.full((3, 3, 3), 200, np.uint8), np.array([[50.0, 0.0, 0.0]])),                     # k = 1
        (np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8),
         np.array([[53.24, 80.09, 67.2], [87.73, -86.18, 83.18], [32.3, 79.19, -107.86]])),    # primaries
    ],
    ids=["one-black-pixel", "white-frame", "single-colour", "primaries"],
)
def test_quantize_matches_kpalette_on_edge_cases(hand_quantize: Callable[..., np.ndarray], image: np.ndarray,
                                                 centers: np.ndarray) -> None:
    check_quantize(hand_quantize, image, centers)



# Chapter 10 fits scikit-learn's models by hand and says they are the ones behind kpalette's methods
# "minibatch" (the reference pipeline) and "kmeans"; its palette_of turns a fitted model into a Palette.
CH10 = ROOT / "chapters" / "10-minibatch-vs-full.md"


@pytest.fixture(scope="module")
def chapter10_models() -> tuple[Callable[..., Any], Callable[..., Any]]:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    functions = load_function(CH10, "model_for"), load_function(CH10, "palette_of")
    for function in functions:  # what the chapter's first code cell imports
        function.__globals__.update(KMeans=KMeans, MiniBatchKMeans=MiniBatchKMeans, kpalette=kpalette)
    return functions


@pytest.mark.parametrize("method", ["minibatch", "kmeans"])
def test_chapter10_models_are_kpalettes_methods(chapter10_models: tuple[Callable[..., Any], Callable[..., Any]],
                                                method: str) -> None:
    model_for, palette_of = chapter10_models
    image = kpalette.load_image(ROOT / "pics" / "bunny.png")[::6, ::6]
    for k, seed in [(8, 42), (5, 7)]:
        ours = palette_of(model_for(method, k=k, seed=seed).fit(kpalette.rgb_to_lab(image.reshape(-1, 3))))
        theirs = kpalette.extract_palette(image, k, method=method, seed=seed)
        assert ours.hex == theirs.hex, f"chapter 10's {method} model and kpalette's differ for k={k}, seed={seed}"
        assert np.allclose(ours.lab, theirs.lab) and np.allclose(ours.proportions, theirs.proportions)


def test_chapter10_model_check_catches_a_drift(chapter10_models: tuple[Callable[..., Any], Callable[..., Any]]
                                               ) -> None:
    """Another batch size (a drift on either side) gives another palette, so the test above would notice."""
    model_for, palette_of = chapter10_models
    image = kpalette.load_image(ROOT / "pics" / "bunny.png")[::6, ::6]
    model = model_for("minibatch")
    model.set_params(batch_size=256)
    ours = palette_of(model.fit(kpalette.rgb_to_lab(image.reshape(-1, 3))))
    assert ours.hex != kpalette.extract_palette(image, 8, method="minibatch").hex
