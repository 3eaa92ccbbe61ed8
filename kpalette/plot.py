"""Matplotlib helpers the chapters share: show frames and palettes, always with their hex codes.

This module needs matplotlib, which kpalette installs only with the ``plot`` extra:
``pip install 'kpalette[plot]'`` (the book's ``requirements.txt`` has it). The rest of kpalette does not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .palette import Palette
from .swatch import swatch, text_colour

try:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
except ImportError:  # pragma: no cover - only without the extra
    raise ImportError("kpalette.plot needs matplotlib: pip install 'kpalette[plot]'") from None

__all__ = ["show", "show_row", "show_palette", "text_colour"]


def show(image: ArrayLike, title: str | None = None, *, ax: Axes | None = None, **imshow_kw: object) -> Axes:
    """Show one image without axes; returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7 * np.shape(image)[0] / np.shape(image)[1]))
    ax.imshow(image, **imshow_kw)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_row(images: Sequence[ArrayLike], titles: Sequence[str] | None = None, *, width: float = 12.0,
             **imshow_kw: object) -> Figure:
    """Show images side by side with optional titles; returns the figure."""
    n = len(images)
    h, w = np.shape(images[0])[:2]
    fig, axes = plt.subplots(1, n, figsize=(width, width / n * h / w + 0.6), squeeze=False)
    for i, (ax, img) in enumerate(zip(axes[0], images)):
        show(img, titles[i] if titles else None, ax=ax, **imshow_kw)
    fig.tight_layout()
    return fig


def show_palette(palette: Palette, *, proportional: bool = False, ax: Axes | None = None,
                 title: str | None = None, labels: bool = True) -> Axes:
    """Draw a palette as stripes, each labelled with its hex code (and share when ``proportional``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 1.6))
    width, height = 900, 120
    ax.imshow(swatch(palette, width=width, height=height, proportional=proportional))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if labels:
        shares = palette.proportions if proportional else np.full(len(palette), 1 / len(palette))
        left = np.concatenate([[0.0], np.cumsum(shares)[:-1]]) * width
        for x, share, code, rgb, p in zip(left, shares, palette.hex, palette.rgb, palette.proportions):
            if share * width < 45:
                continue  # too narrow to label
            label = f"{code}\n{p:.0%}" if proportional else code
            ax.text(x + share * width / 2, height / 2, label, ha="center", va="center",
                    fontsize=8, family="monospace", color=text_colour(rgb))
    return ax
