"""kpalette as a library: the palette, the methods, quantizing, swatches and every export format."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans

import kpalette
from kpalette import KPaletteError, Palette
from kpalette.export import to_ase, to_css, to_gpl, to_hex_list, to_json, to_text


@pytest.fixture(scope="module")
def small_rocket(root) -> np.ndarray:
    """The book's frame, every 12th pixel in each direction (36 x 54), so full k-means stays quick."""
    return kpalette.load_image(root / "pics" / "rocket.jpg")[::12, ::12]


@pytest.fixture(scope="module")
def rocket_palette(root) -> Palette:
    return kpalette.extract_palette(kpalette.load_image(root / "pics" / "rocket.jpg"), k=6)


def two_colours() -> Palette:
    return Palette(np.array([[255, 0, 0], [0, 0, 0]], dtype=float), np.array([3.0, 1.0]), "rgb")


# --- the palette ------------------------------------------------------------------------------------------------

def test_palette_normalises_shares_and_describes_each_colour_the_same_way() -> None:
    p = two_colours()
    assert p.proportions.tolist() == [0.75, 0.25]
    assert p.hex == ["#ff0000", "#000000"]
    assert p.rgb.dtype == np.uint8 and p.rgb.tolist() == [[255, 0, 0], [0, 0, 0]]
    assert np.allclose(p.lab[0], kpalette.rgb_to_lab([255, 0, 0]))
    assert p.to_dict()[1] == {"hex": "#000000", "name": "black", "rgb": [0, 0, 0], "lab": [0.0, 0.0, 0.0],
                              "proportion": 0.25}


def test_extracted_palette_is_ordered_by_share_and_sorts_by_lightness_and_hue(rocket_palette: Palette) -> None:
    assert len(rocket_palette) == 6
    assert np.all(np.diff(rocket_palette.proportions) <= 0)
    by_l = rocket_palette.sort("lightness")
    assert np.all(np.diff(by_l.lab[:, 0]) >= 0)
    hue = np.degrees(np.arctan2(rocket_palette.sort("hue").lab[:, 2], rocket_palette.sort("hue").lab[:, 1])) % 360
    assert np.all(np.diff(hue) >= 0)
    assert sorted(by_l.hex) == sorted(rocket_palette.hex)


def test_the_rocket_frame_is_teal_and_orange(rocket_palette: Palette) -> None:
    """The book's claim about its frame: mostly cool blue (b < 0), with a small warm orange part (b > 0)."""
    lab = rocket_palette.lab
    assert rocket_palette.proportions[lab[:, 2] < 0].sum() > 0.5
    assert lab[:, 2].max() > 20


def test_palette_rejects_bad_data_with_one_line_messages() -> None:
    with pytest.raises(KPaletteError, match="same length"):
        Palette(np.zeros((2, 3)), np.ones(3))
    with pytest.raises(KPaletteError, match="not negative"):
        Palette(np.zeros((2, 3)), np.array([1.0, -1.0]))
    with pytest.raises(KPaletteError, match="sort key"):
        two_colours().sort("name")
    assert issubclass(KPaletteError, ValueError)


# --- the methods ------------------------------------------------------------------------------------------------

def test_minibatch_is_exactly_the_reference_pipeline(small_rocket: np.ndarray) -> None:
    ours = kpalette.extract_palette(small_rocket, 5, method="minibatch", seed=7)
    flat = kpalette.rgb_to_lab(small_rocket).reshape(-1, 3)
    km = MiniBatchKMeans(n_clusters=5, random_state=7, batch_size=2**15, n_init=10).fit(flat)
    shares = np.bincount(km.labels_, minlength=5) / len(flat)
    order = np.argsort(-shares, kind="stable")
    assert np.allclose(ours.centers, km.cluster_centers_[order])
    assert np.allclose(ours.proportions, shares[order])


def test_kmeans_is_full_kmeans_on_every_pixel(small_rocket: np.ndarray) -> None:
    ours = kpalette.extract_palette(small_rocket, 4, method="kmeans", space="rgb")
    km = KMeans(n_clusters=4, random_state=42, n_init=10).fit(small_rocket.reshape(-1, 3).astype(float))
    assert np.allclose(np.sort(ours.centers, axis=0), np.sort(km.cluster_centers_, axis=0))


def test_every_method_agrees_on_the_frame(small_rocket: np.ndarray) -> None:
    """The three methods are different roads to the same palette: each colour within a few Delta E of kmeans."""
    ref = kpalette.extract_palette(small_rocket, 4, method="kmeans")
    for method in ("fast", "minibatch"):
        got = kpalette.extract_palette(small_rocket, 4, method=method)
        dist = np.sqrt(((got.lab[:, None, :] - ref.lab[None, :, :]) ** 2).sum(axis=2))
        assert dist.min(axis=1).max() < 8, method


@pytest.mark.parametrize("method", kpalette.METHODS)
def test_fewer_distinct_colours_than_k_gives_those_colours_without_warnings(method: str) -> None:
    image = np.zeros((4, 6, 3), np.uint8)
    image[:, 2:4] = [200, 30, 30]
    image[:, 4:] = [20, 40, 220]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = kpalette.extract_palette(image, 8, method=method)
    assert sorted(p.hex) == ["#000000", "#1428dc", "#c81e1e"]
    assert np.allclose(p.proportions, 1 / 3)


def test_mask_keeps_transparent_pixels_out() -> None:
    image = np.zeros((2, 4, 3), np.uint8)
    image[:, :2] = [255, 0, 0]  # red, but hidden by the mask
    image[:, 2:] = [0, 128, 0]
    mask = np.zeros((2, 4), bool)
    mask[:, 2:] = True
    assert kpalette.extract_palette(image, 3, mask=mask).hex == ["#008000"]
    with pytest.raises(KPaletteError, match="opaque"):
        kpalette.extract_palette(image, 3, mask=np.zeros((2, 4), bool))


@pytest.mark.parametrize("k", [0, -3, 2.5, "8", True, None])
def test_bad_k_is_refused(k: object) -> None:
    with pytest.raises(KPaletteError, match="k must be"):
        kpalette.extract_palette(np.zeros((2, 2, 3), np.uint8), k)  # type: ignore[arg-type]


def test_bad_space_method_or_image_are_refused() -> None:
    img = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(KPaletteError, match="space must be one of lab, rgb"):
        kpalette.extract_palette(img, 2, space="hsv")  # type: ignore[arg-type]
    with pytest.raises(KPaletteError, match="method must be one of"):
        kpalette.extract_palette(img, 2, method="magic")
    with pytest.raises(KPaletteError, match="shape"):
        kpalette.extract_palette(np.zeros((2, 2, 5)), 2)


# --- quantize and swatch ---------------------------------------------------------------------------------------

def test_quantize_paints_with_palette_colours_only(small_rocket: np.ndarray, rocket_palette: Palette) -> None:
    poster = kpalette.quantize(small_rocket, rocket_palette)
    assert poster.shape == small_rocket.shape and poster.dtype == np.uint8
    used = {tuple(c) for c in poster.reshape(-1, 3)}
    assert used <= {tuple(c) for c in rocket_palette.rgb}
    labels = kpalette.assign(small_rocket, rocket_palette)
    assert np.array_equal(rocket_palette.rgb[labels], poster)


def test_swatch_draws_equal_or_proportional_stripes() -> None:
    p = two_colours()
    equal = kpalette.swatch(p, width=100, height=10)
    assert equal.shape == (10, 100, 3)
    assert (equal[:, :50] == [255, 0, 0]).all() and (equal[:, 50:] == 0).all()
    bar = kpalette.swatch(p, width=100, height=10, proportional=True)
    assert (bar[:, :75] == [255, 0, 0]).all() and (bar[:, 75:] == 0).all()
    with pytest.raises(KPaletteError):
        kpalette.swatch(p, width=0)


def test_hex_codes_round_trip() -> None:
    assert kpalette.from_hex(kpalette.to_hex([[1, 2, 3], [250, 251, 252]])).tolist() == [[1, 2, 3], [250, 251, 252]]
    with pytest.raises(KPaletteError, match="colour code"):
        kpalette.from_hex(["#12345g"])


# --- exports ----------------------------------------------------------------------------------------------------

def test_ase_matches_the_format_byte_for_byte() -> None:
    """A two-colour file written out by hand from the format's description (all numbers big-endian)."""
    def utf16(text: str) -> str:   # number of UTF-16 code units with the closing zero, then the text and the zero
        return f"{len(text) + 1:04x}" + (text + "\0").encode("utf-16-be").hex()

    def colour_block(name: str, rgb_floats: str) -> str:
        body = utf16(name) + "52474220" + rgb_floats + "0002"   # model "RGB ", three float32, type 2: normal
        return "0001" + f"{len(body) // 2:08x}" + body           # block type 1 (a colour) and its length

    group = utf16("frame")
    expected = bytes.fromhex(
        "41534546" "0001" "0000" "00000004"              # "ASEF", version 1.0, four blocks
        + "c001" + f"{len(group) // 2:08x}" + group       # the group starts, named after the image
        + colour_block("red #ff0000", "3f800000" "00000000" "00000000")     # 1.0, 0.0, 0.0
        + colour_block("black #000000", "00000000" "00000000" "00000000")
        + "c002" "00000000")                              # the group ends
    assert to_ase(two_colours(), name="frame") == expected
    assert kpalette.export(two_colours(), "ase", image="shots/frame.png") == expected
    assert len(expected) == 12 + (6 + 14) + (6 + 44) + (6 + 48) + 6   # header, group start, two colours, end


def parse_ase(data: bytes) -> list[tuple[int, str, list[int]]]:
    """Every block of an .ase file as (type, name, rgb 0-255), read by hand."""
    assert data[:4] == b"ASEF"
    at, found = 12, []
    for _ in range(struct.unpack(">I", data[8:12])[0]):
        kind, length = struct.unpack(">HI", data[at : at + 6])
        body = data[at + 6 : at + 6 + length]
        name, rgb = "", []
        if length:
            n = struct.unpack(">H", body[:2])[0]
            name = body[2 : 2 + 2 * n].decode("utf-16-be").rstrip("\0")
            if kind == 1:
                assert body[2 + 2 * n : 6 + 2 * n] == b"RGB "
                rgb = [round(v * 255) for v in struct.unpack(">3f", body[6 + 2 * n : 18 + 2 * n])]
        found.append((kind, name, rgb))
        at += 6 + length
    assert at == len(data)
    return found


def test_ase_of_a_real_palette_is_one_group_of_named_colours(rocket_palette: Palette) -> None:
    blocks = parse_ase(kpalette.export(rocket_palette, "ase", image="pics/rocket.jpg"))
    assert blocks[0] == (0xC001, "rocket", []) and blocks[-1] == (0xC002, "", [])
    assert blocks[1:-1] == [(1, f"{name} {code}", rgb) for name, code, rgb in
                            zip(rocket_palette.names, rocket_palette.hex, rocket_palette.rgb.tolist())]


def test_json_holds_every_field_rounded(rocket_palette: Palette) -> None:
    doc = json.loads(to_json(rocket_palette, image="rocket.jpg", k=6, method="fast", seed=42))
    assert list(doc) == ["image", "k", "space", "method", "seed", "colors"]
    assert (doc["image"], doc["k"], doc["space"], doc["method"]) == ("rocket.jpg", 6, "lab", "fast")
    assert [c["hex"] for c in doc["colors"]] == rocket_palette.hex
    assert abs(sum(c["proportion"] for c in doc["colors"]) - 1) < 1e-5
    for c in doc["colors"]:
        assert list(c) == ["hex", "name", "rgb", "lab", "proportion"]
        assert all(v == round(v, 2) for v in c["lab"]) and c["proportion"] == round(c["proportion"], 6)


def test_css_gpl_hex_and_text_list_the_colours_in_order(rocket_palette: Palette) -> None:
    css = to_css(rocket_palette, image="rocket.jpg")
    assert re.findall(r"--kpalette-(\d+): (#[0-9a-f]{6});", css) == [
        (str(i), h) for i, h in enumerate(rocket_palette.hex, 1)]
    assert css.startswith("/*") and ":root {" in css and css.endswith("}\n")

    gpl = to_gpl(rocket_palette, name="rocket").splitlines()
    assert gpl[:3] == ["GIMP Palette", "Name: rocket", "Columns: 6"]
    rows = [line for line in gpl if line[:1] not in ("#", "") and "\t" in line]
    assert [[int(v) for v in r.split("\t")[0].split()] for r in rows] == rocket_palette.rgb.tolist()
    assert [r.split("\t")[1].split()[:2] for r in rows] == [[n, h] for n, h in zip(rocket_palette.names,
                                                                                   rocket_palette.hex)]

    assert to_hex_list(rocket_palette).split() == rocket_palette.hex

    table = to_text(rocket_palette).splitlines()
    assert len(table) == 2 + len(rocket_palette) and "\x1b" not in "".join(table)
    assert [row.split()[1] for row in table[2:]] == rocket_palette.hex
    assert table[1].split()[-1] == "name" and [row.split()[-1] for row in table[2:]] == rocket_palette.names
    painted = to_text(rocket_palette, colour=True).splitlines()[2:]
    r, g, b = rocket_palette.rgb[0]
    assert painted[0].startswith(f"\x1b[48;2;{r};{g};{b}m")


def test_export_refuses_an_unknown_format(rocket_palette: Palette) -> None:
    with pytest.raises(KPaletteError, match="format must be one of"):
        kpalette.export(rocket_palette, "pdf")


def test_colour_constants_are_scikit_image_s() -> None:
    import skimage.color.colorconv as cc

    from kpalette.color import RGB_FROM_XYZ, WHITE_D65, XYZ_FROM_RGB
    assert np.array_equal(XYZ_FROM_RGB, cc.xyz_from_rgb)
    assert np.array_equal(RGB_FROM_XYZ, cc.rgb_from_xyz)
    assert np.array_equal(WHITE_D65, cc.xyz_tristimulus_values(illuminant="D65", observer="2"))


def test_lab_to_rgb_is_scikit_image_s_bit_for_bit() -> None:
    from skimage.color import lab2rgb

    from kpalette.color import _lab_to_srgb
    rng = np.random.default_rng(3)
    n = 50_000   # in and far out of the sRGB gamut, negative Z included
    lab = np.column_stack([rng.uniform(-5, 105, n), rng.uniform(-140, 140, n), rng.uniform(-140, 140, n)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skimage warns about the negative Z values it clips
        expected = lab2rgb(lab.reshape(-1, 1, 3)).reshape(-1, 3)
    assert np.array_equal(_lab_to_srgb(lab), expected)   # the floats, before rounding to 8 bits
    assert np.array_equal(kpalette.lab_to_rgb(lab), np.clip(np.rint(expected * 255.0), 0, 255).astype(np.uint8))
    assert np.array_equal(kpalette.lab_to_rgb(lab[7]), kpalette.lab_to_rgb(lab[7:8])[0])   # one colour, shape (3,)


def test_a_palette_from_a_file_needs_no_scikit_image(root) -> None:
    # scikit-image takes most of the command line's start-up time; the fast path must not import it
    code = (
        "import sys, kpalette\n"
        f"palette = kpalette.extract_palette(kpalette.load_image({str(root / 'pics' / 'rocket.jpg')!r}), 8)\n"
        "print(kpalette.to_text(palette, colour=False), kpalette.to_json(palette))\n"
        "assert 'skimage' not in sys.modules and 'sklearn' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
