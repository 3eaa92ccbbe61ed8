"""kpalette: a film frame's colour palette with k-means.

The method of the book *Film Palettes with k-means*, as a small library::

    >>> import kpalette
    >>> image = kpalette.load_image("pics/rocket.jpg")
    >>> palette = kpalette.extract_palette(image, k=8)
    >>> palette.hex                                   # doctest: +SKIP
    >>> poster = kpalette.quantize(image, palette)
    >>> print(kpalette.to_css(palette))                # doctest: +SKIP

and as a command: ``kpalette pics/rocket.jpg -k 8 --format json`` (see :mod:`kpalette.cli`).

A :class:`Palette` is a value: ``palette[0]``, ``for colour in palette``, ``==``, ``Palette.from_hex`` and
``Palette.read`` (:func:`read_palette`: every format :func:`export` writes). ``extract_palette`` and
``quantize`` take paths, URLs, bytes, PIL images and arrays of any integer or float dtype (see
:mod:`kpalette.pixels`, which also states the transparency rule). ``kpalette.plot`` needs matplotlib
(``pip install 'kpalette[plot]'``).

Films (``pip install 'kpalette[video]'``): :func:`analyse_film` gives every sampled frame's palette, the cuts,
a palette per scene and the film's palette, from one decoding pass (:mod:`kpalette.film`); :func:`read_frames`
streams the frames (:mod:`kpalette.video`); :mod:`kpalette.barcode` draws the movie barcode and
:mod:`kpalette.distribute` spreads a film library over a Dask cluster.
"""

from __future__ import annotations

from .cluster import METHODS, extract_palette
from .color import delta_e, from_hex, lab_to_rgb, rgb_to_lab, to_hex
from .errors import KPaletteError
from .export import FORMATS, export, to_ase, to_css, to_gpl, to_hex_list, to_json, to_text
from .io import MAX_PIXELS, load_image
from .names import nearest_names
from .palette import Colour, Palette
from .pixels import ALPHA_MIN
from .quantize import assign, quantize
from .readers import read_palette
from .swatch import swatch

__all__ = [
    "ALPHA_MIN",
    "Colour",
    "FORMATS",
    "MAX_PIXELS",
    "METHODS",
    "KPaletteError",
    "Palette",
    "analyse_film",
    "assign",
    "delta_e",
    "export",
    "extract_palette",
    "film_palette",
    "from_hex",
    "lab_to_rgb",
    "load_image",
    "nearest_names",
    "quantize",
    "read_frames",
    "read_palette",
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

# The film functions are imported when first used, so that the command line starts as quickly as before.
_LAZY = {"analyse_film": "film", "film_palette": "film", "read_frames": "video"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'kpalette' has no attribute {name!r}")
