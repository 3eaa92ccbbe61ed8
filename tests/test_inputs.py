"""Every kind of file a designer may hand to kpalette, each made here for real with Pillow (or by hand)."""

from __future__ import annotations

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

def test_rgba_transparent_pixels_take_no_part(tmp_path: Path) -> None:
    rgba = np.zeros((6, 8, 4), np.uint8)
    rgba[:, :4] = [255, 0, 255, 0]    # magenta, fully transparent
    rgba[:, 4:] = [0, 120, 200, 255]  # opaque blue
    rgba[0, 4] = [250, 250, 0, 40]    # faint yellow: partly visible, so it counts
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "logo.png")
    img, mask = load_image(tmp_path / "logo.png", with_mask=True)
    assert mask.sum() == 24 and not mask[:, :4].any()
    palette = kpalette.extract_palette(img, 4, mask=mask)
    assert sorted(palette.hex) == ["#0078c8", "#fafa00"]
    assert "#ff00ff" not in palette.hex
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
    with pytest.raises(KPaletteError, match="every pixel is fully transparent"):
        load_image(tmp_path / "clear.png", with_mask=True)


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
