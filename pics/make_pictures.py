"""Draw the book's animations, logo and favicon into ``pics/``.

Run from the repository root (``make pics``)::

    python pics/make_pictures.py                      # everything, full size, into pics/
    python pics/make_pictures.py --only kmeans-at-work
    python pics/make_pictures.py --out /tmp/pics --scale 0.25   # small and quick (the tests do this)

Every picture is drawn with matplotlib from ``pics/rocket.jpg`` or from shapes, with fixed seeds, so a run
gives the same files again. Each animation is a list of frames, each frame a state to draw and how long to
show it; :class:`TimedPillowWriter` saves them with those durations, so a pause is one long frame.

The pictures (file, chapter, what it shows):

``screen-to-pixel.gif`` (ch. 1)
    A close-up of red, green and blue sub-pixels; zooming out they mix into pixels and the pixels into a picture.
``image-as-grid.gif`` (ch. 1)
    A 6 x 8 pixel image; each pixel becomes its (R, G, B) numbers, then three layers: the (h, w, 3) array.
``unrolling.gif`` (ch. 3)
    The rows of the three layers laid one after another into an (h * w, 3) table, as ``reshape(-1, 3)`` does.
``kmeans-at-work.gif`` (ch. 5)
    Lloyd's algorithm (k = 8) on 2,500 of the frame's pixels in 3-D Lab space, from a poor start until the
    centres settle; the palette beside it.
``palette-grows.gif`` (ch. 8)
    The frame quantized to its k-colour palette for k = 1 to 12, with the hex codes.
``logo.png``, ``favicon.png``
    A film frame holding colour swatches of the rocket frame's palette.
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

FRAME = HERE / "rocket.jpg"
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
    """matplotlib's GIF writer, but each frame keeps its own duration (a pause is one long frame)."""

    def __init__(self, durations_ms: Sequence[int]) -> None:
        super().__init__(fps=10)
        self.durations_ms = [int(ms) for ms in durations_ms]

    def finish(self) -> None:
        frames = [im.convert("RGB") for im in self._frames]
        if len(frames) != len(self.durations_ms):
            raise RuntimeError(f"{len(frames)} frames drawn but {len(self.durations_ms)} durations given")
        frames[0].save(self.outfile, save_all=True, append_images=frames[1:],
                       duration=self.durations_ms, loop=0)


def save_animation(fig: Figure, draw: Callable[..., None], frames: Sequence[Frame], path: Path,
                   dpi: float) -> int:
    """Draw every frame with ``draw(**frame.state)`` and save them as an animated GIF; returns the frame count."""

    # The writer's own loop (as FuncAnimation.save runs it, but each frame is rendered once, not twice).
    writer = TimedPillowWriter([f.ms for f in frames])
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
    """The rocket frame; for runs below full size (the tests) every n-th pixel only: faster, same story."""
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
    small = tiny_image(image, top=100, left=200, h=40, w=30, block=8)  # the rocket on its pad
    h, w = small.shape[:2]
    cell = 12  # screen texture: each pixel is 12 x 12 texels, three 3-texel stripes and a dark gap
    stripes = np.zeros((h * cell, w * cell, 3))
    for c in range(3):
        for dx in range(3):
            stripes[:, c * 4 + dx :: cell, c] = np.repeat(small[:, :, c], cell, axis=0)[:, :] / 255.0
    stripes[cell - 1 :: cell, :, :] = 0.0  # dark line between pixel rows
    flat = np.repeat(np.repeat(small / 255.0, cell, axis=0), cell, axis=1)

    # the pixel we start on: the brightest orange light
    warmth = small[..., 0].astype(int) + small[..., 1] - 2 * small[..., 2].astype(int)
    py, px = np.unravel_index(np.argmax(warmth), warmth.shape)
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
    n_zoom = 26
    for i in range(n_zoom):
        t = ease((i + 1) / n_zoom)
        width = float(np.exp(lerp(np.log(2.3), np.log(h / aspect), t)))
        blend = float(np.clip((np.log(width) - np.log(4.0)) / (np.log(14.0) - np.log(4.0)), 0, 1))
        frames.append(Frame(110, dict(width=width, blend=blend, label=False, title="Stepping back",
                                      body="From further away the eye mixes the three lights into one "
                                           "colour per pixel.")))
    frames.append(Frame(4500, dict(width=h / aspect, blend=1.0, label=False, title="Pixels make a picture",
                                   body=f"Side by side, {h} x {w} pixels show the rocket on its launch pad. "
                                        f"The white square is the pixel we started from.")))
    return save_animation(fig, draw, frames, out / "screen-to-pixel.gif", DPI * scale)


# -------------------------------------------------------------------------------------- 2. image-as-grid.gif

def grid_image() -> NDArray[np.uint8]:
    """The 6 x 8 pixel image of ch. 1: the foot of the rocket, a pad light and the evening sky."""
    return tiny_image(kpalette.load_image(FRAME), top=355, left=300, h=6, w=8, block=12)


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

def lloyd_history(lab: NDArray[np.float64], start: NDArray[np.float64], max_iter: int = 40,
                  tol: float = 0.3) -> list[tuple[NDArray[np.float64], NDArray[np.int64]]]:
    """Lloyd's algorithm: (centres, labels) after each assignment step, until the centres stop moving.

    A centre that loses all its points stays where it is.
    """
    centres = start.copy()
    history = []
    for _ in range(max_iter):
        dist = ((lab[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = dist.argmin(axis=1)
        history.append((centres.copy(), labels))
        new = centres.copy()
        for j in range(len(centres)):
            if np.any(labels == j):
                new[j] = lab[labels == j].mean(axis=0)
        moved = float(np.sqrt(((new - centres) ** 2).sum(axis=1)).max())
        centres = new
        if moved < tol:
            break
    dist = ((lab[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    history.append((centres.copy(), dist.argmin(axis=1)))
    return history


def kmeans_at_work(out: Path, scale: float) -> int:
    """k = 8 centres start bunched in the blue corner and move, step by step, until they settle."""
    k = 8
    rng = np.random.default_rng(0)
    pixels = kpalette.load_image(FRAME).reshape(-1, 3)
    sample = pixels[rng.choice(len(pixels), size=2500, replace=False)]
    lab = kpalette.rgb_to_lab(sample)
    # a deliberately poor start: the k most blue-violet distinct colours of the sample, all in one corner
    distinct = np.unique(np.round(lab, 1), axis=0)
    start = distinct[np.argsort(distinct[:, 2])[::4][:k]]
    history = lloyd_history(lab, start)
    n_iter = len(history) - 1
    # number the centres by their final lightness, darkest last, so the palette strip ends sorted
    order = np.argsort(-history[-1][0][:, 0])
    rank = np.argsort(order)
    history = [(centres[order], rank[labels]) for centres, labels in history]

    lims = [(np.percentile(lab[:, i], 0.5) - 4, np.percentile(lab[:, i], 99.5) + 4) for i in range(3)]

    # the figure is set up once; each frame replaces only what changes
    fig = plt.figure(figsize=(9.6, 5.4))
    ax = fig.add_axes((0.0, 0.08, 0.62, 0.84), projection="3d", computed_zorder=False)
    ax.view_init(elev=16, azim=-62)
    ax.set_facecolor(BG)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color((0.50, 0.50, 0.52, 1.0))
        axis.label.set_color(FG)
    ax.set_xlim(lims[1])
    ax.set_ylim(lims[2])
    ax.set_zlim(lims[0])
    ax.set_xlabel("a (green → red)", fontsize=13, labelpad=6)
    ax.set_ylabel("b (blue → yellow)", fontsize=13, labelpad=6)
    ax.set_zlabel("L (lightness)", fontsize=13, labelpad=2)
    ax.tick_params(colors=DIM, labelsize=10)
    strip = fig.add_axes((0.64, 0.08, 0.34, 0.78))
    strip.set_xlim(0, 1)
    strip.set_ylim(k, 0)
    strip.set_autoscale_on(False)
    strip.set_axis_off()
    fig.text(0.64, 0.875, "palette (share of pixels)", fontsize=14, color=DIM, va="bottom")
    title_text = fig.text(0.03, 0.955, "", fontsize=20, fontweight="bold", color=ACCENT, va="top")
    note_text = fig.text(0.03, 0.025, "", fontsize=14, color=FG, va="bottom")
    changing: list[Any] = []

    def draw(step: int, phase: str, title: str, note: str) -> None:
        """``phase``: "data" (own colours), "assign" (colours of the nearest centre) or "update"."""
        for artist in changing:
            artist.remove()
        changing.clear()
        title_text.set_text(title)
        note_text.set_text(note)
        centres, labels = history[step]
        shown = history[min(step + 1, n_iter)][0] if phase == "update" else centres
        dots = sample / 255.0 if phase == "data" else kpalette.lab_to_rgb(centres)[labels] / 255.0
        changing.append(ax.scatter(lab[:, 1], lab[:, 2], lab[:, 0], s=7, c=dots, linewidths=0, depthshade=False,
                                   zorder=1))
        trail = np.array([hist[0] for hist in history[: step + 1]] + ([shown] if phase == "update" else []))
        for j in range(k):
            changing.extend(ax.plot(trail[:, j, 1], trail[:, j, 2], trail[:, j, 0], color="white", lw=1.4,
                                    zorder=4))
        rgb_now = kpalette.lab_to_rgb(shown)
        changing.append(ax.scatter(shown[:, 1], shown[:, 2], shown[:, 0], s=230, c=rgb_now / 255.0,
                                   edgecolors="white", linewidths=2.5, depthshade=False, zorder=5))
        # the palette: one swatch per centre, in a fixed order so each can be followed
        shares = np.bincount(labels, minlength=k) / len(labels)
        rects = [(0.0, j + 0.07, 0.36, 0.86) for j in range(k)]
        add_rects(strip, rects, rgb_now / 255.0, "#666677", 0.8, 2)
        changing.append(strip.collections[-1])
        for j, code in enumerate(kpalette.to_hex(rgb_now)):
            changing.append(strip.text(0.41, j + 0.5, f"{code}  {shares[j]:4.0%}", fontsize=14, va="center",
                                       family="DejaVu Sans Mono", color=FG))

    pts = f"{len(lab):,} pixels of the rocket frame in Lab"
    frames = [Frame(3000, dict(step=0, phase="data", title="k-means at work, k = 8: the start",
                               note=f"{pts}; 8 centres, badly placed"))]
    for step in range(n_iter):
        pace = 900 if step < 4 else 450
        frames.append(Frame(pace, dict(step=step, phase="assign", title=f"Iteration {step + 1}: assign",
                                       note="Each pixel joins its nearest centre (and takes its colour)")))
        frames.append(Frame(pace, dict(step=step, phase="update", title=f"Iteration {step + 1}: update",
                                       note="Each centre moves to the mean of its pixels")))
    frames.append(Frame(5500, dict(step=n_iter, phase="assign",
                                   title=f"Settled after {n_iter} iterations",
                                   note="The centres no longer move: they are the palette")))
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
    """``logo.png`` (256 px) and ``favicon.png`` (48 px): the rocket frame's palette in a film frame.

    The frame's five colours are muted night tones; for an icon they are made bolder (chroma doubled)
    and spread over a range of lightness, so each swatch stands out on the dark film.
    """
    palette = kpalette.extract_palette(thinned_frame(scale), k=5, method="minibatch")
    lab = palette.lab.copy()
    lab[:, 0] = np.linspace(38, 82, len(lab))[np.argsort(np.argsort(lab[:, 0]))]
    lab[:, 1:] *= 2.0
    lab = lab[np.argsort(lab[:, 2])]  # blue to orange
    codes = kpalette.to_hex(kpalette.lab_to_rgb(lab))
    film_icon(out / "logo.png", max(32, int(round(256 * scale))), codes, sprockets=True)
    film_icon(out / "favicon.png", 48, [codes[i] for i in (0, 1, 3, 4)], sprockets=False)
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
