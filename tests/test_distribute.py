"""Films on a real Dask cluster (a ``distributed.LocalCluster`` of two small workers on this machine).

The film palettes must be byte-identical to one process's; the frames' palettes and the cuts the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

from kpalette import KPaletteError  # noqa: E402
from kpalette.distribute import analyse_films, connect, segments  # noqa: E402
from kpalette.film import analyse_film  # noqa: E402
from kpalette.synth import Shot, make_film, stills  # noqa: E402
from kpalette.video import Sampling, probe  # noqa: E402


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    pics = stills(["coffee", "rocket", "astronaut", "chelsea"])
    folder = tmp_path_factory.mktemp("library")
    a, b = folder / "a.mp4", folder / "b.mkv"
    make_film(a, [Shot(pics["coffee"], 4.0), Shot(pics["rocket"], 4.0, fade_in=1.0), Shot(pics["astronaut"], 4.0)],
              size=(256, 144), fps=10)
    make_film(b, [Shot(pics["chelsea"], 5.0), Shot(pics["coffee"], 5.0)], size=(256, 144), fps=10)
    return [a, b]


def test_segments_fall_on_the_sampling_grid(films: list[Path]) -> None:
    info = probe(films[0])
    assert segments(info, Sampling(fps=1.0), 5.0) == [(None, 5.0), (5.0, 10.0), (10.0, None)]
    assert segments(info, Sampling(fps=1.0), 60.0) == [(None, None)]
    with pytest.raises(KPaletteError):
        segments(info, Sampling(), 0)


def test_a_local_cluster_gives_the_single_process_results(films: list[Path]) -> None:
    with connect("local", workers=2, memory="768MiB") as client:
        on_cluster = analyse_films(films, cluster=client, every_frame=True, segment_seconds=3.0)
    for path, film in zip(films, on_cluster):
        alone = analyse_film(path, every_frame=True)
        assert film.palette.centers.tobytes() == alone.palette.centers.tobytes()
        assert film.palette.proportions.tobytes() == alone.palette.proportions.tobytes()
        assert np.array_equal(film.counts.counts, alone.counts.counts)
        assert film.cuts == alone.cuts
        assert [s.palette.hex for s in film.scenes] == [s.palette.hex for s in alone.scenes]
        assert [f.palette.hex for f in film.frames] == [f.palette.hex for f in alone.frames]
    assert len(on_cluster[0].cuts) == 2 and len(on_cluster[1].cuts) == 1


def test_an_unreadable_film_fails_before_any_work(tmp_path: Path, films: list[Path]) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a film\n")
    with pytest.raises(KPaletteError, match="notes.mp4"):
        analyse_films([films[0], bad], cluster="tcp://127.0.0.1:1")   # probed before the cluster is asked


def test_an_unreachable_scheduler_is_one_sentence(films: list[Path]) -> None:
    with pytest.raises(KPaletteError, match="cannot reach the Dask scheduler"):
        analyse_films(films[:1], cluster="tcp://127.0.0.1:1")
