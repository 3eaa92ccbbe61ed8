"""Outputs never destroy anything: devices and FIFOs stay what they were, read-only files are refused, regular
files are replaced whole, ``-`` is standard output. Real files, real device nodes (made with ``os.mknod``: the
tests run as root) and real ``kpalette`` processes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette.outputs import TEMP_SUFFIX, target, unique_stems, write

PY = sys.executable
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes needs root")


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    path = tmp_path_factory.mktemp("frame") / "frame.png"
    Image.fromarray(kpalette.load_image(root / "pics" / "rocket.jpg")[::8, ::8]).save(path)
    return path


def kpalette_run(*args: str | Path, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run([PY, "-m", "kpalette", *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
                          env=env, timeout=120)


def expected_bytes(frame: Path, fmt: str, k: int = 3) -> bytes:
    palette = kpalette.extract_palette(frame, k)
    out = kpalette.export(palette, fmt, image=str(frame), k=k, method="fast", seed=42)
    return out if isinstance(out, bytes) else out.encode()


def char_device(path: Path, minor: int) -> Path:
    """A character device node like /dev/null (1, 3) or /dev/full (1, 7), in a temporary folder."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return path


def left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@ROOT_ONLY
def test_a_character_device_is_written_to_and_stays_a_device(frame: Path, tmp_path: Path) -> None:
    null = char_device(tmp_path / "null", 3)
    before = os.stat(null)
    result = kpalette_run(frame, "-k", "3", "-o", null, "--swatch", null, "--quantized", null)
    assert result.returncode == 0, result.stderr
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert left_in(tmp_path) == ["null"]   # no temporary file beside it


@ROOT_ONLY
def test_a_full_device_is_an_error_and_stays_a_device(frame: Path, tmp_path: Path) -> None:
    full = char_device(tmp_path / "full", 7)
    result = kpalette_run(frame, "-o", full)
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode() == f"kpalette: error: {full}: could not write the file (No space left on device)\n"
    assert stat.S_ISCHR(os.stat(full).st_mode) and left_in(tmp_path) == ["full"]


def test_a_fifo_is_written_to_and_stays_a_fifo(frame: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "palette.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = kpalette_run(frame, "-k", "3", "--format", "ase", "-o", fifo)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received == [expected_bytes(frame, "ase")]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and left_in(tmp_path) == ["palette.fifo"]


def test_a_read_only_file_is_refused_before_any_work(frame: Path, tmp_path: Path) -> None:
    keep = tmp_path / "keep.json"
    keep.write_text("the designer's own palette\n")
    keep.chmod(0o444)
    result = kpalette_run(frame, "--format", "json", "-o", keep, "--swatch", tmp_path / "s.png")
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode() == f"kpalette: error: {keep}: is read-only; kpalette does not replace it\n"
    assert keep.read_text() == "the designer's own palette\n" and left_in(tmp_path) == ["keep.json"]


def test_an_existing_file_is_replaced_whole_and_keeps_its_permissions(frame: Path, tmp_path: Path) -> None:
    old = tmp_path / "palette.css"
    old.write_text("old")
    old.chmod(0o640)
    assert kpalette_run(frame, "-k", "3", "--format", "css", "-o", old).returncode == 0
    assert old.read_bytes() == expected_bytes(frame, "css") and stat.S_IMODE(os.stat(old).st_mode) == 0o640
    assert left_in(tmp_path) == ["palette.css"]


def test_a_symbolic_link_stays_a_link_to_the_new_file(frame: Path, tmp_path: Path) -> None:
    (tmp_path / "real.hex").write_text("old\n")
    (tmp_path / "link.hex").symlink_to("real.hex")
    assert kpalette_run(frame, "-k", "3", "--format", "hex", "-o", tmp_path / "link.hex").returncode == 0
    assert (tmp_path / "link.hex").is_symlink()
    assert (tmp_path / "real.hex").read_bytes() == expected_bytes(frame, "hex")


def test_dash_is_standard_output_for_binary_formats_too(frame: Path) -> None:
    result = kpalette_run(frame, "-k", "3", "--format", "ase", "-o", "-")
    assert result.returncode == 0 and result.stdout == expected_bytes(frame, "ase")
    swatch = kpalette_run(frame, "-k", "3", "-o", os.devnull, "--swatch", "-")
    assert swatch.returncode == 0 and swatch.stdout.startswith(b"\x89PNG")


def test_dev_stdout_redirected_to_a_file_writes_that_file_in_place(frame: Path, tmp_path: Path) -> None:
    out = tmp_path / "shell-redirect.txt"
    with open(out, "wb") as f:
        inode = os.fstat(f.fileno()).st_ino
        result = kpalette_run(frame, "-k", "3", "--format", "hex", "-o", "/dev/stdout", stdout=f.fileno())
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == expected_bytes(frame, "hex") and os.stat(out).st_ino == inode
    assert left_in(tmp_path) == ["shell-redirect.txt"]


def test_two_outputs_on_standard_output_are_refused(frame: Path) -> None:
    result = kpalette_run(frame, "--swatch", "-")   # the palette goes to standard output already
    assert result.returncode == 1 and b"two outputs go to descriptor 1" in result.stderr


def test_targets_say_how_they_will_be_written(tmp_path: Path) -> None:
    assert target("-").fd == 1 and target("/dev/stdout").is_stdout and target("/dev/fd/2").fd == 2
    assert target("/dev/null").direct and target("/dev/null").path == Path("/dev/null")
    new = target(tmp_path / "new.png")
    assert not new.direct and new.path == tmp_path / "new.png"
    with pytest.raises(kpalette.KPaletteError, match="no such directory"):
        target(tmp_path / "nowhere" / "x.png")
    with pytest.raises(kpalette.KPaletteError, match="is a directory"):
        target(tmp_path)
    with pytest.raises(kpalette.KPaletteError, match="descriptor 97 is not open"):
        target("/dev/fd/97")


def test_a_group_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "sub").mkdir()
    targets = [target(tmp_path / "a.txt"), target(tmp_path / "sub" / "b.txt")]
    (tmp_path / "sub").rmdir()   # b's folder goes away after the checks: b cannot be written
    with pytest.raises(kpalette.KPaletteError, match="b.txt: could not write the file"):
        write([(targets[0], b"new a"), (targets[1], b"new b")])
    assert (tmp_path / "a.txt").read_text() == "old a" and left_in(tmp_path) == ["a.txt"]   # no temporary file


def test_out_dir_names_follow_the_inputs_and_clashes_take_their_folders() -> None:
    assert unique_stems([("frames", "shot-001.jpg"), ("frames", "shot-002.JPG")]) == ["shot-001", "shot-002"]
    assert unique_stems([("a", "x.jpg"), ("b", "x.jpg"), ("x.png",)]) == ["a-x", "b-x", "x"]
    assert unique_stems([("p", "2024", "z.jpg"), ("q", "2024", "z.jpg")]) == ["p-2024-z", "q-2024-z"]
    assert unique_stems([("d", "w.jpg"), ("d", "W.png")]) == ["d-w-jpg", "d-W-png"]   # case does not count
    assert unique_stems([("e", "v.jpg"), ("e", "v.jpg")]) == ["e-v", "e-v-2"]
    assert unique_stems([("stdin",), ("host", "img", "x.png")]) == ["stdin", "x"]


def test_a_run_that_fails_leaves_old_outputs_untouched(frame: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(tmp_path / "q.png")
    before = (tmp_path / "q.png").read_bytes()
    result = kpalette_run(tmp_path / "missing.jpg", "--quantized", tmp_path / "q.png")
    assert result.returncode == 1 and (tmp_path / "q.png").read_bytes() == before
