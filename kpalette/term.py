"""Colour in the terminal: decide whether to use it, and paint a block in a given colour."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

from numpy.typing import ArrayLike

__all__ = ["supports_colour", "colour_block"]


def supports_colour(stream: IO[Any], environ: Mapping[str, str] | None = None) -> bool:
    """Whether to paint colours on ``stream``.

    True only when the stream is a terminal (``isatty``), ``NO_COLOR`` is not set (https://no-color.org) and
    ``TERM`` is not ``dumb``.
    """
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def colour_block(rgb: ArrayLike, width: int = 4) -> str:
    """``width`` spaces on a background of colour ``rgb`` (24-bit ANSI escape code), then a reset."""
    r, g, b = (int(v) for v in list(rgb)[:3])
    return f"\x1b[48;2;{r};{g};{b}m{' ' * width}\x1b[0m"
