"""A whole film: frame palettes, summed counts, the film palette, cuts and scenes, the barcode, segments.

Films are made by :mod:`kpalette.synth` with known transitions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kpalette
from kpalette import KPaletteError
from kpalette.barcode import barcode
from kpalette.fast import colour_codes, colour_table
from kpalette.film import (ColourCounts, analyse_film, analyse_segment, assemble, film_palette, frame_palette,
                           frame_palettes, palette_of_counts)
from kpalette.scenes import CutDetector, distance
from kpalette.synth import Shot, make_film, stills
from kpalette.video import EVERY_FRAME_SIDE, Sampling, analysis_size, probe, read_frames


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s at 12 fps, 320 x 180: a fade centred on 3 s, cuts at 6 s and 9 s."""
    pics = stills(["coffee", "rocket", "astronaut", "chelsea"])
    shots = [Shot(pics["coffee"], 3.0), Shot(pics["rocket"], 3.0, fade_in=1.0, pan=(0.2, 1.0)),
             Shot(pics["astronaut"], 3.0), Shot(pics["chelsea"], 3.0, pan=(-1.0, 0.0))]
    path = tmp_path_factory.mktemp("film") / "film.mp4"
    make_film(path, shots, size=(320, 180), fps=12, gop=24)
    return path


@pytest.fixture(scope="module")
def whole(film: Path) -> kpalette.film.Film:
    return analyse_film(film, every_frame=True)


def test_every_frame_has_a_time_and_a_palette(whole: kpalette.film.Film) -> None:
    assert len(whole.frames) == 144
    assert np.allclose(whole.times, np.arange(144) / 12)
    assert all(len(f.palette) == 8 and f.mean.shape == (3,) for f in whole.frames)
    shares = [f.palette.proportions for f in whole.frames]
    assert all(np.all(np.diff(s) <= 1e-12) for s in shares)   # largest share first


def test_the_cuts_are_found_and_the_fade_once(whole: kpalette.film.Film) -> None:
    assert len(whole.cuts) == 3
    fade, cut1, cut2 = whole.cuts
    assert 2.5 - 0.25 <= fade <= 3.5 + 0.25
    assert cut1 == pytest.approx(6.0) and cut2 == pytest.approx(9.0)


def test_scenes_cover_the_film_and_have_their_own_palettes(whole: kpalette.film.Film) -> None:
    scenes = whole.scenes
    assert len(scenes) == 4
    assert scenes[0].start == 0.0 and scenes[-1].end == pytest.approx(12.0, abs=0.05)
    assert all(a.end == b.start for a, b in zip(scenes, scenes[1:]))
    assert sum(s.frames for s in scenes) == 144
    assert len({tuple(s.palette.hex) for s in scenes}) == 4
    d = scenes[1].to_dict()
    assert set(d) == {"start", "end", "colors"} and set(d["colors"][0]) == {"hex", "proportion"}


def test_the_film_counts_are_the_sum_of_the_frames_counts(film: Path, whole: kpalette.film.Film) -> None:
    total = np.zeros(1 << 21, dtype=np.int64)
    for frame in read_frames(film, every_frame=True):
        total += np.bincount(colour_codes(frame.image.reshape(-1, 3), 7), minlength=1 << 21)
    assert np.array_equal(total, whole.counts.counts)
    width, height = analysis_size(320, 180, EVERY_FRAME_SIDE)   # the size the film pass reads every frame at
    assert whole.counts.pixels == 144 * width * height
    again = palette_of_counts(whole.counts.table(), 8)
    assert np.array_equal(again.centers, whole.palette.centers)


def test_the_film_palette_is_k_means_on_all_its_pixels(film: Path, whole: kpalette.film.Film) -> None:
    """Same objective: the summed-count palette fits all the pixels as well as the fast method on all of them."""
    pixels = np.concatenate([f.image.reshape(-1, 3) for f in read_frames(film, fps=2)])
    direct = kpalette.extract_palette(pixels.reshape(-1, 1, 3), 8)
    by_counts = film_palette(film, 8, fps=2)

    def error(p: kpalette.Palette) -> float:
        return float(kpalette.delta_e(pixels.reshape(-1, 1, 3), kpalette.quantize(pixels.reshape(-1, 1, 3), p),
                                      formula="76"))

    assert error(by_counts) <= 1.01 * error(direct)


def test_frame_palettes_stream_the_same_palettes(film: Path) -> None:
    streamed = list(frame_palettes(film, fps=2))
    kept = analyse_film(film, fps=2, scenes=False).frames
    assert [f.time for f in streamed] == [f.time for f in kept]
    assert all(np.array_equal(a.palette.centers, b.palette.centers) for a, b in zip(streamed, kept))


def test_a_frame_palette_is_close_to_extract_palette() -> None:
    image = kpalette.load_image(Path(__file__).resolve().parents[1] / "pics" / "bunny.png")
    ours, ref = frame_palette(image), kpalette.extract_palette(image)
    e_ours = kpalette.delta_e(image, kpalette.quantize(image, ours), formula="76")
    e_ref = kpalette.delta_e(image, kpalette.quantize(image, ref), formula="76")
    assert e_ours <= 1.03 * e_ref


def test_segments_give_byte_identical_results(film: Path, whole: kpalette.film.Film) -> None:
    info, sampling = probe(film), Sampling(mode="every")
    bounds = [None, 2.0, 6.0, 7.5, None]
    parts = [analyse_segment(film, sampling=sampling, start=a, end=b, context=7.0)
             for a, b in zip(bounds[:-1], bounds[1:])]
    joined = assemble(info, sampling, parts)
    assert joined.palette.centers.tobytes() == whole.palette.centers.tobytes()
    assert joined.palette.proportions.tobytes() == whole.palette.proportions.tobytes()
    assert joined.cuts == whole.cuts
    assert [(s.start, s.end, s.frames, s.palette.hex) for s in joined.scenes] == \
        [(s.start, s.end, s.frames, s.palette.hex) for s in whole.scenes]
    assert all(a.palette.centers.tobytes() == b.palette.centers.tobytes() for a, b in zip(joined.frames, whole.frames))


def test_colour_counts_merge_exactly_in_any_order() -> None:
    rng = np.random.default_rng(1)
    tables = [colour_table(rng.integers(0, 256, (5000, 3), dtype=np.uint8)) for _ in range(3)]
    a, b = ColourCounts(), ColourCounts()
    for t in tables:
        a.add(t)
    for t in reversed(tables):
        part = ColourCounts()
        part.add(t)
        b.merge(ColourCounts.from_sparse(*part.sparse()))
    assert np.array_equal(a.counts, b.counts) and a.pixels == 15000


def test_the_detector_finds_a_hard_cut_and_keeps_little() -> None:
    a = np.zeros(64, dtype=np.float32)
    a[:8] = 1 / 8
    b = np.zeros(64, dtype=np.float32)
    b[40:48] = 1 / 8
    detector: CutDetector[int] = CutDetector()
    events = []
    for i in range(2000):   # 80 s at 25 frames per second, one cut at 40 s
        events += detector.push(i / 25, a if i < 1000 else b, i)
        assert len(detector._buf) < 100   # only the last few seconds are kept
    events += detector.finish()
    assert [t for kind, t, _ in events if kind == "cut"] == [40.0]
    assert [p for kind, _, p in events if kind == "frame"] == list(range(2000))
    assert distance(a, b) == 1.0 and distance(a, a) == 0.0


def test_barcode_styles(whole: kpalette.film.Film) -> None:
    image = barcode(whole.frames, height=50)
    assert image.shape == (50, 144, 3) and image.dtype == np.uint8
    first = whole.frames[0].palette
    assert tuple(image[0, 0]) == tuple(first.rgb[0])   # the largest share at the top
    mean = barcode(whole.frames, height=10, style="mean")
    assert np.all(mean[:, 5] == whole.frames[5].mean)
    with pytest.raises(KPaletteError, match="style"):
        barcode(whole.frames, style="median")
    with pytest.raises(KPaletteError, match="no frames"):
        barcode([])
    with pytest.raises(KPaletteError, match="height"):
        barcode(whole.frames, height=0)
