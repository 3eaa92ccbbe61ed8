"""Draw the book's animations, logo and favicon into ``pics/``.

Run from the repository root (``make pics``)::

    python pics/make_pictures.py                      # everything, full size, into pics/
    python pics/make_pictures.py --only kmeans-at-work
    python pics/make_pictures.py --out /tmp/pics --scale 0.25   # small and quick (the tests do this)

Every picture is drawn with matplotlib from ``pics/bunny.png`` (frame 66 of the Big Buck Bunny clip,
(c) 2008 Blender Foundation, CC BY 3.0) or from shapes, with fixed seeds, so a run gives the same files again.
Each animation is a list of frames, each frame a state to draw and how long to show it;
:class:`TimedPillowWriter` saves them with those durations, so a pause is one long frame.

The pictures (file, chapter, what it shows):

``screen-to-pixel.gif`` (ch. 1)
    A close-up of red, green and blue sub-pixels (a pixel of bright grass); zooming out they mix into pixels
    and 40 x 38 pixels into a picture of the bunny stretching.
``image-as-grid.gif`` (ch. 1)
    A 6 x 8 pixel image (the edge of the bunny's grey belly against the grass); each pixel becomes its
    (R, G, B) numbers, then three layers: the (h, w, 3) array.
``unrolling.gif`` (ch. 3)
    The rows of the three layers laid one after another into an (h * w, 3) table, as ``reshape(-1, 3)`` does.
``kmeans-at-work.gif`` (ch. 5)
    Lloyd's algorithm (k = 8) on 2,500 of the frame's pixels in Lab, from 8 pixels picked at random until no
    centre moves more than 0.5: a 3-D view and two projections (a-b from above, L-a from the side) with equal
    scales on every axis, and the palette with hex codes. One centre starts in the pale sky next to another
    and travels late and far (rounds 3 to 5) to the blue of the distant hills; the script prints the rounds.
``palette-grows.gif`` (ch. 8)
    The frame quantized to its k-colour palette for k = 1 to 12, with the hex codes.
``logo.png``, ``favicon.png``
    A film frame holding colour swatches of the frame's palette.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import PillowWriter  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402
from numpy.typing import NDArray  # noqa: E402
from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing kpalette

import kpalette  # noqa: E402
from kpalette.plot import text_colour  # noqa: E402

FRAME = HERE / "bunny.png"
DPI = 100  # full size: a 9.6 x 5.4 inch figure is 960 x 540 pixels
BG = "#15151c"  # dark background (reads well on a projector)
FG = "#f4f4f4"
DIM = "#9a9aa8"
ACCENT = "#ffb23f"
CHANNEL_COLOURS = {"R": "#ff5b5b", "G": "#4fd86b", "B": "#6a9bff"}  # labels, bright enough on BG

plt.rcParams.update({
    "font.family": "DejaVu Sans",
    "font.size": 16,
    "text.color": FG,
    "figure.facecolor": BG,
    "savefig.facecolor": BG,
})


# --------------------------------------------------------------------------------------------------- helpers

@dataclass
class Frame:
    """One frame of an animation: the keyword arguments of the draw function and how long to show it (ms)."""

    ms: int
    state: dict[str, Any] = field(default_factory=dict)


class TimedPillowWriter(PillowWriter):
    """matplotlib's GIF writer, but each frame keeps its own duration (a pause is one long frame).

    All frames share one palette of 255 colours (no dithering, so text and flat areas stay clean), which leaves
    a colour free for transparency: Pillow then stores only the pixels that changed since the previous frame,
    and a GIF whose frames differ in a few places stays small.
    """

    def __init__(self, durations_ms: Sequence[int], shared: bool = True) -> None:
        super().__init__(fps=10)
        self.durations_ms = [int(ms) for ms in durations_ms]
        self.shared = shared

    def finish(self) -> None:
        frames = [im.convert("RGB") for im in self._frames]
        if len(frames) != len(self.durations_ms):
            raise RuntimeError(f"{len(frames)} frames drawn but {len(self.durations_ms)} durations given")
        if not self.shared:  # photographs: each frame gets its own palette (larger file, truer colours)
            frames[0].save(self.outfile, save_all=True, append_images=frames[1:], duration=self.durations_ms,
                           loop=0)
            return
        shared = shared_palette(frames)
        indexed = [im.quantize(palette=shared, dither=Image.Dither.NONE) for im in frames]
        indexed[0].save(self.outfile, save_all=True, append_images=indexed[1:], duration=self.durations_ms,
                        loop=0, optimize=True)


def shared_palette(frames: Sequence[Image.Image], colours: int = 255, flat_pixels: int = 1500,
                   most_flat: int = 96) -> Image.Image:
    """One palette for all frames: the design's own colours (text, background, channel names) and every colour
    that fills a flat area of at least ``flat_pixels`` pixels in some frame, exactly (swatches keep the colour
    their hex code names); the rest by median cut."""
    flat: dict[int, int] = {}
    for im in frames:
        rgb = np.asarray(im, dtype=np.uint32)
        codes, counts = np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2], return_counts=True)
        for code, count in zip(codes[counts >= flat_pixels].tolist(), counts[counts >= flat_pixels].tolist()):
            flat[code] = max(flat.get(code, 0), count)
    key = [int(c[1:], 16) for c in (BG, FG, DIM, ACCENT, "#ffffff", "#000000", *CHANNEL_COLOURS.values())]
    fixed = key + [c for c in sorted(flat, key=flat.__getitem__, reverse=True) if c not in key][:most_flat]
    thumbs = [im.reduce(2) for im in frames]
    montage = Image.new("RGB", (thumbs[0].width, thumbs[0].height * len(thumbs)))
    for i, im in enumerate(thumbs):
        montage.paste(im, (0, i * thumbs[0].height))
    rest = montage.quantize(colors=colours - len(fixed), method=Image.Quantize.MEDIANCUT,
                            dither=Image.Dither.NONE).getpalette()[: 3 * (colours - len(fixed))]
    entries = [v for code in fixed for v in ((code >> 16) & 255, (code >> 8) & 255, code & 255)] + rest
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries + [0] * (768 - len(entries)))
    return palette


def save_animation(fig: Figure, draw: Callable[..., None], frames: Sequence[Frame], path: Path,
                   dpi: float, shared_palette: bool = True) -> int:
    """Draw every frame with ``draw(**frame.state)`` and save them as an animated GIF; returns the frame count."""

    # The writer's own loop (as FuncAnimation.save runs it, but each frame is rendered once, not twice).
    writer = TimedPillowWriter([f.ms for f in frames], shared=shared_palette)
    with writer.saving(fig, str(path), dpi):
        for frame in frames:
            draw(**frame.state)
            writer.grab_frame()
    plt.close(fig)
    with Image.open(path) as im:
        n = im.n_frames
    if n != len(frames):  # Pillow merges identical neighbours: every planned frame must show something new
        raise RuntimeError(f"{path.name}: {len(frames)} frames planned but {n} written")
    return n


def ease(t: float) -> float:
    """Smooth start and stop for a motion parameter ``t`` in [0, 1]."""
    t = min(max(t, 0.0), 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def lerp(a: Any, b: Any, t: float) -> Any:
    return np.asarray(a, dtype=float) * (1 - t) + np.asarray(b, dtype=float) * t


def tiny_image(image: NDArray[np.uint8], top: int, left: int, h: int, w: int, block: int) -> NDArray[np.uint8]:
    """An ``(h, w, 3)`` image: the mean colour of each ``block`` x ``block`` square of a crop."""
    crop = image[top : top + h * block, left : left + w * block].astype(float)
    means = crop.reshape(h, block, w, block, 3).mean(axis=(1, 3))
    return np.rint(means).astype(np.uint8)


def thinned_frame(scale: float) -> NDArray[np.uint8]:
    """The film frame; for runs below full size (the tests) every n-th pixel only: faster, same story."""
    step = max(1, int(round(1 / scale)))
    return kpalette.load_image(FRAME)[::step, ::step]


def new_canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure with one axes filling it, in data units of tenths of an inch (y grows upwards)."""
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    return fig, ax


def reset_canvas(ax: Axes, width: float, height: float) -> None:
    ax.clear()
    ax.set_xlim(0, width * 10)
    ax.set_ylim(0, height * 10)
    ax.set_autoscale_on(False)
    ax.set_axis_off()


def add_rects(ax: Axes, rects: Sequence[tuple[float, float, float, float]], facecolors: Any, edgecolor: str,
              lw: float, zorder: float) -> None:
    """Draw many rectangles ``(x, y, width, height)`` at once (one collection is much faster than patches)."""
    patches = [Rectangle((x, y), w, h) for x, y, w, h in rects]
    ax.add_collection(PatchCollection(patches, facecolors=facecolors, edgecolors=edgecolor, linewidths=lw,
                                      zorder=zorder))


def add_cells(ax: Axes, x0: float, top: float, size: float, colours: NDArray[np.float64], zorder: float) -> None:
    """An ``(h, w, 3)`` array of colours as a grid of square cells, its top-left corner at ``(x0, top)``."""
    h, w = colours.shape[:2]
    extent = (x0, x0 + w * size, top - h * size, top)
    ax.imshow(colours, extent=extent, interpolation="nearest", aspect="auto", zorder=zorder)
    ax.vlines(x0 + np.arange(w + 1) * size, extent[2], top, colors="black", lw=0.8, zorder=zorder)
    ax.hlines(top - np.arange(h + 1) * size, x0, extent[1], colors="black", lw=0.8, zorder=zorder)


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def rgb01(rgb: Any) -> tuple[float, float, float]:
    r, g, b = (np.asarray(rgb, dtype=float) / 255.0).tolist()
    return (r, g, b)


# ------------------------------------------------------------------------------------ 1. screen-to-pixel.gif

def screen_to_pixel(out: Path, scale: float) -> int:
    """Sub-pixel stripes, zooming out until they mix into pixels and the pixels into a small picture."""
    image = kpalette.load_image(FRAME)
    small = tiny_image(image, top=0, left=120, h=40, w=38, block=18)  # the bunny stretching, arms up
    h, w = small.shape[:2]
    cell = 12  # screen texture: each pixel is 12 x 12 texels, three 3-texel stripes and a dark gap
    stripes = np.zeros((h * cell, w * cell, 3))
    for c in range(3):
        for dx in range(3):
            stripes[:, c * 4 + dx :: cell, c] = np.repeat(small[:, :, c], cell, axis=0)[:, :] / 255.0
    stripes[cell - 1 :: cell, :, :] = 0.0  # dark line between pixel rows
    flat = np.repeat(np.repeat(small / 255.0, cell, axis=0), cell, axis=1)

    # the pixel we start on: the most vivid one (largest Lab chroma), a blade-lit patch of yellow-green grass
    # (not on the edge, so that its numbers fit below it)
    lab = kpalette.rgb_to_lab(small)
    chroma = np.hypot(lab[..., 1], lab[..., 2])[2:-4, 2:-3]
    py, px = np.add(np.unravel_index(np.argmax(chroma), chroma.shape), 2)
    value = small[py, px]

    box = (0.02, 0.04, 0.5, 0.92)  # axes for the screen, in figure fractions
    aspect = (box[3] * 5.4) / (box[2] * 9.6)  # height / width of the axes box
    fig = plt.figure(figsize=(9.6, 5.4))

    def draw(width: float, blend: float, title: str, body: str, label: bool) -> None:
        fig.clear()
        ax = fig.add_axes(box)
        ax.imshow(stripes * (1 - blend) + flat * blend, extent=(0, w, h, 0), interpolation="antialiased")
        cx, cy = px + 0.5, py + 0.5
        cx = min(max(cx, width / 2), w - width / 2) if width < w else w / 2
        height = width * aspect
        cy = min(max(cy, height / 2), h - height / 2) if height < h else h / 2
        ax.set_xlim(cx - width / 2, cx + width / 2)
        ax.set_ylim(cy + height / 2, cy - height / 2)
        ax.set_facecolor("black")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(DIM)
        ax.add_patch(Rectangle((px, py), 1, 1, fill=False, edgecolor="white", lw=2.5))
        if label:
            for c, name in enumerate("RGB"):
                ax.text(px + (c * 4 + 1.5) / cell, py + 1.08, f"{name}\n{value[c]}", ha="center", va="top",
                        color=CHANNEL_COLOURS[name], fontsize=17, fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor=BG, edgecolor="none"))
        fig.text(0.545, 0.9, title, fontsize=19, fontweight="bold", va="top", color=ACCENT)
        fig.text(0.545, 0.76, wrap(body, 30), fontsize=17, va="top", linespacing=1.5)

    frames = [
        Frame(2600, dict(width=2.3, blend=0.0, label=False, title="A screen, very close up",
                         body="Each pixel is made of three tiny lights: a red, a green and a blue sub-pixel.")),
        Frame(3400, dict(width=2.3, blend=0.0, label=True, title="One pixel = three numbers",
                         body=f"How bright each light shines is one number from 0 to 255. This pixel is "
                              f"R\u00a0=\u00a0{value[0]}, G\u00a0=\u00a0{value[1]}, "
                              f"B\u00a0=\u00a0{value[2]}.")),
    ]
    n_zoom = 22
    for i in range(n_zoom):
        t = ease((i + 1) / n_zoom)
        width = float(np.exp(lerp(np.log(2.3), np.log(h / aspect), t)))
        blend = float(np.clip((np.log(width) - np.log(4.0)) / (np.log(14.0) - np.log(4.0)), 0, 1))
        frames.append(Frame(130, dict(width=width, blend=blend, label=False, title="Stepping back",
                                      body="From further away the eye mixes the three lights into one "
                                           "colour per pixel.")))
    frames.append(Frame(4500, dict(width=h / aspect, blend=1.0, label=False, title="Pixels make a picture",
                                   body=f"Side by side, {h} x {w} pixels show the bunny stretching in front of "
                                        f"his burrow. The white square is the pixel we started from, in the "
                                        f"bright grass.")))
    return save_animation(fig, draw, frames, out / "screen-to-pixel.gif", DPI * scale, shared_palette=False)


# -------------------------------------------------------------------------------------- 2. image-as-grid.gif

def grid_image() -> NDArray[np.uint8]:
    """The 6 x 8 pixel image of ch. 1: the edge of the bunny's grey belly against the yellow-green grass."""
    return tiny_image(kpalette.load_image(FRAME), top=300, left=560, h=6, w=8, block=12)


def image_as_grid(out: Path, scale: float) -> int:
    """A 6 x 8 image, its (R, G, B) numbers, and the three stacked layers of the (h, w, 3) array."""
    img = grid_image()
    h, w = img.shape[:2]
    W, H = 9.6, 5.4
    fig, ax = new_canvas(W, H)
    tints = np.zeros((3, h, w, 3))
    for c in range(3):
        tints[c, :, :, c] = img[:, :, c] / 255.0

    # where each layer sits (x, y of its top-left corner, cell size) in three poses
    whole = [(48 - 4 * 6.0, 45, 6.0)] * 3
    side = [(4.5 + c * 30.5, 40, 3.4) for c in range(3)]
    stack = [(22 + c * 8.0, 37 + c * 4.0, 4.0) for c in range(3)]  # one cell up, two across

    def draw(pose: float, numbers: int, layered: float, title: str, note: str, axes_labels: bool) -> None:
        """``pose`` 0 whole image, 1 side by side, 2 stacked; ``numbers`` rows of (R, G, B) shown."""
        reset_canvas(ax, W, H)
        ax.text(48, 51.5, title, ha="center", va="center", fontsize=21, fontweight="bold", color=ACCENT)
        ax.text(48, 3.5, note, ha="center", va="center", fontsize=16, color=FG)
        if pose <= 1:
            places = [lerp(a, b, ease(pose)) for a, b in zip(whole, side)]
        else:
            places = [lerp(a, b, ease(pose - 1)) for a, b in zip(side, stack)]
        order = [2, 1, 0] if pose > 1 else [0, 1, 2]  # when stacked, R is in front
        for depth, c in enumerate(order):
            x0, y0, s = places[c]
            colours = img / 255.0 * (1 - layered) + tints[c] * layered
            z = 2 + 3 * depth
            add_cells(ax, x0, y0, s, colours, z)
            hidden = pose == 2 and c > 0  # at rest, only the top row and the right columns of a back layer show
            for r in range(h):
                for q in range(w):
                    if layered > 0.5 and not (hidden and r > 0 and q < w - 2):
                        tone = text_colour(colours[r, q] * 255)
                        ax.text(x0 + (q + 0.5) * s, y0 - (r + 0.5) * s, str(img[r, q, c]), ha="center",
                                va="center", fontsize=9.5 if s < 4.5 else 11, color=tone, zorder=z + 1)
            if layered > 0.5 and pose >= 0.8:
                name = "RGB"[c]
                if pose <= 1.5:
                    ax.text(x0 + w * s / 2, y0 + 1.8, f"{name} layer", ha="center", va="bottom",
                            fontsize=18, fontweight="bold", color=CHANNEL_COLOURS[name], zorder=z + 1)
                else:
                    ax.text(x0 - 0.8, y0 - s / 2, name, ha="right", va="center", fontsize=18,
                            fontweight="bold", color=CHANNEL_COLOURS[name], zorder=z + 1)
        if pose == 0:
            x0, y0, s = places[0]
            for r in range(min(numbers, h)):
                for q in range(w):
                    rgb = img[r, q]
                    ax.text(x0 + (q + 0.5) * s, y0 - (r + 0.5) * s, "\n".join(str(v) for v in rgb),
                            ha="center", va="center", fontsize=9.5, linespacing=1.05,
                            color=text_colour(rgb), zorder=20)
        if axes_labels:
            x0, y0, s = stack[0]
            arrow = dict(arrowstyle="-|>", mutation_scale=16, color=FG, lw=1.8, zorder=30)
            ax.add_patch(FancyArrowPatch((x0 - 4.5, y0), (x0 - 4.5, y0 - h * s), **arrow))
            ax.text(x0 - 5.5, y0 - h * s / 2, f"height\n{h} rows", ha="right", va="center", fontsize=15)
            ax.add_patch(FancyArrowPatch((x0, y0 - h * s - 1.5), (x0 + w * s, y0 - h * s - 1.5), **arrow))
            ax.text(x0 + w * s / 2, y0 - h * s - 2.5, f"width: {w} columns", ha="center", va="top",
                    fontsize=15)
            bx, by, _ = stack[2]
            ax.add_patch(FancyArrowPatch((x0 + w * s + 1.5, y0 - h * s - 1.0), (bx + w * s + 1.5, by - h * s - 1.0),
                                         **arrow))
            ax.text(bx + w * s + 2.5, by - h * s - 1.5, "depth:\n3 channels", ha="left", va="top", fontsize=15)

    frames = [Frame(2400, dict(pose=0, numbers=0, layered=0, axes_labels=False,
                               title=f"A tiny image: {h} x {w} pixels",
                               note="Each square is one pixel."))]
    for r in range(1, h + 1):
        frames.append(Frame(450 if r < h else 3200, dict(
            pose=0, numbers=r, layered=0, axes_labels=False, title="Every pixel is three numbers",
            note="Red, green and blue brightness, each from 0 to 255 (top to bottom in each square).")))
    for i in range(1, 11):
        frames.append(Frame(110 if i < 10 else 3600, dict(
            pose=i / 10, numbers=h, layered=min(1.0, max(0.0, (i - 7) / 2)), axes_labels=False,
            title="Three layers of numbers", note=f"One {h} x {w} layer per channel: R, G and B.")))
    for i in range(1, 11):
        frames.append(Frame(110 if i < 10 else 5000, dict(
            pose=1 + i / 10, numbers=h, layered=1.0, axes_labels=i == 10,
            title=f"Stacked: an array of shape ({h}, {w}, 3)",
            note="image[row, column, channel]   e.g. image[0, 0] is the top-left pixel's (R, G, B)")))
    return save_animation(fig, draw, frames, out / "image-as-grid.gif", DPI * scale)


# ------------------------------------------------------------------------------------------ 3. unrolling.gif

def unrolling(out: Path, scale: float) -> int:
    """The rows of the three layers, one after another, become an (h * w, 3) table: one row per pixel."""
    img = grid_image()[1:5, 1:6]  # 4 x 5 pixels of the same little image
    h, w = img.shape[:2]
    n = h * w
    W, H = 9.6, 6.4
    fig, ax = new_canvas(W, H)
    s = 3.6  # layer cell size
    layer_x, layer_top = 9.0, 55.0
    layer_y = [layer_top - c * (h * s + 2.6) for c in range(3)]  # top edge of each layer
    row_h = 2.4
    table_top = 55.0
    col_x = {"idx": 52.0, "swatch": 58.0, 0: 66.5, 1: 75.0, 2: 83.5}  # left edges
    col_w = 7.6

    def layer_cell(c: int, r: int, q: int) -> tuple[float, float, float, float]:
        return (layer_x + q * s, layer_y[c] - (r + 1) * s, s, s)

    def table_cell(c: int, i: int) -> tuple[float, float, float, float]:
        return (col_x[c], table_top - (i + 1) * row_h, col_w, row_h)

    def draw(done: int, moving: int, t: float, title: str, note: str) -> None:
        """``done`` image rows are already in the table; row ``moving`` is on its way (``t`` in [0, 1])."""
        reset_canvas(ax, W, H)
        ax.text(48, 61.3, title, ha="center", va="center", fontsize=20, fontweight="bold", color=ACCENT)
        ax.text(48, 3.0, note, ha="center", va="center", fontsize=14, family="DejaVu Sans Mono", zorder=10)
        # the layers, with empty slots where cells have left
        slots = [layer_cell(c, r, q) for c in range(3) for r in range(h) for q in range(w)]
        slots += [table_cell(c, i) for c in range(3) for i in range(n)]
        add_rects(ax, slots, "none", "#3a3a48", 0.7, 1)
        for c in range(3):
            name = "RGB"[c]
            ax.text(layer_x - 1.2, layer_y[c] - h * s / 2, name, ha="right", va="center", fontsize=20,
                    fontweight="bold", color=CHANNEL_COLOURS[name])
        ax.text(layer_x + w * s / 2, layer_y[0] + 0.5, f"columns 0 to {w - 1}", ha="center", va="bottom",
                fontsize=11, color=DIM)
        for r in range(h):
            ax.text(layer_x + w * s + 1.0, layer_y[0] - (r + 0.5) * s, f"row {r}", va="center", fontsize=11,
                    color=ACCENT if r == moving else DIM)
        # the table header
        ax.text(col_x["idx"] + 2.5, table_top + 0.8, "row", ha="center", va="bottom", fontsize=13, color=DIM)
        ax.text(col_x["swatch"] + 3.5, table_top + 0.8, "pixel", ha="center", va="bottom", fontsize=13,
                color=DIM)
        for c in range(3):
            name = "RGB"[c]
            ax.text(col_x[c] + col_w / 2, table_top + 0.8, name, ha="center", va="bottom", fontsize=15,
                    fontweight="bold", color=CHANNEL_COLOURS[name])
        # every cell: in the layer, moving, or in the table
        for moving_now in (False, True):
            rects, faces, swatches, swatch_faces = [], [], [], []
            for r in range(h):
                if (r == moving) != moving_now:
                    continue
                where = 1.0 if r < done else ease(t) if r == moving else 0.0
                for q in range(w):
                    i = r * w + q
                    for c in range(3):
                        tint = np.zeros(3)
                        tint[c] = img[r, q, c]
                        x, y, cw, ch = lerp(layer_cell(c, r, q), table_cell(c, i), where)
                        rects.append((x, y, cw, ch))
                        faces.append(rgb01(tint))
                        ax.text(x + cw / 2, y + ch / 2, str(img[r, q, c]), ha="center", va="center",
                                fontsize=10.5, color=text_colour(tint), zorder=6 if moving_now else 4)
                    if where == 1.0:
                        _, y, _, ch = table_cell(0, i)
                        ax.text(col_x["idx"] + 4.5, y + ch / 2, str(i), ha="right", va="center", fontsize=11,
                                family="DejaVu Sans Mono", color=FG)
                        swatches.append((col_x["swatch"], y + 0.2, 7.0, ch - 0.4))
                        swatch_faces.append(rgb01(img[r, q]))
            if rects:
                add_rects(ax, rects, faces, "black", 0.6, 5 if moving_now else 3)
            if swatches:
                add_rects(ax, swatches, swatch_faces, "#555566", 0.6, 3)
        if 0 <= moving < h:  # the table rows this image row is heading for
            for q in range(w):
                _, y, _, ch = table_cell(0, moving * w + q)
                ax.text(col_x["idx"] + 4.5, y + ch / 2, str(moving * w + q), ha="right", va="center",
                        fontsize=11, family="DejaVu Sans Mono", color=ACCENT)

    intro = f"image.shape == ({h}, {w}, 3)"
    frames = [Frame(2600, dict(done=0, moving=-1, t=0.0, title=f"A {h} x {w} image: three layers", note=intro))]
    for r in range(h):
        note = f"image row {r} → table rows {r * w} to {r * w + w - 1}: table row = {r} * {w} + column"
        frames.append(Frame(700, dict(done=r, moving=r, t=0.0, note=note,
                                      title=f"Unrolling: row {r} of each layer")))
        for i in range(1, 7):
            frames.append(Frame(100, dict(done=r, moving=r, t=i / 6, note=note,
                                          title=f"Unrolling: row {r} of each layer")))
        frames.append(Frame(900, dict(done=r + 1, moving=-1, t=0.0, note=note,
                                      title=f"Unrolling: row {r} done")))
    frames.append(Frame(5500, dict(done=h, moving=-1, t=0.0, title=f"One row per pixel: a ({n}, 3) table",
                                   note=f"pixels = image.reshape(-1, 3)   # ({h}, {w}, 3) → ({n}, 3)")))
    return save_animation(fig, draw, frames, out / "unrolling.gif", DPI * scale)


# ------------------------------------------------------------------------------------- 4. kmeans-at-work.gif

KMEANS_K = 8
KMEANS_SAMPLE = 2500  # pixels drawn at random from the frame (seed 0)
KMEANS_START_SEED = 0  # the start: KMEANS_K pixels of the sample, chosen at random with this seed
KMEANS_TOL = 0.5  # stop after the round in which no centre moved more than this (in Lab units)
LAB_WORDS = {"L": "lightness L", "a": "green–red a", "b": "blue–yellow b"}


@dataclass
class LloydRun:
    """Lloyd's algorithm, round by round: ``centres[t]`` after ``t`` rounds, ``labels[t]`` assigned to them."""

    centres: list[NDArray[np.float64]]
    labels: list[NDArray[np.int64]]

    @property
    def rounds(self) -> int:
        return len(self.centres) - 1

    def moves(self) -> NDArray[np.float64]:
        """``moves[t - 1, j]``: how far centre ``j`` moved in round ``t`` (Lab units)."""
        return np.linalg.norm(np.diff(np.array(self.centres), axis=0), axis=2)


def nearest_centre(lab: NDArray[np.float64], centres: NDArray[np.float64]) -> NDArray[np.int64]:
    return ((lab[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def lloyd_history(lab: NDArray[np.float64], start: NDArray[np.float64], max_iter: int = 40,
                  tol: float = KMEANS_TOL) -> LloydRun:
    """Lloyd's algorithm from ``start``: each round assigns every point to its nearest centre, then moves each
    centre to the mean of its points. It stops after the round in which no centre moved more than ``tol``.

    A centre that loses all its points stays where it is.
    """
    run = LloydRun([start.copy()], [nearest_centre(lab, start)])
    for _ in range(max_iter):
        centres, labels = run.centres[-1], run.labels[-1]
        new = centres.copy()
        for j in range(len(centres)):
            if np.any(labels == j):
                new[j] = lab[labels == j].mean(axis=0)
        run.centres.append(new)
        run.labels.append(nearest_centre(lab, new))
        if np.linalg.norm(new - centres, axis=1).max() <= tol:
            break
    return run


@dataclass
class Migration:
    """The centre that travels furthest after the first two rounds: the animation's instructive moment."""

    centre: int
    rounds: list[int]  # the rounds (1-based) in which it moves at least 5 Lab units, from round 3 on
    longest_round: int
    longest_step: float
    start: NDArray[np.float64]
    end: NDArray[np.float64]
    path: float  # the length of its whole path, all rounds

    def describe(self) -> str:
        return (f"centre {self.centre}: Lab {np.round(self.start).astype(int).tolist()} -> "
                f"{np.round(self.end).astype(int).tolist()}, path {self.path:.1f}, moves >= 5 in rounds "
                f"{self.rounds}, longest step {self.longest_step:.1f} in round {self.longest_round}")


def find_migration(run: LloydRun) -> Migration:
    moves = run.moves()
    j = int(moves[2:].sum(axis=0).argmax())
    later = [t for t in range(3, run.rounds + 1) if moves[t - 1, j] >= 5]
    longest = int(moves[:, j].argmax()) + 1
    return Migration(j, later, longest, float(moves[longest - 1, j]), run.centres[0][j], run.centres[-1][j],
                     float(moves[:, j].sum()))


def kmeans_sample() -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The pixels the animation clusters: a fixed random sample of the frame, in sRGB and in Lab."""
    pixels = kpalette.load_image(FRAME).reshape(-1, 3)
    rng = np.random.default_rng(0)
    sample = pixels[rng.choice(len(pixels), size=KMEANS_SAMPLE, replace=False)]
    return sample, kpalette.rgb_to_lab(sample)


def kmeans_run() -> tuple[NDArray[np.uint8], NDArray[np.float64], LloydRun, Migration]:
    """The sample, the Lloyd run from a random start, and its migrating centre (numbered by final lightness)."""
    sample, lab = kmeans_sample()
    start = lab[np.random.default_rng(KMEANS_START_SEED).choice(len(lab), size=KMEANS_K, replace=False)]
    run = lloyd_history(lab, start)
    # number the centres by their final lightness, lightest first, so the palette strip ends sorted
    order = np.argsort(-run.centres[-1][:, 0])
    rank = np.argsort(order)
    run = LloydRun([c[order] for c in run.centres], [rank[labels] for labels in run.labels])
    migration = find_migration(run)
    # the story the frames tell (and pics/CREDITS.md and the chapters repeat): a centre that starts in the pale
    # sky, next to another one, travels late and far to the blue of the distant hills and the tree's edge
    assert migration.start[0] > 85 and migration.end[2] < -25 and migration.path > 30, migration.describe()
    assert min(migration.rounds) >= 3, migration.describe()
    return sample, lab, run, migration


def kmeans_at_work(out: Path, scale: float) -> int:
    """k = 8 centres start at 8 random pixels and move, round by round, until they settle.

    A 3-D view of Lab and its two projections (green–red a against blue–yellow b, and against lightness L),
    all with equal scales on every axis, and the palette with its hex codes and shares.
    """
    k = KMEANS_K
    sample, lab, run, migration = kmeans_run()
    n = run.rounds
    lo = np.percentile(lab, 0.5, axis=0) - 4
    hi = np.percentile(lab, 99.5, axis=0) + 4
    lo[0], hi[0] = 0.0, 100.0
    lims = {name: (float(lo[i]), float(hi[i])) for i, name in enumerate("Lab")}
    span = {name: b - a for name, (a, b) in lims.items()}

    fig = plt.figure(figsize=(9.6, 6.4))
    # the two projections share one scale (figure height per Lab unit), so their sizes follow the data's ranges
    unit = 0.60 / span["b"]
    unit_x = unit * 6.4 / 9.6
    bottom = 0.26
    ab_box = (0.515, bottom, unit_x * span["a"], unit * span["b"])
    la_box = (ab_box[0] + ab_box[2] + 0.085, bottom, unit_x * span["a"], unit * span["L"])
    ax3 = fig.add_axes((-0.035, 0.19, 0.50, 0.72), projection="3d", computed_zorder=False)
    ax3.view_init(elev=18, azim=-58)
    ax3.set_box_aspect((span["a"], span["b"], span["L"]), zoom=0.95)  # equal scales: a distance is a distance
    ax3.set_facecolor(BG)
    for axis in (ax3.xaxis, ax3.yaxis, ax3.zaxis):
        axis.set_pane_color((0.42, 0.42, 0.45, 1.0))
        axis.label.set_color(FG)
    ax3.set_xlim(lims["a"])
    ax3.set_ylim(lims["b"])
    ax3.set_zlim(lims["L"])
    ax3.set_xlabel(LAB_WORDS["a"], fontsize=12, labelpad=0)
    ax3.set_ylabel(LAB_WORDS["b"], fontsize=12, labelpad=4)
    ax3.set_zlabel(LAB_WORDS["L"], fontsize=12, labelpad=-2)
    ax3.tick_params(colors=DIM, labelsize=10, pad=0)
    ax3.set_xticks([-30, 0])
    ax3.set_yticks([-40, 0, 40])
    ax3.set_zticks([0, 50, 100])
    panels = []
    for box, (x, y) in ((ab_box, ("a", "b")), (la_box, ("a", "L"))):
        ax = fig.add_axes(box)
        ax.set_facecolor("#6b6b73")
        ax.set_xlim(lims[x])
        ax.set_ylim(lims[y])
        ax.set_aspect("equal")
        ax.set_xlabel(LAB_WORDS[x], fontsize=12, color=FG, labelpad=2)
        ax.set_ylabel(LAB_WORDS[y], fontsize=12, color=FG, labelpad=0)
        ax.tick_params(colors=DIM, labelsize=10, pad=2)
        ax.set_xticks([-30, 0])
        for spine in ax.spines.values():
            spine.set_color(DIM)
        panels.append((ax, x, y))
    top = bottom + unit * span["b"] + 0.015
    fig.text(0.21, top, "3-D view", ha="center", va="bottom", fontsize=12, color=DIM)
    fig.text(ab_box[0] + ab_box[2] / 2, top, "seen from above", ha="center", va="bottom", fontsize=12, color=DIM)
    fig.text(la_box[0] + la_box[2] / 2, top, "seen from the side", ha="center", va="bottom", fontsize=12,
             color=DIM)
    strip = fig.add_axes((0.02, 0.055, 0.96, 0.085))
    strip.set_xlim(0, k)
    strip.set_ylim(0, 1)
    strip.set_autoscale_on(False)
    strip.set_axis_off()
    fig.text(0.02, 0.145, "palette: the centres' colours, with their share of the pixels", fontsize=12,
             color=DIM, va="bottom")
    title_text = fig.text(0.02, 0.975, "", fontsize=19, fontweight="bold", color=ACCENT, va="top")
    note_text = fig.text(0.02, 0.012, "", fontsize=12.5, color=FG, va="bottom")
    coord = {"L": 0, "a": 1, "b": 2}
    changing: list[Any] = []

    def draw(step: int, phase: str, title: str, note: str, mark: bool) -> None:
        """After ``step`` rounds; ``phase`` "data" (own colours), "assign" (nearest centre's colour) or
        "update" (the centres of round ``step + 1``, the dots still coloured by ``step``'s assignment)."""
        for artist in changing:
            artist.remove()
        changing.clear()
        title_text.set_text(title)
        note_text.set_text(note)
        labels = run.labels[step]
        shown_step = step + 1 if phase == "update" else step
        shown = run.centres[shown_step]
        trail = np.array(run.centres[: shown_step + 1])
        centre_rgb = kpalette.lab_to_rgb(run.centres[step])
        dots = sample / 255.0 if phase == "data" else centre_rgb[labels] / 255.0
        rgb_now = kpalette.lab_to_rgb(shown) / 255.0
        edges = ["white"] * k
        widths = [2.0] * k
        if mark:
            edges[migration.centre] = ACCENT
            widths[migration.centre] = 3.5
        changing.append(ax3.scatter(lab[:, 1], lab[:, 2], lab[:, 0], s=5, c=dots, linewidths=0,
                                    depthshade=False, zorder=1))
        for j in range(k):
            changing.extend(ax3.plot(trail[:, j, 1], trail[:, j, 2], trail[:, j, 0], color=edges[j], lw=1.3,
                                     zorder=4))
        changing.append(ax3.scatter(shown[:, 1], shown[:, 2], shown[:, 0], s=170, c=rgb_now, edgecolors=edges,
                                    linewidths=widths, depthshade=False, zorder=5))
        for ax, x, y in panels:
            changing.append(ax.scatter(lab[:, coord[x]], lab[:, coord[y]], s=3, c=dots, linewidths=0, zorder=1))
            for j in range(k):
                changing.extend(ax.plot(trail[:, j, coord[x]], trail[:, j, coord[y]], color=edges[j], lw=1.1,
                                        zorder=4))
            changing.append(ax.scatter(shown[:, coord[x]], shown[:, coord[y]], s=110, c=rgb_now,
                                       edgecolors=edges, linewidths=widths, zorder=5))
        # the palette: one swatch per centre, in a fixed order so each can be followed
        shares = np.bincount(labels, minlength=k) / len(labels)
        codes = kpalette.to_hex(kpalette.lab_to_rgb(shown))
        for j in range(k):
            face = rgb_now[j]
            changing.append(strip.add_patch(Rectangle((j + 0.04, 0.0), 0.92, 1.0, facecolor=face,
                                                      edgecolor=edges[j], lw=widths[j] if mark else 0.8)))
            tone = text_colour(face * 255)
            changing.append(strip.text(j + 0.5, 0.66, codes[j], ha="center", va="center", fontsize=12,
                                       family="DejaVu Sans Mono", color=tone))
            if phase != "data":  # at the start no pixel has been assigned yet
                changing.append(strip.text(j + 0.5, 0.27, f"{shares[j]:.0%}", ha="center", va="center",
                                           fontsize=12, color=tone))

    assign_note = "Assign: each pixel joins its nearest centre (and takes its colour)."
    update_note = "Update: each centre moves to the mean of its pixels (white lines: the paths so far)."
    start_note = (f"{KMEANS_SAMPLE:,} pixels of the Big Buck Bunny frame in Lab; "
                  f"{k} centres start at {k} pixels picked at random.")
    frames = [Frame(3500, dict(step=0, phase="data", title=f"k-means at work, k = {k}: the start", note=start_note,
                               mark=False))]
    moves = run.moves()
    for step in range(n):
        r = step + 1
        pace = 1000 if r <= 2 else 700 if r <= max(migration.rounds) + 1 else 400
        moving = r in migration.rounds
        note = update_note
        if moving:
            note = (f"The orange-ringed centre leaves the pale sky for the blue hills: "
                    f"{moves[step, migration.centre]:.0f} Lab units this round.")
        frames.append(Frame(pace, dict(step=step, phase="assign", title=f"Round {r}: assign", note=assign_note,
                                       mark=moving)))
        frames.append(Frame(pace + (900 if moving else 0), dict(step=step, phase="update",
                                                                title=f"Round {r}: update", note=note,
                                                                mark=moving)))
    frames.append(Frame(6000, dict(step=n, phase="assign", title=f"Settled after {n} rounds",
                                   note=f"No centre moved more than {KMEANS_TOL} Lab units in the last round: "
                                        "the centres are the palette.", mark=False)))
    print(f"kmeans-at-work: {n} rounds; migrating {migration.describe()}")
    return save_animation(fig, draw, frames, out / "kmeans-at-work.gif", DPI * scale)


# -------------------------------------------------------------------------------------- 5. palette-grows.gif

def palette_grows(out: Path, scale: float) -> int:
    """The frame quantized to its k-colour palette, k = 1 to 12, with the palette's hex codes."""
    image = thinned_frame(scale)
    ks = list(range(1, 13))
    results = []
    for k in ks:
        palette = kpalette.extract_palette(image, k, method="minibatch")
        results.append((palette, kpalette.quantize(image, palette)))
    fig = plt.figure(figsize=(9.6, 6.4))

    def draw(i: int) -> None:
        fig.clear()
        k = ks[i]
        palette, poster = results[i]
        ax = fig.add_axes((0.15, 0.25, 0.70, 0.65))
        ax.imshow(poster, interpolation="antialiased")
        ax.set_axis_off()
        fig.text(0.5, 0.965, f"k = {k}", fontsize=26, fontweight="bold", color=ACCENT, ha="center", va="top")
        strip = fig.add_axes((0.03, 0.06, 0.94, 0.15))
        strip.set_xlim(0, 12)
        strip.set_ylim(0, 1)
        strip.set_axis_off()
        width = 12 / k if k <= 3 else 1.0
        x0 = (12 - width * k) / 2
        for j, (rgb, code, share) in enumerate(zip(palette.rgb, palette.hex, palette.proportions)):
            x = x0 + j * width
            strip.add_patch(Rectangle((x, 0), width, 1, facecolor=rgb01(rgb), edgecolor=BG, lw=1.5))
            strip.text(x + width / 2, 0.62, code, ha="center", va="center", fontsize=11,
                       family="DejaVu Sans Mono", color=text_colour(rgb))
            strip.text(x + width / 2, 0.28, f"{share:.0%}", ha="center", va="center", fontsize=11,
                       color=text_colour(rgb))
        fig.text(0.5, 0.012, "colours ordered by share of the frame", ha="center", va="bottom", fontsize=12,
                 color=DIM)

    frames = [Frame(1500 if k < 12 else 5000, dict(i=i)) for i, k in enumerate(ks)]
    return save_animation(fig, draw, frames, out / "palette-grows.gif", DPI * scale)


# ------------------------------------------------------------------------------------------- logo, favicon

def film_icon(path: Path, pixels: int, colours: Sequence[str], sprockets: bool) -> None:
    """A film frame (dark, rounded, with sprocket holes when large) holding vertical colour swatches."""
    fig = plt.figure(figsize=(pixels / 100, pixels / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_axis_off()
    ax.add_patch(FancyBboxPatch((3, 3), 94, 94, boxstyle="round,pad=0,rounding_size=12", facecolor="#1b1b24",
                                edgecolor="#d8d8e0", lw=max(1.0, pixels / 90)))
    if sprockets:
        for i in range(6):
            for y in (8.5, 86.5):
                ax.add_patch(FancyBboxPatch((12 + i * 13.2, y), 7, 5, boxstyle="round,pad=0,rounding_size=1.5",
                                            facecolor="#d8d8e0", lw=0))
        top, bottom = 80, 20
    else:
        top, bottom = 86, 14
    n = len(colours)
    left, right = 14, 86
    wdt = (right - left) / n
    for j, code in enumerate(colours):
        ax.add_patch(Rectangle((left + j * wdt, bottom), wdt, top - bottom, facecolor=code, lw=0))
    fig.savefig(path, dpi=100, transparent=True, metadata={"Software": None})
    plt.close(fig)


def logo_and_favicon(out: Path, scale: float) -> int:
    """``logo.png`` (256 px) and ``favicon.png`` (48 px): the film frame's palette in a film frame.

    The logo holds the frame's five colours (the book's method, ``k=5``), largest share first, as they are,
    except that the darkest are lifted to lightness 36 so that they show on the dark film; the favicon holds
    the four largest.
    """
    palette = kpalette.extract_palette(thinned_frame(scale), k=5, method="minibatch")
    lab = palette.lab.copy()
    lab[:, 0] = np.maximum(lab[:, 0], 36.0)
    codes = kpalette.to_hex(kpalette.lab_to_rgb(lab))
    film_icon(out / "logo.png", max(32, int(round(256 * scale))), codes, sprockets=True)
    film_icon(out / "favicon.png", 48, codes[:4], sprockets=False)
    print(f"logo: {' '.join(codes)} (from {' '.join(palette.hex)})")
    return 2


PICTURES: dict[str, Callable[[Path, float], int]] = {
    "screen-to-pixel": screen_to_pixel,
    "image-as-grid": image_as_grid,
    "unrolling": unrolling,
    "kmeans-at-work": kmeans_at_work,
    "palette-grows": palette_grows,
    "logo": logo_and_favicon,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the book's animations, logo and favicon.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: pics/)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size factor, e.g. 0.25 for quick small test pictures (default 1)")
    parser.add_argument("--only", action="append", choices=sorted(PICTURES), metavar="NAME",
                        help=f"draw only this picture (repeatable): {', '.join(PICTURES)}")
    args = parser.parse_args(argv)
    if not 0.05 <= args.scale <= 4:
        parser.error("--scale must be between 0.05 and 4")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(PICTURES):
        t0 = time.perf_counter()
        count = PICTURES[name](args.out, args.scale)
        if name == "logo":
            print(f"logo.png, favicon.png: drawn in {time.perf_counter() - t0:.1f} s")
        else:
            size = (args.out / f"{name}.gif").stat().st_size
            print(f"{name}.gif: {count} frames, {size / 1024:.0f} kB, {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
