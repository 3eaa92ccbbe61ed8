"""Properties every palette must have, checked on many small random images (hypothesis).

The images are tiny (at most 6 x 6) and the examples few, so the whole file runs in seconds.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import kpalette

FEW = settings(max_examples=15, deadline=None, derandomize=True)  # the same examples every run

# a few vivid colours, so that images with repeated and saturated (gamut-edge) colours come up often
VIVID = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if draw(st.booleans()):
        return draw(arrays(np.uint8, (h, w, 3)))
    picks = draw(arrays(np.uint8, (h, w), elements=st.integers(0, len(VIVID) - 1)))
    return np.array(VIVID, dtype=np.uint8)[picks]


ks = st.integers(1, 5)
methods = st.sampled_from(kpalette.METHODS)
spaces = st.sampled_from(("lab", "rgb"))


@FEW
@given(images(), ks, methods, spaces)
def test_proportions_sum_to_one(image: np.ndarray, k: int, method: str, space: str) -> None:
    palette = kpalette.extract_palette(image, k, method=method, space=space)
    assert np.all(palette.proportions > 0)
    assert abs(palette.proportions.sum() - 1) < 1e-9


@FEW
@given(images(), ks, methods)
def test_at_most_k_colours_and_no_more_than_the_image_has(image: np.ndarray, k: int, method: str) -> None:
    palette = kpalette.extract_palette(image, k, method=method)
    distinct = len(np.unique(image.reshape(-1, 3), axis=0))
    assert 1 <= len(palette) <= min(k, distinct)


@FEW
@given(images(), ks, methods, spaces)
def test_every_colour_is_in_gamut(image: np.ndarray, k: int, method: str, space: str) -> None:
    """Centres are averages of the image's colours: inside the RGB cube, inside the image's Lab box.

    The fast method averages bins of nearby colours (half a level of 8-bit RGB wide), so its box is widened by
    the most such a bin can move a colour in Lab.
    """
    palette = kpalette.extract_palette(image, k, method=method, space=space)
    if space == "rgb":
        assert np.all(palette.centers >= -1e-9) and np.all(palette.centers <= 255 + 1e-9)
    lab = kpalette.rgb_to_lab(image.reshape(-1, 3))
    slack = 1.5 if method == "fast" else 1e-6
    assert np.all(palette.lab >= lab.min(axis=0) - slack) and np.all(palette.lab <= lab.max(axis=0) + slack)
    # what is shown is a valid 8-bit colour, the same in rgb and hex
    assert palette.rgb.dtype == np.uint8
    assert kpalette.from_hex(palette.hex).tolist() == palette.rgb.tolist()


@FEW
@given(images(), ks, methods)
def test_quantized_image_uses_only_palette_colours(image: np.ndarray, k: int, method: str) -> None:
    palette = kpalette.extract_palette(image, k, method=method)
    poster = kpalette.quantize(image, palette)
    assert poster.shape == image.shape
    assert {tuple(c) for c in poster.reshape(-1, 3)} <= {tuple(c) for c in palette.rgb}


@FEW
@given(images(), ks, methods, st.integers(0, 2**31 - 1))
def test_same_seed_gives_the_same_palette(image: np.ndarray, k: int, method: str, seed: int) -> None:
    first = kpalette.extract_palette(image, k, method=method, seed=seed)
    again = kpalette.extract_palette(image.copy(), k, method=method, seed=seed)
    assert np.array_equal(first.centers, again.centers)
    assert np.array_equal(first.proportions, again.proportions)


@FEW
@given(images(), ks)
def test_every_dtype_of_the_same_image_gives_the_same_palette(image: np.ndarray, k: int) -> None:
    palette = kpalette.extract_palette(image, k)
    for same in (image.astype(np.uint16) * 257, image.astype(np.int64), image / 255.0):
        assert kpalette.extract_palette(same, k) == palette


@FEW
@given(images(), arrays(np.uint8, (6, 6)), ks)
def test_alpha_is_the_mask_of_pixels_at_least_half_opaque(image: np.ndarray, alpha: np.ndarray, k: int) -> None:
    alpha = np.resize(alpha, image.shape[:2])
    visible = alpha >= kpalette.ALPHA_MIN
    if not visible.any():
        return
    rgba = np.dstack([image, alpha])
    assert kpalette.extract_palette(rgba, k) == kpalette.extract_palette(image, k, mask=visible)
    poster = kpalette.quantize(rgba, kpalette.extract_palette(rgba, k))
    assert np.array_equal(poster[:, :, 3], np.where(visible, alpha, 0))


palettes = st.lists(st.tuples(st.integers(0, 0xFFFFFF), st.integers(1, 1000)), min_size=1, max_size=20)


@FEW
@given(palettes, st.sampled_from(("lab", "rgb")))
def test_every_format_reads_back_the_same_colours(colours: list[tuple[int, int]], space: str) -> None:
    palette = kpalette.Palette.from_hex([f"#{c:06x}" for c, _ in colours], [w for _, w in colours], space=space)
    assert kpalette.Palette.from_hex(palette.hex).hex == palette.hex
    for fmt in kpalette.FORMATS:
        written = kpalette.export(palette, fmt, image="frame.png")
        back = kpalette.read_palette(written if isinstance(written, bytes) else written.encode())
        assert back.hex == palette.hex, fmt
        if fmt in ("json", "text"):
            assert back.space == palette.space
