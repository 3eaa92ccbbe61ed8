"""The command line with films: every format, the barcode, frames and scenes files, bad and short films, several
films, and ``--dask local``; real processes on films made by :mod:`kpalette.synth`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kpalette.synth import Shot, make_film, stills


def kpalette(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kpalette", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pics = stills(["coffee", "rocket", "astronaut"])
    folder = tmp_path_factory.mktemp("films")
    make_film(folder / "one.mp4", [Shot(pics["coffee"], 3.0), Shot(pics["rocket"], 3.0), Shot(pics["astronaut"], 3.0)],
              size=(256, 144), fps=8)
    make_film(folder / "two.mkv", [Shot(pics["astronaut"], 4.0)], size=(256, 144), fps=8)
    return folder


def test_a_film_gives_its_palette_and_its_files(films: Path, tmp_path: Path) -> None:
    done = kpalette(str(films / "one.mp4"), "-k", "5", "--format", "json", "--barcode", str(tmp_path / "b.png"),
                    "--frames", str(tmp_path / "f.csv"), "--scenes", str(tmp_path / "s.json"))
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["colors"]) == 5
    assert Image.open(tmp_path / "b.png").size == (9, 200)          # one column per second of film
    rows = list(csv.reader(open(tmp_path / "f.csv")))
    assert rows[0] == ["time", *(f"hex{i}" for i in range(1, 6)), *(f"share{i}" for i in range(1, 6))]
    assert [r[0] for r in rows[1:]] == [f"{t}.000" for t in range(9)]
    assert all(abs(sum(float(v) for v in r[6:]) - 1) < 1e-5 for r in rows[1:])
    scenes = json.loads((tmp_path / "s.json").read_text())
    assert [(s["start"], s["end"]) for s in scenes] == [(0.0, 3.0), (3.0, 6.0), (6.0, 9.0)]
    assert set(scenes[0]["colors"][0]) == {"hex", "proportion"}


def test_the_same_film_gives_the_same_bytes(films: Path) -> None:
    a = kpalette(str(films / "one.mp4"), "--format", "gpl", "--every-frame")
    b = kpalette(str(films / "one.mp4"), "--format", "gpl", "--every-frame")
    assert a.returncode == 0 and a.stdout == b.stdout


def test_barcode_style_and_height(films: Path, tmp_path: Path) -> None:
    done = kpalette(str(films / "two.mkv"), "--every-frame", "--barcode", str(tmp_path / "m.png"),
                    "--barcode-style", "mean", "--barcode-height", "30")
    assert done.returncode == 0, done.stderr
    image = np.asarray(Image.open(tmp_path / "m.png"))
    assert image.shape == (30, 32, 3) and np.all(image == image[:1])   # one colour per column


def test_a_film_cut_short_warns_once_and_succeeds(films: Path, tmp_path: Path) -> None:
    data = (films / "one.mp4").read_bytes()
    short = tmp_path / "short.mp4"
    short.write_bytes(data[: len(data) // 2])
    done = kpalette(str(short), "--format", "hex")
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpalette: warning: ") and "stops at" in lines[0]
    assert len(done.stdout.split()) == 8


@pytest.mark.parametrize("content", [b"", b"not a film at all\n" * 10])
def test_a_bad_film_is_one_line_and_exit_1(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    done = kpalette(str(bad), "--scenes", str(tmp_path / "s.json"))
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("kpalette: error: ")
    assert not (tmp_path / "s.json").exists()


def test_a_film_without_its_extension_is_known_by_its_content(films: Path, tmp_path: Path) -> None:
    plain = tmp_path / "film"
    plain.write_bytes((films / "one.mp4").read_bytes())
    done = kpalette(str(plain), "--format", "hex")
    assert done.returncode == 0 and len(done.stdout.split()) == 8


def test_film_options_on_an_image_are_refused(tmp_path: Path) -> None:
    frame = Path(__file__).resolve().parents[1] / "pics" / "bunny.png"
    done = kpalette(str(frame), "--barcode", str(tmp_path / "b.png"))
    assert done.returncode == 1 and "for films" in done.stderr


def test_several_films_as_json_lines_and_in_a_folder(films: Path, tmp_path: Path) -> None:
    done = kpalette(str(films / "one.mp4"), str(films / "two.mkv"), "--format", "json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(line)["image"] for line in lines] == [str(films / "one.mp4"), str(films / "two.mkv")]
    out = tmp_path / "out"
    done = kpalette(str(films), "--format", "css", "--out-dir", str(out), "--scenes", "json")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["one.css", "one.scenes.json", "two.css", "two.scenes.json"]


def test_usage_errors_exit_2(films: Path) -> None:
    assert kpalette(str(films / "one.mp4"), "--fps", "0").returncode == 2
    assert kpalette(str(films / "one.mp4"), "--every-frame", "--keyframes").returncode == 2


def test_dask_local_gives_the_same_bytes(films: Path, tmp_path: Path) -> None:
    alone = kpalette(str(films / "one.mp4"), str(films / "two.mkv"), "--format", "json", "--every-frame")
    on_cluster = kpalette(str(films / "one.mp4"), str(films / "two.mkv"), "--format", "json", "--every-frame",
                          "--dask", "local")
    assert on_cluster.returncode == 0, on_cluster.stderr
    assert on_cluster.stdout == alone.stdout
