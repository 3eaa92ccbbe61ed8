"""The kpalette command line: formats, output files, exit codes, colour in terminals, byte-identical runs.

Most tests call ``kpalette.cli.main`` in this process (the same code the command runs); a few start real
processes for what only a process can show: exit status, the installed entry point, thread counts, a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette.cli import main
from kpalette.term import supports_colour
from terminal import run_on_terminal

PY = sys.executable
ENTRY = Path(sys.executable).with_name("kpalette")


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    """A small copy of the book's frame (every 6th pixel: 72 x 107), so each run is quick."""
    path = tmp_path_factory.mktemp("frame") / "rocket-small.png"
    Image.fromarray(kpalette.load_image(root / "pics" / "rocket.jpg")[::6, ::6]).save(path)
    return path


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "PYTHONWARNINGS": "error", **(env or {})}
    return subprocess.run([str(a) for a in args], capture_output=True, env=full_env, timeout=120)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- formats ----------------------------------------------------------------------------------------------------

def test_text_table_by_default(frame: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "-k", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    palette = kpalette.extract_palette(kpalette.load_image(frame), 5)
    assert out[0] == f"{frame}: 5 colours (k=5, lab space, method fast, seed 42)"
    assert [line.split()[1] for line in out[2:]] == palette.hex
    assert "\x1b" not in "".join(out)  # captured output is not a terminal: no colour


def test_json_is_the_documented_document(frame: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "-k", "4", "--format", "json", "--space", "rgb", "--seed", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    expected = kpalette.extract_palette(kpalette.load_image(frame), 4, space="rgb", seed=3)
    assert {k: doc[k] for k in ("image", "k", "space", "method", "seed")} == {
        "image": str(frame), "k": 4, "space": "rgb", "method": "fast", "seed": 3}
    assert doc["colors"] == expected.to_dict()


@pytest.mark.parametrize("fmt", ["css", "gpl", "hex"])
def test_text_formats_match_the_library(frame: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "-k", "3", "--format", fmt, "--space", "rgb"]) == 0
    palette = kpalette.extract_palette(kpalette.load_image(frame), 3, space="rgb")
    expected = kpalette.export(palette, fmt, image=str(frame), k=3, method="fast", seed=42)
    assert capsys.readouterr().out == expected


def test_sort_by_lightness(frame: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "--format", "json", "--sort", "lightness"]) == 0
    lightness = [c["lab"][0] for c in json.loads(capsys.readouterr().out)["colors"]]
    assert lightness == sorted(lightness)


def test_ase_goes_to_a_file(frame: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "-k", "3", "--format", "ase", "-o", str(tmp_path / "frame.ase")]) == 0
    assert capsys.readouterr().out == ""
    palette = kpalette.extract_palette(kpalette.load_image(frame), 3)
    assert (tmp_path / "frame.ase").read_bytes() == kpalette.to_ase(palette, name="rocket-small")


def test_swatch_and_quantized_images(frame: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(frame), "-k", "4", "--format", "hex", "--swatch", str(tmp_path / "s.png"),
                 "--quantized", str(tmp_path / "q.PNG")]) == 0
    codes = capsys.readouterr().out.split()
    swatch = np.asarray(Image.open(tmp_path / "s.png"))
    poster = np.asarray(Image.open(tmp_path / "q.PNG"))
    assert swatch.shape == (100, 800, 3) and kpalette.to_hex(swatch[0, ::200]) == codes
    assert poster.shape == np.asarray(Image.open(frame)).shape
    assert set(kpalette.to_hex(np.unique(poster.reshape(-1, 3), axis=0))) == set(codes)
    assert files_in(tmp_path) == ["q.PNG", "s.png"]  # and no temporary files left behind


def test_quantized_transparent_png_stays_transparent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[:, 3:] = [200, 100, 0, 255]
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "logo.png")
    assert main([str(tmp_path / "logo.png"), "--format", "hex", "--quantized", str(tmp_path / "q.png")]) == 0
    assert capsys.readouterr().out == "#c86400\n"
    out = np.asarray(Image.open(tmp_path / "q.png"))
    assert out.shape == (4, 6, 4) and (out[:, :3, 3] == 0).all() and (out[:, 3:, 3] == 255).all()


def test_a_phone_photo_comes_out_upright(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sideways = Image.new("RGB", (64, 32), (255, 0, 0))
    sideways.paste((0, 0, 255), (32, 0, 64, 32))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show"
    sideways.save(tmp_path / "IMG_1234.JPG", exif=exif.tobytes())
    assert main([str(tmp_path / "IMG_1234.JPG"), "-k", "2", "--quantized", str(tmp_path / "q.png")]) == 0
    capsys.readouterr()
    out = np.asarray(Image.open(tmp_path / "q.png"))
    assert out.shape == (64, 32, 3) and out[0, 0, 0] > 200 and out[-1, 0, 2] > 200


# --- errors: one line, exit 1, nothing written ------------------------------------------------------------------

def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpalette: error: ") and captured.out == ""
    return lines[0]


def missing(d: Path) -> Path:
    return d / "missing.jpg"


def empty(d: Path) -> Path:
    (d / "empty.jpg").write_bytes(b"")
    return d / "empty.jpg"


def text(d: Path) -> Path:
    (d / "text.jpg").write_text("hello")
    return d / "text.jpg"


@pytest.mark.parametrize("make, needle", [(missing, "no such file"), (empty, "empty"), (text, "not an image file")])
def test_bad_inputs_exit_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, needle) -> None:
    target = make(tmp_path)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    assert main([str(target), "--swatch", str(out / "s.png"), "-o", str(out / "p.json")]) == 1
    assert needle in error_line(capsys)
    assert files_in(out) == []


def test_nothing_is_written_when_one_output_cannot_be(frame: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.png").write_bytes(b"the old swatch")
    assert main([str(frame), "--swatch", str(tmp_path / "s.png"), "--quantized",
                 str(tmp_path / "no-such-dir" / "q.png")]) == 1
    assert "no such directory" in error_line(capsys)
    assert (tmp_path / "s.png").read_bytes() == b"the old swatch" and files_in(tmp_path) == ["s.png"]


@pytest.mark.parametrize("args, needle", [
    (["--swatch", "{d}/s.pdf"], "cannot write a --swatch file with extension '.pdf'"),
    (["--swatch", "{d}"], "is a directory"),
    (["--swatch", "{d}/a.png", "--quantized", "{d}/a.png"], "same file name"),
    (["--quantized", "{frame}"], "is the input image"),
])
def test_bad_output_paths(frame: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args, needle) -> None:
    before = frame.read_bytes()
    argv = [str(frame)] + [a.format(d=tmp_path, frame=frame) for a in args]
    assert main(argv) == 1
    assert needle in error_line(capsys)
    assert frame.read_bytes() == before and files_in(tmp_path) == []


def test_transparent_image_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Image.new("LA", (3, 3), (0, 0)).save(tmp_path / "clear.png")
    assert main([str(tmp_path / "clear.png")]) == 1
    assert "every pixel is transparent or nearly" in error_line(capsys)


# --- usage errors: exit 2 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["-k", "0"], ["-k", "-3"], ["-k", "eight"], ["-k", "2.5"], ["-k", "100000"],
                                  ["--method", "magic"], ["--format", "pdf"], ["--seed", "x"], []])
def test_bad_usage_exits_2(frame: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ([str(frame)] if args else []) + args
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kpalette") and "kpalette: error:" in err


# --- real processes ---------------------------------------------------------------------------------------------

def test_a_process_exits_1_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run(PY, "-m", "kpalette", tmp_path / "cut.png")
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().startswith("kpalette: error: ") and result.stderr.count(b"\n") == 1


def test_a_process_exits_2_on_bad_usage(frame: Path) -> None:
    result = run(ENTRY, frame, "-k", "0")
    assert result.returncode == 2 and b"usage: kpalette" in result.stderr


def test_same_output_byte_for_byte_across_runs_entry_points_and_threads(frame: Path, tmp_path: Path) -> None:
    outputs = []
    for i, (command, threads) in enumerate([([ENTRY], "1"), ([PY, "-m", "kpalette"], "2")]):
        folder = tmp_path / str(i)
        folder.mkdir()
        result = run(*command, frame, "--format", "json", "--swatch", folder / "s.png",
                     "--quantized", folder / "q.png", env={"OMP_NUM_THREADS": threads})
        assert result.returncode == 0 and result.stderr == b"", result.stderr
        outputs.append((result.stdout, (folder / "s.png").read_bytes(), (folder / "q.png").read_bytes()))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][0])["image"] == str(frame)


def test_a_terminal_gets_colour_blocks_unless_no_color(frame: Path) -> None:
    outs = []
    for extra in ({"TERM": "xterm-256color"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}):
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        status, shown = run_on_terminal([PY, "-m", "kpalette", str(frame), "-k", "3"], stderr=subprocess.PIPE,
                                        env={**env, **extra})
        assert status == 0
        outs.append(shown.splitlines())
    coloured, plain = outs
    assert all(row.startswith("\x1b[48;2;") for row in coloured[2:]) and len(coloured) == 5
    assert not any("\x1b" in row for row in plain) and len(plain) == 5


def test_supports_colour_reads_the_environment(tmp_path: Path) -> None:
    main_fd, child_fd = pty.openpty()
    with os.fdopen(child_fd, "w") as terminal, open(tmp_path / "f.txt", "w") as plain_file:
        assert supports_colour(terminal, {"TERM": "xterm"})
        assert not supports_colour(terminal, {"TERM": "xterm", "NO_COLOR": ""})
        assert not supports_colour(terminal, {"TERM": "dumb"})
        assert not supports_colour(plain_file, {"TERM": "xterm"})
    os.close(main_fd)
