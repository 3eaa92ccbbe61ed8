"""The animations: the real script draws every picture (small, into a temporary folder), the committed
pictures in pics/ fit the book's limits, and the k-means animation shows what the book says it shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT

PICS = ROOT / "pics"
SCRIPT = PICS / "make_pictures.py"
GIFS = ["screen-to-pixel", "image-as-grid", "unrolling", "kmeans-at-work", "palette-grows"]
SCALE = 0.25
MAX_GIF_BYTES = 1.25 * 1024 * 1024  # about 1 MB each: the pages stay light
MAX_PICS_BYTES = 15 * 1024 * 1024


def frame_durations(path: Path) -> list[int]:
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(int(im.info["duration"]))
    return durations


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Run the script itself at a quarter of the size; return the folder and the frame counts it reports."""
    out = tmp_path_factory.mktemp("pics")
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}  # one thread: kind to a shared machine
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--scale", str(SCALE)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    reported = {m[1]: int(m[2]) for m in re.finditer(r"^([\w-]+)\.gif: (\d+) frames", done.stdout, re.M)}
    return out, reported


@pytest.mark.parametrize("name", GIFS)
def test_script_draws_the_animation(small_run: tuple[Path, dict[str, int]], name: str) -> None:
    out, reported = small_run
    with Image.open(out / f"{name}.gif") as small, Image.open(PICS / f"{name}.gif") as committed:
        assert small.format == "GIF"
        assert small.is_animated
        # every planned frame is in the file (none merged away), and the story does not depend on the size
        assert small.n_frames == reported[name] == committed.n_frames
        assert small.width <= committed.width * SCALE + 2
        assert small.height <= committed.height * SCALE + 2


def test_script_draws_logo_and_favicon(small_run: tuple[Path, dict[str, int]]) -> None:
    out, _ = small_run
    with Image.open(out / "logo.png") as logo, Image.open(out / "favicon.png") as icon:
        assert logo.mode == "RGBA" and icon.mode == "RGBA"
        assert icon.size == (48, 48)


@pytest.mark.parametrize("name", GIFS)
def test_committed_animation_fits_the_book(name: str) -> None:
    path = PICS / f"{name}.gif"
    assert path.stat().st_size <= MAX_GIF_BYTES, f"{path.name} is over 1.25 MB"
    with Image.open(path) as im:
        assert im.is_animated and im.n_frames >= 10
        assert im.width >= 900, "readable on a projector"
        assert im.info.get("loop") == 0, "plays in a loop"
    durations = frame_durations(path)
    assert durations[-1] == max(durations) >= 3000, "the animation pauses on its last frame"
    assert min(durations) >= 100, "no frame flashes by faster than 10 per second"


def test_pics_folder_stays_small() -> None:
    total = sum(p.stat().st_size for p in PICS.rglob("*") if p.is_file())
    assert total < MAX_PICS_BYTES, f"pics/ holds {total / 2**20:.1f} MB"


def test_committed_logo_and_favicon() -> None:
    with Image.open(PICS / "logo.png") as logo:
        assert logo.mode == "RGBA" and logo.size == (256, 256)
        assert logo.getpixel((0, 0))[3] == 0, "the corners are transparent"
        assert logo.getpixel((128, 128))[3] == 255
    with Image.open(PICS / "favicon.png") as icon:
        assert icon.size == (48, 48)


def test_script_refuses_an_unknown_picture(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--only", "sunset"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'sunset'" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing is drawn when the options are wrong"


def load_script():
    """The picture script as a module (it is a script in pics/, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_pictures", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_pictures"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_kmeans_animation_tells_the_story_the_book_describes() -> None:
    """The k-means animation is a true Lloyd run, and its instructive moment is where the book says it is."""
    import numpy as np

    mp = load_script()
    _, lab, run, migration = mp.kmeans_run()
    moves = run.moves()
    assert run.rounds == 14, "pics/CREDITS.md and the chapters say the centres settle after 14 rounds"
    assert moves[-1].max() <= mp.KMEANS_TOL < moves[-2].max(), "it stops after the first round that moves little"
    inertia = [float(((lab - c[labels]) ** 2).sum()) for c, labels in zip(run.centres, run.labels)]
    assert all(b <= a + 1e-6 for a, b in zip(inertia, inertia[1:])), "Lloyd's steps never raise the inertia"
    for centres, labels in zip(run.centres, run.labels):  # each pixel is coloured by its nearest centre
        assert np.array_equal(labels, mp.nearest_centre(lab, centres))
    # one centre starts in the pale sky and travels to the blue hills, mostly in rounds 3 to 5 (longest in 4)
    assert migration.rounds == [3, 4, 5] and migration.longest_round == 4
    assert migration.start[0] > 85 and migration.end[2] < -25
