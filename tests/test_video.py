"""Reading films: sampling, times, scaling, and one clear sentence (or one warning) for bad or short files.

The films are made here by :mod:`kpalette.synth` (pans over the shipped stills, known cuts and fades) and by
PyAV itself (an audio-only file); the book's clip is used as it is.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kpalette import KPaletteError
from kpalette.synth import Shot, make_film, stills
from kpalette.video import TruncatedVideoWarning, analysis_size, probe, read_frames

CLIP = Path(__file__).resolve().parents[1] / "pics" / "bigbuckbunny.mp4"


@pytest.fixture(scope="session")
def film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """A 10-second 320 x 180 film at 12 frames per second: a fade at 3 s, cuts at 6 s and 8 s."""
    pics = stills(["coffee", "rocket", "astronaut", "chelsea"])
    shots = [Shot(pics["coffee"], 3.0), Shot(pics["rocket"], 3.0, fade_in=1.0, pan=(0.2, 1.0)),
             Shot(pics["astronaut"], 2.0), Shot(pics["chelsea"], 2.0, pan=(-1.0, 0.0))]
    path = tmp_path_factory.mktemp("films") / "test.mp4"
    transitions = make_film(path, shots, size=(320, 180), fps=12, gop=12)
    return path, transitions


def test_the_test_film_has_the_transitions_it_was_made_with(film: tuple[Path, list]) -> None:
    _, transitions = film
    assert [(t.kind, t.start, t.end) for t in transitions] == [("fade", 2.5, 3.5), ("cut", 6.0, 6.0),
                                                               ("cut", 8.0, 8.0)]


def test_probe_reads_the_container(film: tuple[Path, list]) -> None:
    info = probe(film[0])
    assert (info.width, info.height, info.fps, info.codec) == (320, 180, 12.0, "h264")
    assert info.duration == pytest.approx(10.0, abs=0.1)
    assert info.frames == 120


def test_one_frame_per_second_by_default(film: tuple[Path, list]) -> None:
    frames = list(read_frames(film[0]))
    assert [f.time for f in frames] == [float(s) for s in range(10)]
    assert all(f.image.shape == (136, 240, 3) and f.image.dtype == np.uint8 for f in frames)   # at most 240 px


def test_every_frame_and_other_rates(film: tuple[Path, list]) -> None:
    every = [f.time for f in read_frames(film[0], every_frame=True)]
    assert len(every) == 120 and every == sorted(every)
    assert np.allclose(np.diff(every), 1 / 12)
    assert [f.time for f in read_frames(film[0], fps=0.25)] == [0.0, 4.0, 8.0]
    half = [f.time for f in read_frames(film[0], fps=2)]
    assert len(half) == 20 and half[:3] == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("rate", [1, 2, 5])
def test_frames_skipped_by_the_decoder_are_never_the_ones_taken(film: tuple[Path, list], rate: int) -> None:
    # at F frames per second the decoder skips non-reference frames that cannot be the first of their interval;
    # the frames taken must be exactly those of a full decode, first frame of each interval
    every = list(read_frames(film[0], every_frame=True, max_side=240))
    firsts: dict[int, object] = {}
    for f in every:
        firsts.setdefault(int(round(f.time * 12)) * rate // 12, f)
    taken = list(read_frames(film[0], fps=rate, max_side=240))
    assert [f.time for f in taken] == [f.time for f in firsts.values()]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(taken, firsts.values()))


def test_keyframes_skips_the_other_frames(film: tuple[Path, list]) -> None:
    keys = list(read_frames(film[0], keyframes=True))
    assert all(f.key for f in keys)
    assert 5 <= len(keys) <= 20   # a key frame every second (gop=12), and more at cuts if the encoder adds them
    assert keys[0].time == 0.0


def test_every_frame_is_read_smaller_by_default(film: tuple[Path, list]) -> None:
    assert next(read_frames(film[0])).image.shape == (136, 240, 3)                    # DEFAULT_SIDE
    assert next(read_frames(film[0], every_frame=True)).image.shape == (90, 160, 3)   # EVERY_FRAME_SIDE
    assert next(read_frames(film[0], keyframes=True)).image.shape == (136, 240, 3)


def test_frames_are_scaled_down_in_ffmpeg_keeping_the_shape() -> None:
    frame = next(read_frames(CLIP, max_side=320))
    assert frame.image.shape == (180, 320, 3)
    assert next(read_frames(CLIP, max_side=None)).image.shape == (720, 1280, 3)
    assert analysis_size(1920, 1080, 480) == (480, 270)
    assert analysis_size(1080, 1920, 480) == (270, 480)
    assert analysis_size(300, 200, 480) == (300, 200)   # never enlarged


def test_a_segment_takes_the_frames_a_full_read_takes_there(film: tuple[Path, list]) -> None:
    whole = [f for f in read_frames(film[0], fps=2) if 3.0 <= f.time < 7.0]
    part = list(read_frames(film[0], fps=2, start=3.0, end=7.0))
    assert [f.time for f in part] == [f.time for f in whole]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(part, whole))


def test_the_clip_frame_matches_the_book_frame() -> None:
    from kpalette import load_image

    frame = [f for f in read_frames(CLIP, every_frame=True, max_side=None)][66]
    assert frame.time == pytest.approx(2.64)
    assert np.array_equal(frame.image, load_image(CLIP.parent / "bunny.png"))


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"", "the file is empty"),
    (b"this is a text file, not a film\n" * 20, "not a video file"),
])
def test_bad_files_raise_one_sentence(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "film.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KPaletteError, match=message) as info:
        list(read_frames(path))
    assert "\n" not in str(info.value)


def test_a_directory_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(KPaletteError, match="is a directory"):
        probe(tmp_path)


def test_a_file_without_video_says_so(tmp_path: Path) -> None:
    import av

    path = tmp_path / "sound.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(KPaletteError, match="has no video stream"):
        list(read_frames(path))


def test_a_damaged_file_raises(tmp_path: Path, film: tuple[Path, list]) -> None:
    data = bytearray(film[0].read_bytes())
    rng = np.random.default_rng(0)
    data[:4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()   # the header and index are gone
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(data))
    with pytest.raises(KPaletteError):
        list(read_frames(path))


def test_a_film_cut_short_gives_what_it_has_and_one_warning(tmp_path: Path, film: tuple[Path, list]) -> None:
    data = film[0].read_bytes()
    path = tmp_path / "short.mp4"
    path.write_bytes(data[: len(data) * 6 // 10])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frames = list(read_frames(path))
    short = [w for w in caught if issubclass(w.category, TruncatedVideoWarning)]
    assert len(short) == 1
    assert 2 <= len(frames) < 10
    stopped = short[0].message.stopped_at   # type: ignore[union-attr]   # the last frame decoded
    assert frames[-1].time <= stopped < frames[-1].time + 1
    assert f"stops at {stopped:.1f} s of 10.0 s" in str(short[0].message)


def test_a_whole_film_gives_no_warning(film: tuple[Path, list]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(read_frames(film[0], every_frame=True))) == 120


def test_sampling_arguments_are_checked(film: tuple[Path, list]) -> None:
    with pytest.raises(KPaletteError, match="positive"):
        list(read_frames(film[0], fps=0))
    with pytest.raises(KPaletteError, match="not both"):
        list(read_frames(film[0], every_frame=True, keyframes=True))
    with pytest.raises(KPaletteError, match="max_side"):
        list(read_frames(film[0], max_side=1))
