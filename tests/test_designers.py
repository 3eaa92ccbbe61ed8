"""What designers expect from a palette tool: swatches, colour names, --apply, the CSS prefix, GPL columns, and a
Palette that is a proper value, read back from every format it is written in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette import KPaletteError, Palette
from kpalette.names import CSS_COLOURS, NAMES, ciede2000, nearest_names

PY = sys.executable


def kpalette_run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run([PY, "-m", "kpalette", *map(str, args)], capture_output=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def bunny(root: Path) -> Path:
    return root / "pics" / "bunny.png"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, bunny: Path) -> Path:
    path = tmp_path_factory.mktemp("small") / "bunny-small.png"
    Image.fromarray(kpalette.load_image(bunny)[::8, ::8]).save(path)
    return path


@pytest.fixture(scope="module")
def palette(small: Path) -> Palette:
    return kpalette.extract_palette(small, 6)


# --- the palette as a value ---------------------------------------------------------------------------------------

def test_a_palette_is_indexable_iterable_and_comparable(palette: Palette) -> None:
    first = palette[0]
    assert isinstance(first, kpalette.Colour)
    assert first.hex == palette.hex[0] and first.rgb == tuple(palette.rgb[0].tolist())
    assert first.proportion == palette.proportions[0] and first.name == palette.names[0]
    assert palette[-1].hex == palette.hex[-1]
    assert [c.hex for c in palette] == palette.hex and len(list(palette)) == len(palette)
    part = palette[1:3]
    assert isinstance(part, Palette) and part.hex == palette.hex[1:3] and abs(part.proportions.sum() - 1) < 1e-12
    assert palette[[2, 0]].hex == [palette.hex[2], palette.hex[0]]
    with pytest.raises(IndexError):
        palette[len(palette)]
    same = Palette(palette.centers.copy(), palette.proportions.copy(), palette.space)
    assert same == palette and hash(same) == hash(palette) and len({same, palette}) == 1
    assert palette != palette.sort("lightness") or len(palette) == 1
    assert palette != Palette(palette.centers, palette.proportions, "rgb")
    assert palette != "not a palette"


def test_from_hex_gives_the_codes_back_with_equal_or_given_shares() -> None:
    codes = ["#1d2b3a", "#c8a27c", "#ffffff"]
    p = Palette.from_hex(codes)
    assert p.hex == codes and p.space == "lab" and np.allclose(p.proportions, 1 / 3)
    q = Palette.from_hex(["1D2B3A", "c8a27c"], [3, 1], space="rgb")
    assert q.hex == codes[:2] and q.proportions.tolist() == [0.75, 0.25] and q.centers.tolist()[0] == [29, 43, 58]
    assert Palette.from_hex(codes) == Palette.from_hex(codes)
    with pytest.raises(KPaletteError, match="colour code"):
        Palette.from_hex(["#12345"])
    with pytest.raises(KPaletteError, match="at least one"):
        Palette.from_hex([])


def test_from_hex_in_lab_gives_back_every_8_bit_colour() -> None:
    codes = np.arange(0, 1 << 24, 97)   # 173,000 colours spread over the whole cube
    hexes = [f"#{c:06x}" for c in codes]
    assert Palette.from_hex(hexes).hex == hexes


@pytest.mark.parametrize("fmt", list(kpalette.FORMATS))
def test_every_format_reads_back(palette: Palette, fmt: str, tmp_path: Path) -> None:
    written = kpalette.export(palette, fmt, image="shots/bunny.png", k=6, method="fast", seed=42)
    data = written if isinstance(written, bytes) else written.encode()
    ext = kpalette.export.__globals__["EXTENSIONS"][fmt]
    (tmp_path / f"p.{ext}").write_bytes(data)
    for back in (kpalette.read_palette(tmp_path / f"p.{ext}"), kpalette.read_palette(data), Palette.read(data)):
        assert back.hex == palette.hex
        if fmt in ("text", "css", "gpl"):   # shares to 0.1 %
            assert np.abs(back.proportions - palette.proportions).max() < 0.0006
        elif fmt == "json":                 # shares to 6 decimals
            assert np.abs(back.proportions - palette.proportions).max() < 1e-5
        else:                               # hex and ase keep no shares: equal ones
            assert back == Palette.from_hex(palette.hex)


def test_gimp_s_own_palettes_and_hand_written_files_read_too(tmp_path: Path) -> None:
    (tmp_path / "gimp.gpl").write_text("GIMP Palette\nName: Mine\nColumns: 4\n#\n255   0   0\tRed\n"
                                       "  0 128   0\tUntitled\n")
    assert kpalette.read_palette(tmp_path / "gimp.gpl").hex == ["#ff0000", "#008000"]
    (tmp_path / "web.css").write_text(":root { --brand: #1D2B3A; --accent: #fa0; }")
    assert kpalette.read_palette(tmp_path / "web.css").hex == ["#1d2b3a", "#ffaa00"]
    (tmp_path / "codes.hex").write_text("#1d2b3a\nc8a27c, #fff\n")
    assert kpalette.read_palette(tmp_path / "codes.hex").hex == ["#1d2b3a", "#c8a27c", "#ffffff"]
    with pytest.raises(KPaletteError, match="no such palette file"):
        kpalette.read_palette(tmp_path / "none.gpl")
    (tmp_path / "empty.css").write_text("body { color: red; }")
    with pytest.raises(KPaletteError, match="no colours found"):
        kpalette.read_palette(tmp_path / "empty.css")
    (tmp_path / "lines.json").write_text('{"colors": []}\n{"colors": []}\n')
    with pytest.raises(KPaletteError, match="2 palettes"):
        kpalette.read_palette(tmp_path / "lines.json")


# --- colour names -------------------------------------------------------------------------------------------------

def test_the_css_names_are_the_standard_s() -> None:
    from matplotlib.colors import CSS4_COLORS

    assert CSS_COLOURS == {name: value.lower() for name, value in CSS4_COLORS.items()}
    assert len(CSS_COLOURS) == 148 and len(NAMES) == 139 and "grey" in NAMES and "gray" not in NAMES


def test_ciede2000_is_scikit_image_s() -> None:
    from skimage.color import deltaE_ciede2000

    rng = np.random.default_rng(1)
    a = np.column_stack([rng.uniform(0, 100, 20_000), rng.uniform(-90, 90, 20_000), rng.uniform(-90, 90, 20_000)])
    b = np.column_stack([rng.uniform(0, 100, 20_000), rng.uniform(-90, 90, 20_000), rng.uniform(-90, 90, 20_000)])
    a[:50, 1:] = 0   # greys too, where the hue is undefined
    assert np.allclose(ciede2000(a, b), deltaE_ciede2000(a, b), atol=1e-9)


def test_every_named_colour_is_its_own_nearest_name_and_film_darks_get_fair_names() -> None:
    rgb = [[int(CSS_COLOURS[n][i : i + 2], 16) for i in (1, 3, 5)] for n in NAMES]
    assert nearest_names(rgb) == list(NAMES)
    assert nearest_names([[12, 35, 65], [95, 73, 58], [36, 33, 39]]) == ["midnightblue", "saddlebrown", "black"]


def test_names_appear_in_the_table_json_css_gpl_and_ase(palette: Palette) -> None:
    names = palette.names
    table = kpalette.to_text(palette).splitlines()[2:]
    assert [row.split()[-1] for row in table] == names
    assert [c["name"] for c in json.loads(kpalette.to_json(palette))["colors"]] == names
    assert all(f"% {n} */" in line for n, line in zip(names, kpalette.to_css(palette).splitlines()[2:]))
    gpl = [line for line in kpalette.to_gpl(palette).splitlines() if "\t" in line]
    assert [line.split("\t")[1].split()[0] for line in gpl] == names
    ase = kpalette.to_ase(palette)
    assert all(f"{n} {h}".encode("utf-16-be") in ase for n, h in zip(names, palette.hex))


# --- formats for designers' tools -----------------------------------------------------------------------------------

def test_gpl_asks_for_at_most_16_columns(small: Path) -> None:
    big = kpalette.extract_palette(small, 40)
    assert len(big) > 16 and "Columns: 16" in kpalette.to_gpl(big)
    assert "Columns: 3" in kpalette.to_gpl(big[:3])


def test_css_prefix_from_python_and_the_command_line(small: Path, palette: Palette) -> None:
    css = kpalette.to_css(palette, prefix="bunny_shot")
    assert "--bunny_shot-1: " in css and "--kpalette" not in css
    with pytest.raises(KPaletteError, match="CSS prefix"):
        kpalette.to_css(palette, prefix="two words")
    result = kpalette_run(small, "-k", "6", "--format", "css", "--prefix", "brand")
    assert result.returncode == 0 and result.stdout.decode().count("  --brand-") == 6


# --- swatches ----------------------------------------------------------------------------------------------------

def test_swatch_styles_sizes_and_labels(small: Path, palette: Palette, tmp_path: Path) -> None:
    result = kpalette_run(small, "-k", "6", "--swatch", tmp_path / "shares.png", "--swatch-style", "shares",
                          "--swatch-size", "600x80", "--no-swatch-labels", "-o", os.devnull)
    assert result.returncode == 0, result.stderr
    shares = np.asarray(Image.open(tmp_path / "shares.png"))
    assert shares.shape == (80, 600, 3)
    assert np.array_equal(shares, kpalette.swatch(palette, width=600, height=80, proportional=True))
    widths = [int((kpalette.to_hex(shares[0]) == np.array(h)).sum()) for h in palette.hex]
    assert np.abs(np.array(widths) - palette.proportions * 600).max() <= 1

    assert kpalette_run(small, "-k", "6", "--swatch", tmp_path / "equal.png", "-o", os.devnull).returncode == 0
    labelled = np.asarray(Image.open(tmp_path / "equal.png"))
    plain = kpalette.swatch(palette, width=800, height=100)
    assert labelled.shape == (100, 800, 3)
    assert np.array_equal(labelled[:20], plain[:20]) and np.array_equal(labelled[-20:], plain[-20:])
    for i, rgb in enumerate(palette.rgb):   # each stripe has text in its middle, in black or white
        middle = labelled[35:65, i * 133 + 10 : (i + 1) * 133 - 10].reshape(-1, 3)
        ink = (0, 0, 0) if kpalette.swatch.__globals__["text_colour"](rgb) == "black" else (255, 255, 255)
        assert (middle == ink).all(axis=1).sum() > 20 and (middle == rgb).all(axis=1).sum() > 100


def test_narrow_stripes_get_no_label() -> None:
    p = Palette.from_hex(["#000000", "#ffffff"], [0.99, 0.01])
    bar = kpalette.swatch(p, width=200, height=40, proportional=True, labels=True)
    assert (bar[:, 198:] == 255).all()   # the 2-pixel white stripe is left as it is


# --- --apply ------------------------------------------------------------------------------------------------------

def test_apply_repaints_an_image_in_a_palette_from_any_format(small: Path, root: Path, tmp_path: Path) -> None:
    other = kpalette.extract_palette(root / "pics" / "coffee.png", 5)
    applied = Palette.from_hex(other.hex)   # what a file holds: the colours as shown, 8 bits each
    expected_poster = kpalette.quantize(small, applied)
    for fmt in kpalette.FORMATS:
        ext = kpalette.export.__globals__["EXTENSIONS"][fmt]
        written = kpalette.export(other, fmt, image="coffee.png")
        (tmp_path / f"coffee.{ext}").write_bytes(written if isinstance(written, bytes) else written.encode())
        result = kpalette_run(small, "--apply", tmp_path / f"coffee.{ext}", "--format", "json",
                              "--quantized", tmp_path / f"poster-{fmt}.png")
        assert result.returncode == 0, result.stderr
        poster = np.asarray(Image.open(tmp_path / f"poster-{fmt}.png"))
        assert np.array_equal(poster, expected_poster), fmt
        doc = json.loads(result.stdout)
        assert [c["hex"] for c in doc["colors"]] == other.hex and doc["method"] == "apply"   # the given order
        labels = kpalette.assign(small, applied)
        shares = np.bincount(labels.ravel(), minlength=5) / labels.size
        assert np.allclose([c["proportion"] for c in doc["colors"]], shares, atol=1e-6)   # this image's shares


def test_apply_hex_codes_typed_on_the_command_line(small: Path, tmp_path: Path) -> None:
    result = kpalette_run(small, "--apply", "1d2b3a,C8A27C, #fff", "--format", "hex", "--quantized",
                          tmp_path / "poster.png", "--sort", "lightness")
    assert result.returncode == 0 and result.stdout.decode().split() == ["#1d2b3a", "#c8a27c", "#ffffff"]
    used = {tuple(c) for c in np.asarray(Image.open(tmp_path / "poster.png")).reshape(-1, 3)}
    assert used <= {(29, 43, 58), (200, 162, 124), (255, 255, 255)}


def test_apply_of_something_that_is_not_a_palette(small: Path, tmp_path: Path) -> None:
    result = kpalette_run(small, "--apply", "sunset-palette.gpl", "--quantized", tmp_path / "q.png")
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode() == ("kpalette: error: sunset-palette.gpl: no such palette file, and not hex codes "
                                      "such as 1d2b3a,c8a27c\n")
    assert list(tmp_path.iterdir()) == []


# --- packaging ----------------------------------------------------------------------------------------------------

def test_plot_is_an_extra_and_the_package_is_typed(root: Path) -> None:
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["optional-dependencies"]["plot"][0].startswith("matplotlib")
    assert not any(d.startswith("matplotlib") for d in project["project"]["dependencies"])
    assert (root / "kpalette" / "py.typed").exists()
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["kpalette"]
    # the library and the command line work without matplotlib
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import kpalette, kpalette.cli\n"
            "try:\n    import kpalette.plot\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "kpalette.plot needs matplotlib: pip install 'kpalette[plot]'\n"


def test_the_command_line_imports_neither_scikit_image_nor_scikit_learn(small: Path, tmp_path: Path) -> None:
    # (--quantized measures distances with scikit-image's rgb2lab, so that chapter 6's poster is matched exactly)
    code = ("import sys\nfrom kpalette.cli import main\n"
            f"status = main([{str(small)!r}, {str(small)!r}, '--format', 'gpl', '--swatch', 'png', '--jobs', '1', "
            f"'--out-dir', {str(tmp_path)!r}])\n"
            "assert status == 0\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('skimage', 'sklearn', 'matplotlib')]\n"
            "assert not heavy, heavy\n")
    subprocess.run([PY, "-c", code], check=True, capture_output=True)
