"""kpalette: a film frame's colour palette with k-means.

The method of the book *Film Palettes with k-means*, as a small library::

    >>> import kpalette
    >>> image = kpalette.load_image("pics/rocket.jpg")
    >>> palette = kpalette.extract_palette(image, k=8)
    >>> palette.hex                                   # doctest: +SKIP
    >>> poster = kpalette.quantize(image, palette)
    >>> print(kpalette.to_css(palette))                # doctest: +SKIP

and as a command: ``kpalette pics/rocket.jpg -k 8 --format json`` (see :mod:`kpalette.cli`).
"""

from __future__ import annotations

from .cluster import METHODS, extract_palette
from .color import delta_e, from_hex, lab_to_rgb, rgb_to_lab, to_hex
from .errors import KPaletteError
from .export import FORMATS, export, to_ase, to_css, to_gpl, to_hex_list, to_json, to_text
from .io import MAX_PIXELS, load_image
from .palette import Palette
from .quantize import assign, quantize
from .swatch import swatch

__all__ = [
    "FORMATS",
    "MAX_PIXELS",
    "METHODS",
    "KPaletteError",
    "Palette",
    "assign",
    "delta_e",
    "export",
    "extract_palette",
    "from_hex",
    "lab_to_rgb",
    "load_image",
    "quantize",
    "rgb_to_lab",
    "swatch",
    "to_ase",
    "to_css",
    "to_gpl",
    "to_hex",
    "to_hex_list",
    "to_json",
    "to_text",
]
__version__ = "0.1.0"
