"""Many inputs in one call: JSON Lines in input order, folders, --out-dir names, worker processes with the same
bytes as one-at-a-time runs, one line per bad input and a summary, a progress bar only on a terminal, standard
input, and Ctrl-C (a real SIGINT to a real process) that leaves no half-written or temporary file."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette.outputs import TEMP_SUFFIX
from terminal import run_on_terminal

PY = sys.executable


def kpalette_run(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None,
                 ) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run([PY, "-m", "kpalette", *map(str, args)], capture_output=True, env=env, timeout=300,
                          input=stdin, cwd=cwd)


def picture(seed: int, h: int = 24, w: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    img[: h // 2] = rng.integers(0, 256, 3)
    return img


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """frames/a/x.jpg, frames/b/x.png (a name clash), frames/c.png, frames/notes.txt and a hidden file."""
    root = tmp_path_factory.mktemp("shots")
    frames = root / "frames"
    (frames / "a").mkdir(parents=True)
    (frames / "b").mkdir()
    Image.fromarray(picture(1)).save(frames / "a" / "x.jpg", quality=95)
    Image.fromarray(picture(2)).save(frames / "b" / "x.png")
    Image.fromarray(picture(3)).save(frames / "c.png")
    (frames / "notes.txt").write_text("not an image, and not searched for")
    Image.fromarray(picture(4)).save(frames / ".hidden.png")
    Image.fromarray(picture(5)).save(root / "single.png")
    return root


IN_ORDER = ["frames/a/x.jpg", "frames/b/x.png", "frames/c.png"]


def single_json(shots: Path, name: str, *extra: str) -> dict:
    result = kpalette_run(name, "--format", "json", *extra, cwd=shots)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_lines_one_object_per_input_in_input_order(shots: Path) -> None:
    result = kpalette_run("single.png", "frames", "-k", "4", "--format", "json", cwd=shots)
    assert result.returncode == 0 and result.stderr == b""
    lines = result.stdout.decode().splitlines()
    docs = [json.loads(line) for line in lines]
    assert [d["image"] for d in docs] == ["single.png", *IN_ORDER]   # folders sorted, hidden and .txt skipped
    for doc in docs:
        assert doc == single_json(shots, doc["image"], "-k", "4")   # the same palette as a run on its own


def test_worker_processes_give_the_same_bytes_as_one_at_a_time(shots: Path, tmp_path: Path) -> None:
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = kpalette_run("frames", "single.png", "--jobs", jobs, "--format", "gpl", "--out-dir", out,
                              "--swatch", "png", "--quantized", "png", cwd=shots)
        assert result.returncode == 0 and result.stdout == b"" and result.stderr == b""
        runs[jobs] = {p.name: p.read_bytes() for p in out.iterdir()}
        stream = kpalette_run("frames", "single.png", "--jobs", jobs, "--format", "json", cwd=shots)
        runs[jobs]["stream"] = stream.stdout
    assert runs["1"] == runs["2"]
    assert sorted(runs["1"]) == sorted(["stream"] + [f"{stem}.{kind}" for stem in ("a-x", "b-x", "c", "single")
                                                    for kind in ("gpl", "swatch.png", "quantized.png")])
    # and each file is what a run on that one input writes
    alone = tmp_path / "alone"
    alone.mkdir()
    result = kpalette_run("frames/b/x.png", "--format", "gpl", "-o", alone / "x.gpl", "--swatch", alone / "s.png",
                          "--quantized", alone / "q.png", cwd=shots)
    assert result.returncode == 0
    assert (alone / "x.gpl").read_bytes() == runs["1"]["b-x.gpl"]
    assert (alone / "s.png").read_bytes() == runs["1"]["b-x.swatch.png"]
    assert (alone / "q.png").read_bytes() == runs["1"]["b-x.quantized.png"]


def test_text_tables_follow_one_another(shots: Path) -> None:
    result = kpalette_run("frames/c.png", "single.png", "-k", "2", cwd=shots)
    first, second = (kpalette_run(name, "-k", "2", cwd=shots).stdout for name in ("frames/c.png", "single.png"))
    assert result.returncode == 0 and result.stdout == first + b"\n" + second


def test_a_bad_input_gets_its_line_the_others_go_on_and_a_summary_ends(shots: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "empty").mkdir()
    result = kpalette_run(shots / "single.png", tmp_path / "broken.png", tmp_path / "missing.jpg",
                          tmp_path / "empty", shots / "frames" / "c.png", "--format", "json")
    assert result.returncode == 1
    assert [json.loads(line)["image"] for line in result.stdout.decode().splitlines()] == [
        str(shots / "single.png"), str(shots / "frames" / "c.png")]
    err = result.stderr.decode().splitlines()
    assert err[0].startswith(f"kpalette: error: {tmp_path / 'broken.png'}: not an image file kpalette can read")
    assert err[1] == f"kpalette: error: {tmp_path / 'missing.jpg'}: no such file"
    assert err[2].startswith(f"kpalette: error: {tmp_path / 'empty'}: no image files in this folder")
    assert err[3] == "kpalette: error: 3 of 5 inputs failed (2 done)" and len(err) == 4


def test_out_dir_with_a_failure_writes_the_good_ones_only(shots: Path, tmp_path: Path) -> None:
    result = kpalette_run(shots / "single.png", tmp_path / "missing.jpg", "--format", "css", "--prefix", "shot",
                          "--out-dir", tmp_path / "new" / "out")
    assert result.returncode == 1
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == ["single.css"]
    assert "--shot-1: #" in (tmp_path / "new" / "out" / "single.css").read_text()


def test_standard_input_is_read_once(shots: Path) -> None:
    data = (shots / "single.png").read_bytes()
    piped = kpalette_run("-", "-k", "3", "--format", "json", stdin=data)
    alone = single_json(shots, "single.png", "-k", "3")
    assert piped.returncode == 0 and json.loads(piped.stdout) == {**alone, "image": "<stdin>"}
    both = kpalette_run("-", str(shots / "frames" / "c.png"), "-k", "3", "--format", "hex", "--out-dir",
                        shots / "from-stdin", stdin=data)
    assert both.returncode == 0
    assert sorted(p.name for p in (shots / "from-stdin").iterdir()) == ["c.hex", "stdin.hex"]


def test_standard_input_from_a_terminal_is_refused_rather_than_waited_for(shots: Path) -> None:
    main_fd, child_fd = pty.openpty()
    try:
        result = subprocess.run([PY, "-m", "kpalette", "-"], stdin=child_fd, capture_output=True, timeout=60)
    finally:
        os.close(child_fd)
        os.close(main_fd)
    assert result.returncode == 1 and b"standard input is a terminal" in result.stderr


def test_progress_bar_only_on_a_terminal(shots: Path, tmp_path: Path) -> None:
    quiet = kpalette_run("frames", "--out-dir", tmp_path / "q", cwd=shots)
    assert quiet.returncode == 0 and quiet.stderr == b""
    status, shown = run_on_terminal([PY, "-m", "kpalette", "frames", "--out-dir", str(tmp_path / "t"), "--jobs", "1"],
                                    stream="stderr", stdout=subprocess.PIPE, cwd=shots)
    assert status == 0
    assert "kpalette [" in shown and "3/3" in shown and shown.endswith("\r\x1b[K")   # drawn, then cleared


@pytest.mark.parametrize("args, needle", [
    (["frames", "--format", "css"], "--format css with several inputs needs --out-dir DIR"),
    (["single.png", "frames/c.png", "--swatch", "s.png"], "--swatch with several inputs needs --out-dir DIR"),
    (["frames", "--out-dir", "o", "--quantized", "o/q.png"], "with --out-dir, give --quantized a file type"),
    (["frames", "--out-dir", "o", "-o", "all.json"], "-o and --out-dir do not go together"),
    (["-", "-"], "standard input (-) can be read only once"),
    (["single.png", "--prefix", "9lives"], "the CSS prefix must be letters"),
    (["single.png", "--swatch-size", "800"], "expected WIDTHxHEIGHT"),
    (["single.png", "--jobs", "0"], "the number of jobs must be from 1"),
])
def test_usage_errors_exit_2(shots: Path, args: list[str], needle: str) -> None:
    result = kpalette_run(*args, cwd=shots)
    assert result.returncode == 2 and needle in result.stderr.decode(), result.stderr
    assert not (shots / "o").exists()


def test_options_go_before_between_or_after_the_inputs(shots: Path) -> None:
    a = kpalette_run("-k", "3", "single.png", "--format", "json", "frames/c.png", cwd=shots)
    b = kpalette_run("single.png", "frames/c.png", "-k", "3", "--format", "json", cwd=shots)
    assert a.returncode == 0 and a.stdout == b.stdout and len(a.stdout.splitlines()) == 2


def test_an_output_may_not_overwrite_an_input(shots: Path, tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    Image.fromarray(picture(7)).save(frames / "x.png")
    Image.fromarray(picture(8)).save(frames / "x.quantized.png")   # what --quantized png would be called
    before = (frames / "x.quantized.png").read_bytes()
    result = kpalette_run(frames, "--out-dir", frames, "--quantized", "png")
    assert result.returncode == 1 and b"is the input image" in result.stderr
    assert (frames / "x.quantized.png").read_bytes() == before and sorted(p.name for p in frames.iterdir()) == [
        "x.png", "x.quantized.png"]


def test_ctrl_c_mid_batch_leaves_no_half_written_or_temporary_file(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(60):   # noisy frames: slow to cluster and to encode, so the run is long enough to interrupt
        Image.fromarray(picture(100 + i, 300, 400)).save(frames / f"shot-{i:03d}.png")
    out = tmp_path / "out"
    proc = subprocess.Popen([PY, "-m", "kpalette", str(frames), "--out-dir", str(out), "--format", "json",
                             "--swatch", "png", "--quantized", "png", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(list(out.iterdir())) < 6):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.decode().splitlines()[-1] == "kpalette: interrupted"
    names = sorted(p.name for p in out.iterdir())
    assert not any(name.endswith(TEMP_SUFFIX) or name.startswith(".") for name in names)
    stems = sorted({name.split(".")[0] for name in names})
    assert 2 <= len(stems) < 60                            # it was stopped part of the way through
    for stem in stems:                                     # every input's files are all there, each one whole
        assert sorted(n for n in names if n.split(".")[0] == stem) == [
            f"{stem}.json", f"{stem}.quantized.png", f"{stem}.swatch.png"]
        doc = json.loads((out / f"{stem}.json").read_text())
        assert doc["image"] == str(frames / f"{stem}.png")
        for kind in ("swatch", "quantized"):
            with Image.open(out / f"{stem}.{kind}.png") as im:
                im.load()   # a cut-short PNG would fail here
        assert kpalette.read_palette(out / f"{stem}.json").hex == [c["hex"] for c in doc["colors"]]
