"""Every kind of file a designer may hand to kpalette, each made here for real with Pillow (or by hand)."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

import kpalette
from kpalette import KPaletteError, load_image


def colour_blocks(h: int = 8, w: int = 12) -> np.ndarray:
    """Three flat stripes (red, green, blue): survives lossy codecs and is easy to check."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 3] = [220, 30, 30]
    img[:, w // 3 : 2 * w // 3] = [30, 200, 40]
    img[:, 2 * w // 3 :] = [20, 40, 230]
    return img


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png16_rgb(path: Path, rgb: np.ndarray) -> None:
    """A 16-bit RGB PNG written by hand (Pillow cannot write one)."""
    h, w, _ = rgb.shape
    rows = b"".join(b"\x00" + rgb[i].astype(">u2").tobytes() for i in range(h))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                     + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def png_claiming(path: Path, w: int, h: int) -> None:
    """A tiny PNG whose header claims w x h pixels: a decompression bomb if anyone believes it."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


# --- greyscale and 16-bit ---------------------------------------------------------------------------------------

def test_greyscale_8_bit(tmp_path: Path) -> None:
    grey = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    Image.fromarray(grey, mode="L").save(tmp_path / "g.png")
    img = load_image(tmp_path / "g.png")
    assert img.shape == (6, 8, 3) and img.dtype == np.uint8
    assert all(np.array_equal(img[:, :, c], grey) for c in range(3))


def test_greyscale_16_bit_is_scaled_not_clipped(tmp_path: Path) -> None:
    grey = (np.arange(48, dtype=np.uint16).reshape(6, 8) * 1365)
    Image.fromarray(grey).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode.startswith("I;16")
    img = load_image(tmp_path / "g16.png")
    assert np.array_equal(img[:, :, 1], np.rint(grey / 257).astype(np.uint8))
    assert img.max() > 200  # Pillow's own convert("RGB") would clip everything above 255 to white


@pytest.mark.parametrize("kind", ["png", "tiff"])
def test_rgb_16_bit(tmp_path: Path, kind: str) -> None:
    rgb = (np.arange(6 * 8 * 3, dtype=np.uint32).reshape(6, 8, 3) * 451 % 65536).astype(np.uint16)
    path = tmp_path / f"rgb16.{kind}"
    if kind == "png":
        png16_rgb(path, rgb)
    else:
        tifffile.imwrite(path, rgb)
    img = load_image(path)
    assert img.shape == (6, 8, 3)
    assert np.abs(img.astype(int) - rgb / 257).max() <= 1  # 16 bits brought down to 8


# --- transparency -----------------------------------------------------------------------------------------------

def test_rgba_transparent_and_nearly_transparent_pixels_take_no_part(tmp_path: Path) -> None:
    rgba = np.zeros((6, 8, 4), np.uint8)
    rgba[:, :4] = [255, 0, 255, 0]    # magenta, fully transparent
    rgba[:, 4:] = [0, 120, 200, 255]  # opaque blue
    rgba[0, 4] = [250, 250, 0, 127]   # yellow, just under half opaque: left out
    rgba[1, 4] = [250, 0, 0, 128]     # red, half opaque: counts
    rgba[2, 4] = [0, 250, 0, 1]       # green at alpha 1/255: left out (it used to count fully)
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "logo.png")
    img, mask = load_image(tmp_path / "logo.png", with_mask=True)
    assert mask.sum() == 22 and not mask[:, :4].any() and mask[1, 4] and not mask[0, 4] and not mask[2, 4]
    assert np.array_equal(mask, rgba[:, :, 3] >= kpalette.pixels.ALPHA_MIN)
    palette = kpalette.extract_palette(img, 4, mask=mask)
    assert sorted(palette.hex) == ["#0078c8", "#fa0000"]
    assert np.allclose(sorted(palette.proportions), [1 / 22, 21 / 22])
    assert load_image(tmp_path / "logo.png").shape == (6, 8, 3)  # without the mask: just the pixels


def test_la_greyscale_with_alpha(tmp_path: Path) -> None:
    la = np.zeros((4, 4, 2), np.uint8)
    la[:2] = [30, 255]
    la[2:] = [250, 0]
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    img, mask = load_image(tmp_path / "la.png", with_mask=True)
    assert mask[:2].all() and not mask[2:].any()
    assert kpalette.extract_palette(img, 3, mask=mask).hex == ["#1e1e1e"]


def test_no_opaque_pixel_is_a_clear_error(tmp_path: Path) -> None:
    Image.new("RGBA", (5, 5), (10, 20, 30, 0)).save(tmp_path / "clear.png")
    with pytest.raises(KPaletteError, match="every pixel is transparent or nearly"):
        load_image(tmp_path / "clear.png", with_mask=True)
    Image.new("RGBA", (5, 5), (10, 20, 30, 100)).save(tmp_path / "faint.png")
    with pytest.raises(KPaletteError, match=r"every pixel is transparent or nearly \(alpha below 128 of 255\)"):
        load_image(tmp_path / "faint.png", with_mask=True)


def test_opaque_files_have_no_mask(tmp_path: Path) -> None:
    Image.fromarray(colour_blocks()).save(tmp_path / "rgb.png")
    img, mask = load_image(tmp_path / "rgb.png", with_mask=True)
    assert mask is None and np.array_equal(img, colour_blocks())


# --- palette images, GIF ----------------------------------------------------------------------------------------

def test_palette_mode_png(tmp_path: Path) -> None:
    source = Image.fromarray(colour_blocks())
    indexed = source.quantize(colors=3)
    indexed.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    assert np.array_equal(load_image(tmp_path / "p.png"), np.asarray(indexed.convert("RGB")))


def test_palette_mode_png_with_a_transparent_index(tmp_path: Path) -> None:
    indexed = Image.fromarray(colour_blocks()).quantize(colors=3)
    clear_index = indexed.getpixel((0, 0))
    indexed.save(tmp_path / "pt.png", transparency=clear_index)
    img, mask = load_image(tmp_path / "pt.png", with_mask=True)
    assert mask is not None and not mask[:, :4].any() and mask[:, 4:].all()
    assert len(kpalette.extract_palette(img, 8, mask=mask)) == 2


def test_gif(tmp_path: Path) -> None:
    Image.fromarray(colour_blocks()).quantize(colors=3).save(tmp_path / "still.gif")
    palette = kpalette.extract_palette(load_image(tmp_path / "still.gif"), 8)
    assert len(palette) == 3 and np.allclose(palette.proportions, 1 / 3)


def test_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (6, 6), colour) for colour in [(200, 0, 0), (0, 0, 200), (0, 200, 0)]]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(tmp_path / "anim.gif").n_frames == 3
    img = load_image(tmp_path / "anim.gif")
    assert kpalette.extract_palette(img, 4).hex == ["#c80000"]


# --- other formats ----------------------------------------------------------------------------------------------

def test_cmyk_jpeg(tmp_path: Path) -> None:
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "print.jpg")  # pure red ink
    assert Image.open(tmp_path / "print.jpg").mode == "CMYK"
    img = load_image(tmp_path / "print.jpg")
    assert img.shape == (16, 16, 3)
    assert np.abs(img.reshape(-1, 3).astype(int) - [255, 0, 0]).max() <= 3


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    """A phone stores a portrait photo sideways plus 'rotate 90 degrees clockwise' (orientation 6)."""
    sideways = Image.new("RGB", (64, 32), (255, 0, 0))
    sideways.paste((0, 0, 255), (32, 0, 64, 32))  # right half blue
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways.save(tmp_path / "phone.jpg", exif=exif.tobytes())
    img = load_image(tmp_path / "phone.jpg")
    assert img.shape == (64, 32, 3)  # upright: taller than wide
    assert img[2, 16, 0] > 200 and img[-3, 16, 2] > 200  # left half (red) is now on top, blue below


@pytest.mark.parametrize("name", ["frame.tiff", "frame.webp", "frame.bmp", "frame", "FRAME.PNG", "Frame.Tif"])
def test_lossless_formats_and_odd_names_read_back_exactly(tmp_path: Path, name: str) -> None:
    fmt = {"frame": "PNG", "FRAME.PNG": "PNG", "Frame.Tif": "TIFF"}.get(name)
    options = {"lossless": True} if name.endswith("webp") else {}
    Image.fromarray(colour_blocks()).save(tmp_path / name, format=fmt, **options)
    assert np.array_equal(load_image(tmp_path / name), colour_blocks())


def test_upper_case_jpg(tmp_path: Path) -> None:
    Image.fromarray(colour_blocks(32, 48)).save(tmp_path / "IMG_0001.JPG", quality=95)
    assert np.abs(load_image(tmp_path / "IMG_0001.JPG").astype(int) - colour_blocks(32, 48)).mean() < 4


# --- sizes ------------------------------------------------------------------------------------------------------

def test_one_by_one_image(tmp_path: Path) -> None:
    Image.new("RGB", (1, 1), (12, 34, 56)).save(tmp_path / "dot.png")
    palette = kpalette.extract_palette(load_image(tmp_path / "dot.png"), 8)
    assert palette.hex == ["#0c2238"] and palette.proportions.tolist() == [1.0]


@pytest.mark.parametrize("method", kpalette.METHODS)
def test_fewer_colours_than_k_from_a_file(tmp_path: Path, method: str) -> None:
    Image.fromarray(colour_blocks()).save(tmp_path / "three.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        palette = kpalette.extract_palette(load_image(tmp_path / "three.png"), 8, method=method)
    assert sorted(palette.hex) == sorted(kpalette.to_hex([[220, 30, 30], [30, 200, 40], [20, 40, 230]]))


@pytest.mark.parametrize("w, h", [(100_000, 100_000), (12_000, 9_000)])
def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path, w: int, h: int) -> None:
    """10 billion pixels (Pillow's own bomb limit) and 108 million (over ours, under Pillow's)."""
    png_claiming(tmp_path / "bomb.png", w, h)
    assert (tmp_path / "bomb.png").stat().st_size < 200
    start = time.perf_counter()
    with pytest.raises(KPaletteError, match="pixels"):
        load_image(tmp_path / "bomb.png")
    assert time.perf_counter() - start < 5  # refused from the header, not after trying to decode


# --- errors -----------------------------------------------------------------------------------------------------

def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(KPaletteError, match="no such file"):
        load_image(tmp_path / "nope.jpg")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(KPaletteError, match="is a directory"):
        load_image(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(KPaletteError, match="empty"):
        load_image(tmp_path / "empty.png")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("This is not a photo.\n")
    with pytest.raises(KPaletteError, match="not an image file"):
        load_image(tmp_path / "notes.jpg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file(tmp_path: Path, fmt: str) -> None:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "full", format=fmt)
    data = (tmp_path / "full").read_bytes()
    (tmp_path / "cut").write_bytes(data[: len(data) // 2])
    with pytest.raises(KPaletteError, match="damaged or cut short") as info:
        load_image(tmp_path / "cut")
    assert "\n" not in str(info.value)


# --- arrays and PIL images: what extract_palette and quantize accept ----------------------------------------------

def frame_like(h: int = 24, w: int = 32) -> np.ndarray:
    """A small image with gradients and flat areas: many colours, a stable palette."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x + y) * 255 // (h + w - 2)], axis=2)
    img[: h // 3, : w // 3] = [200, 60, 40]
    return img.astype(np.uint8)


def test_integer_and_float_arrays_of_every_width_give_the_same_palette_and_poster() -> None:
    base = frame_like()
    palette = kpalette.extract_palette(base, 5)
    poster = kpalette.quantize(base, palette)
    same = [base.astype(np.uint16) * 257, base.astype(np.int64), base.astype(np.int32), base.astype(np.uint32),
            base / 255.0, (base / 255.0).astype(np.float32)]
    for arr in same:
        assert kpalette.extract_palette(arr, 5) == palette, arr.dtype
        assert np.array_equal(kpalette.quantize(arr, palette), poster), arr.dtype
        assert np.array_equal(kpalette.assign(arr, palette), kpalette.assign(base, palette)), arr.dtype


def test_uint16_is_brought_down_to_8_bits_by_rounding() -> None:
    wide = np.array([[[0, 128, 129], [32767, 65407, 65535]]], dtype=np.uint16)
    rgb, alpha = kpalette.pixels.as_pixels(wide)
    assert alpha is None and rgb.tolist() == [[[0, 0, 1], [127, 255, 255]]]
    assert np.array_equal(rgb, np.rint(wide / 257).astype(np.uint8))


@pytest.mark.parametrize("bad, needle", [
    (frame_like().astype(np.float64), "must be from 0 to 1, but these go up to 255"),
    (frame_like() / 255.0 * 1.5, "go up to 1.5"),
    (frame_like() / 255.0 - 0.5, "go down to -0.5"),
    (np.full((2, 2, 3), np.nan), "NaN"),
    (frame_like().astype(np.int64) * 2, "integer pixel values must be from 0 to 255"),
    (frame_like().astype(np.int16) - 1, "from -1 to"),
    (np.zeros((2, 2, 3), bool), "True/False"),
    (np.zeros((2, 2, 5), np.uint8), "shape"),
    (np.zeros((0, 4, 3), np.uint8), "no pixels"),
    ("not a file.png", "no such file"),
    (object(), "expected an image"),
])
def test_unusable_arrays_say_what_is_wrong(bad: object, needle: str) -> None:
    for use in (lambda a: kpalette.extract_palette(a, 3), lambda a: kpalette.quantize(a, two_tone())):
        with pytest.raises(KPaletteError, match=re.escape(needle)) as info:
            use(bad)
        assert "\n" not in str(info.value)


def two_tone() -> kpalette.Palette:
    return kpalette.Palette.from_hex(["#000000", "#ffffff"])


def test_grey_arrays_are_grey_images() -> None:
    grey = frame_like()[:, :, 0]
    as_rgb = np.repeat(grey[:, :, None], 3, axis=2)
    palette = kpalette.extract_palette(as_rgb, 4)
    for arr in (grey, grey[:, :, None], grey / 255.0, grey.astype(np.uint16) * 257):
        assert kpalette.extract_palette(arr, 4) == palette
        assert np.array_equal(kpalette.quantize(arr, palette), kpalette.quantize(as_rgb, palette))


def rgba_logo() -> np.ndarray:
    """Opaque blue and orange, a transparent magenta background, a faint red wash and a half-opaque edge."""
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[:] = [255, 0, 255, 0]
    rgba[:, 6:] = [0, 90, 200, 255]
    rgba[:4, 6:] = [240, 140, 20, 255]
    rgba[6:, :6] = [255, 0, 0, 60]        # a faint wash: nearly invisible, takes no part
    rgba[:, 6] = [0, 90, 200, 160]        # an anti-aliased edge, more than half opaque: counts, keeps its alpha
    return rgba


def test_rgba_arrays_files_and_pil_images_follow_the_same_transparency_rule(tmp_path: Path) -> None:
    rgba = rgba_logo()
    Image.fromarray(rgba).save(tmp_path / "logo.png")
    visible = rgba[:, :, 3] >= kpalette.pixels.ALPHA_MIN
    palette = kpalette.extract_palette(rgba[:, :, :3], 4, mask=visible)
    assert sorted(palette.hex) == ["#005ac8", "#f08c14"]   # no magenta, no red
    for source in (rgba, tmp_path / "logo.png", str(tmp_path / "logo.png"), Image.fromarray(rgba),
                   rgba.astype(np.uint16) * 257, rgba / 255.0):
        assert kpalette.extract_palette(source, 4) == palette
        poster = kpalette.quantize(source, palette)
        assert poster.shape == (10, 12, 4)
        assert np.array_equal(poster[:, :, 3], np.where(visible, rgba[:, :, 3], 0))   # the rule, in the poster
        assert {tuple(c) for c in poster[visible][:, :3]} <= {tuple(c) for c in palette.rgb}
        labels = kpalette.assign(source, palette)
        assert (labels[~visible] == -1).all() and (labels[visible] >= 0).all()
    # a mask given with an RGBA image: a pixel must pass both
    left_only = np.zeros((10, 12), bool)
    left_only[:, :9] = True
    assert kpalette.extract_palette(rgba, 4, mask=left_only) == kpalette.extract_palette(
        rgba[:, :, :3], 4, mask=visible & left_only)


def test_grey_and_alpha_arrays() -> None:
    la = np.zeros((4, 4, 2), np.uint8)
    la[:2] = [30, 255]
    la[2:] = [250, 10]
    assert kpalette.extract_palette(la, 3).hex == ["#1e1e1e"]


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "CMYK", "LA", "PA", "YCbCr", "HSV"])
def test_pil_images_of_every_mode_read_as_their_files_do(tmp_path: Path, mode: str) -> None:
    base = Image.fromarray(frame_like())
    im = base.convert("P").convert("PA") if mode == "PA" else base.convert(mode)
    assert im.mode == mode
    rgb = np.asarray(im.convert("RGBA" if "A" in mode else "RGB"))
    expected = kpalette.extract_palette(rgb, 4)
    assert kpalette.extract_palette(im, 4) == expected
    if mode not in ("PA", "YCbCr", "HSV"):   # modes PNG or TIFF keep as they are
        im.save(tmp_path / "frame", format="TIFF" if mode == "CMYK" else "PNG")
        assert kpalette.extract_palette(tmp_path / "frame", 4) == expected


def test_pil_images_of_16_bit_and_float_greys() -> None:
    grey16 = frame_like()[:, :, 1].astype(np.uint16) * 257 + 100
    expected = np.rint(grey16 / 257).astype(np.uint8)
    floats = (frame_like()[:, :, 1] / 255.0).astype(np.float32)
    for im, want in [(Image.fromarray(grey16), expected), (Image.fromarray(grey16.astype(np.int32)), expected),
                     (Image.fromarray(floats), frame_like()[:, :, 1])]:
        rgb, alpha = kpalette.pixels.as_pixels(im)
        assert alpha is None and all(np.array_equal(rgb[:, :, c], want) for c in range(3)), im.mode


# --- bytes, file objects and standard input ----------------------------------------------------------------------

def test_bytes_and_binary_files_read_like_the_path(tmp_path: Path) -> None:
    path = tmp_path / "blocks.png"
    Image.fromarray(colour_blocks()).save(path)
    expected = load_image(path)
    data = path.read_bytes()
    with open(path, "rb") as f:
        from_file = load_image(f)
    read_end, write_end = os.pipe()   # a pipe cannot seek, as standard input often cannot
    with os.fdopen(write_end, "wb") as w:
        w.write(data)
    with os.fdopen(read_end, "rb") as r:
        from_pipe = load_image(r)
    for got in (load_image(data), load_image(bytearray(data)), load_image(memoryview(data)), from_file, from_pipe,
                load_image(str(path)), load_image(io.BytesIO(data))):
        assert np.array_equal(got, expected)
    with pytest.raises(KPaletteError, match="the image data is empty"):
        load_image(b"")
    with pytest.raises(KPaletteError, match="the image data: not an image file"):
        load_image(b"hello, not an image")


# --- colour management: embedded ICC profiles are converted to sRGB ------------------------------------------------

ICC = Path(__file__).parent / "icc"


def srgb_decode(v: np.ndarray) -> np.ndarray:
    v = v / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0, 1)
    return 255 * np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def rgb_to_xyz(primaries: list[tuple[float, float]], white: tuple[float, float]) -> np.ndarray:
    """The matrix from linear RGB to XYZ of a space given by its primaries' and white point's xy chromaticities."""
    xyz = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in primaries]).T
    wx, wy = white
    scale = np.linalg.solve(xyz, [wx / wy, 1.0, (1 - wx - wy) / wy])
    return xyz * scale


D65 = (0.3127, 0.3290)
SRGB = rgb_to_xyz([(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)], D65)
SPACES_BY_HAND = {
    # Display P3: DCI-P3 primaries, D65 white, the sRGB curve
    "DisplayP3-v4.icc": (rgb_to_xyz([(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)], D65), srgb_decode),
    # Adobe RGB (1998): its primaries, D65 white, a pure power curve of 563/256
    "AdobeCompat-v4.icc": (rgb_to_xyz([(0.64, 0.33), (0.21, 0.71), (0.15, 0.06)], D65),
                           lambda v: (v / 255.0) ** (563 / 256)),
}


def mild_colours() -> np.ndarray:
    """Colours well inside sRGB in both wide spaces, so converting them clips nothing."""
    rng = np.random.default_rng(5)
    return rng.integers(60, 190, (16, 16, 3), dtype=np.uint8)


@pytest.mark.parametrize("profile", sorted(SPACES_BY_HAND))
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_wide_gamut_files_are_converted_to_srgb(tmp_path: Path, profile: str, fmt: str) -> None:
    to_xyz, decode = SPACES_BY_HAND[profile]
    stored = mild_colours()
    options = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    Image.fromarray(stored).save(tmp_path / "photo", format=fmt, icc_profile=(ICC / profile).read_bytes(), **options)
    raw = np.asarray(Image.open(tmp_path / "photo").convert("RGB")).astype(float)   # what was stored, decoded
    by_hand = srgb_encode(decode(raw) @ (np.linalg.inv(SRGB) @ to_xyz).T)
    got = load_image(tmp_path / "photo")
    assert np.abs(got - by_hand).max() <= 1.5                        # LittleCMS agrees with the matrices
    assert np.abs(got.astype(int) - raw).max() >= 10                 # and the conversion did change the colours
    palette = kpalette.extract_palette(tmp_path / "photo", 3)
    assert palette == kpalette.extract_palette(got, 3)


def test_a_display_p3_red_becomes_the_reddest_srgb_red(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4), (255, 0, 0)).save(tmp_path / "p3.png", icc_profile=(ICC / "DisplayP3-v4.icc").read_bytes())
    r, g, b = load_image(tmp_path / "p3.png")[0, 0].tolist()
    assert r == 255 and g < 30 and b < 30   # outside sRGB: brought to its edge, not read as sRGB's own red


def test_srgb_profiles_change_nothing_and_alpha_survives_conversion(tmp_path: Path) -> None:
    rgba = rgba_logo()
    Image.fromarray(rgba).save(tmp_path / "srgb.png", icc_profile=(ICC / "sRGB-v4.icc").read_bytes())
    Image.fromarray(rgba).save(tmp_path / "p3.png", icc_profile=(ICC / "DisplayP3-v4.icc").read_bytes())
    rgb, alpha = kpalette.pixels.as_pixels(tmp_path / "srgb.png")
    assert np.array_equal(rgb, rgba[:, :, :3]) and np.array_equal(alpha, rgba[:, :, 3])
    rgb, alpha = kpalette.pixels.as_pixels(tmp_path / "p3.png")
    assert np.array_equal(alpha, rgba[:, :, 3]) and not np.array_equal(rgb, rgba[:, :, :3])


def test_a_pil_image_carrying_a_profile_is_converted_too(tmp_path: Path) -> None:
    Image.fromarray(mild_colours()).save(tmp_path / "p3.png", icc_profile=(ICC / "DisplayP3-v4.icc").read_bytes())
    with Image.open(tmp_path / "p3.png") as im:
        assert np.array_equal(kpalette.pixels.as_pixels(im)[0], load_image(tmp_path / "p3.png"))


def test_a_damaged_profile_is_ignored_like_browsers_do(tmp_path: Path) -> None:
    Image.fromarray(colour_blocks()).save(tmp_path / "bad.png", icc_profile=b"not a profile at all" * 10)
    assert np.array_equal(load_image(tmp_path / "bad.png"), colour_blocks())
