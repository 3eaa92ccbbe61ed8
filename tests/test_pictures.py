"""The animations: the real script draws every picture (small, into a temporary folder), and the committed
pictures in pics/ fit the book's limits."""

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
MAX_GIF_BYTES = 2 * 1024 * 1024
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
    assert path.stat().st_size <= MAX_GIF_BYTES, f"{path.name} is over 2 MB"
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
