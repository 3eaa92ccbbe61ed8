"""The 2400 x 3600 frames of the speed benchmark: two enlarged frames, and a mosaic of real photos.

The size is that of the original tutorial's still. Frames of that size behave very differently for the fast
method, whose cost after one pass over the pixels depends on how many *distinct* colours the frame has:

- ``bunny_2400x3600``: the book's running frame, ``pics/bunny.png`` (1280 x 720), cut to the 3:2 shape of the
  big frame (its middle 1080 x 720) and enlarged 3.33 times with Lanczos resampling. Enlarging invents no new
  colours, only smooth steps between neighbours, so the big frame has few distinct colours for its size.
- ``rocket_2400x3600``: the first edition's big frame, ``pics/rocket.jpg`` (427 x 640, a rocket on its pad at
  dusk) enlarged 5.6 times with Lanczos resampling: mostly smooth dark sky, few distinct colours.
- ``mosaic_2400x3600``: 216 tiles of 200 x 200 pixels cut, at full resolution and without any resampling, from
  every colour photo of the evaluation set (:mod:`evalset`) and from twelve full-size frames of the film. It has
  the grain, noise and detail of real photos everywhere: many distinct colours.

Both are made from files that ship with the book or the installed packages, deterministically, and cached in
``benchmarks/out/`` (not committed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import evalset

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "out"
HEIGHT, WIDTH = 2400, 3600
TILE = 200
UPSCALED = "bunny_2400x3600"
ROCKET = "rocket_2400x3600"
MOSAIC = "mosaic_2400x3600"
NAMES = (UPSCALED, ROCKET, MOSAIC)
#: Full-size frames of the film cut into tiles: every eleventh frame.
MOSAIC_FRAMES = tuple(range(0, 132, 11))


def _upscaled(name: str = "bunny.png") -> np.ndarray:
    from PIL import Image
    with Image.open(ROOT / "pics" / name) as im:
        frame = im.convert("RGB")
    w, h = frame.size
    side = h * WIDTH // HEIGHT                      # the widest 3:2 cut of the frame
    left = (w - side) // 2
    return np.asarray(frame.crop((left, 0, left + side, h)).resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS))


def _tiles(image: np.ndarray) -> list[np.ndarray]:
    """Every whole 200 x 200 tile of an image on a grid from its top left corner."""
    h, w = image.shape[:2]
    return [image[y:y + TILE, x:x + TILE] for y in range(0, h - TILE + 1, TILE) for x in range(0, w - TILE + 1, TILE)]


def _mosaic() -> np.ndarray:
    """Tiles taken in turn from each source (photos and film frames) until the frame is full."""
    sources = [_tiles(evalset._read(parts)) for parts in evalset.PHOTOS.values()]
    frames = evalset.full_frames(MOSAIC_FRAMES)
    sources += [_tiles(frames[i]) for i in MOSAIC_FRAMES]
    tiles = []
    while len(tiles) < (HEIGHT // TILE) * (WIDTH // TILE):
        for source in sources:
            if source:
                tiles.append(source.pop(0))
    rows = WIDTH // TILE
    grid = [np.concatenate(tiles[r * rows:(r + 1) * rows], axis=1) for r in range(HEIGHT // TILE)]
    return np.ascontiguousarray(np.concatenate(grid, axis=0))


def load(name: str) -> np.ndarray:
    """The big frame ``name`` as a (2400, 3600, 3) uint8 array, made once and cached."""
    path = CACHE / f"{name}.npy"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        image = {UPSCALED: _upscaled, ROCKET: lambda: _upscaled("rocket.jpg"), MOSAIC: _mosaic}[name]()
        assert image.shape == (HEIGHT, WIDTH, 3), image.shape
        np.save(path, image)
    return np.load(path)


def thumbnails(path: Path, width: int = 480) -> None:
    """The big frames side by side, each shrunk to ``width`` pixels wide, as one JPEG (for the chapter)."""
    from PIL import Image
    height = width * HEIGHT // WIDTH
    sheet = Image.new("RGB", (len(NAMES) * width + (len(NAMES) - 1) * 12, height), "white")
    for i, name in enumerate(NAMES):
        thumb = Image.fromarray(load(name)).resize((width, height), Image.Resampling.BOX)
        sheet.paste(thumb, (i * (width + 12), 0))
    sheet.save(path, quality=88, optimize=True)


if __name__ == "__main__":
    from kpalette.fast import colour_table
    for name in NAMES:
        image = load(name)
        pixels = image.reshape(-1, 3)
        print(f"{name}: {len(pixels):,} pixels, {len(colour_table(pixels, 7)):,} occupied 7-bit bins, "
              f"{len(np.unique(pixels[::7].view('V3'))):,} distinct colours in every 7th pixel")
