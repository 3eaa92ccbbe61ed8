"""Write a palette in the formats designers' tools read.

Every function returns the whole file as ``str`` (or ``bytes`` for the binary ``.ase``), so the caller decides
where it goes. The colours keep the palette's order; the text formats are byte-identical for the same palette.
Each colour also carries its nearest CSS colour name (:mod:`kpalette.names`) in the text table, JSON, CSS
comments, GPL and ASE. :func:`kpalette.read_palette` reads every one of these formats back.

========  ===========================================  ==========================================
format    function                                     read by
========  ===========================================  ==========================================
text      :func:`to_text`                              people (a table with shares, RGB and Lab)
json      :func:`to_json`                              programs, web pages
css       :func:`to_css`                               style sheets (CSS custom properties)
gpl       :func:`to_gpl`                               GIMP, Inkscape, Krita (``.gpl`` palettes)
hex       :func:`to_hex_list`                          anything: one ``#rrggbb`` code per line
ase       :func:`to_ase`                               Adobe Photoshop, Illustrator, InDesign
========  ===========================================  ==========================================
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from .errors import KPaletteError
from .palette import Palette
from .term import colour_block

__all__ = ["FORMATS", "BINARY_FORMATS", "EXTENSIONS", "GPL_MAX_COLUMNS", "export", "to_text", "to_json", "to_css",
           "to_gpl", "to_hex_list", "to_ase", "describe", "check_prefix"]

#: The most columns a ``.gpl`` palette asks GIMP to show its swatches in.
GPL_MAX_COLUMNS = 16
_CSS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it can start a CSS custom property name (letters, digits, ``-`` and ``_``, not
    starting with a digit or ``-``), else raise :class:`KPaletteError`."""
    if not isinstance(prefix, str) or not _CSS_NAME.match(prefix):
        raise KPaletteError(f"the CSS prefix must be letters, digits, '-' and '_', starting with a letter or '_', "
                            f"not {prefix!r}")
    return prefix


def describe(palette: Palette, *, k: int | None = None, method: str | None = None,
             seed: int | None = None) -> str:
    """One line saying how the palette was made, e.g. ``"8 colours (k=8, lab space, method fast, seed 42)"``."""
    bits = [f"k={k}"] if k is not None else []
    bits.append(f"{palette.space} space")
    if method is not None:
        bits.append(f"method {method}")
    if seed is not None:
        bits.append(f"seed {seed}")
    n = len(palette)
    return f"{n} colour{'s' if n != 1 else ''} ({', '.join(bits)})"


def to_text(palette: Palette, *, image: str | None = None, k: int | None = None, method: str | None = None,
            seed: int | None = None, colour: bool = False) -> str:
    """A table for people: one row per colour with its share, hex code, RGB, Lab and nearest CSS name.

    Parameters
    ----------
    palette : Palette
    image, k, method, seed : optional
        Shown in the heading line.
    colour : bool, default False
        Start each row with a block painted in that colour (24-bit ANSI escape codes, for terminals).

    Returns
    -------
    str
    """
    head = describe(palette, k=k, method=method, seed=seed)
    lines = [f"{image}: {head}" if image else head]
    pad = "     " if colour else ""
    lines.append(f"{pad} #  hex       share     R    G    B        L        a        b  name")
    rows = zip(palette.hex, palette.rgb, palette.lab, palette.proportions, palette.names)
    for i, (code, rgb, lab, p, name) in enumerate(rows, 1):
        block = colour_block(rgb) + " " if colour else ""
        lab = [round(float(v), 2) + 0.0 for v in lab]
        lines.append(f"{block}{i:2d}  {code}  {p:6.1%}  {rgb[0]:3d}  {rgb[1]:3d}  {rgb[2]:3d}  "
                     f"{lab[0]:7.2f}  {lab[1]:7.2f}  {lab[2]:7.2f}  {name}")
    return "\n".join(lines) + "\n"


def to_json(palette: Palette, *, image: str | None = None, k: int | None = None, method: str | None = None,
            seed: int | None = None, compact: bool = False) -> str:
    """The palette as JSON: ``{"image", "k", "space", "method", "seed", "colors": [...]}``.

    Each colour is ``{"hex", "name", "rgb", "lab", "proportion"}`` (see :meth:`Palette.to_dict`), one colour
    per line; Lab values are rounded to 2 decimals and proportions to 6, so the text is the same on every
    machine. With ``compact`` the whole document is one line: a line of JSON Lines, as the command line writes
    for several images.
    """
    head: dict[str, Any] = {"image": image, "k": len(palette) if k is None else k, "space": palette.space,
                            "method": method, "seed": seed}
    if compact:
        return json.dumps({**head, "colors": palette.to_dict()}) + "\n"
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    colours = [json.dumps(c, separators=(", ", ": ")) for c in palette.to_dict()]
    lines.append('  "colors": [' + ("\n    " + ",\n    ".join(colours) + "\n  ]" if colours else "]"))
    return "{\n" + "\n".join(lines) + "\n}\n"


def to_css(palette: Palette, *, image: str | None = None, prefix: str = "kpalette", **meta: Any) -> str:
    """The palette as CSS custom properties on ``:root``: ``--kpalette-1: #rrggbb;`` and so on.

    Use them in a style sheet as ``color: var(--kpalette-1);``. A comment gives each colour's share and nearest
    CSS name. ``prefix`` replaces ``kpalette`` in the property names (see :func:`check_prefix`).
    """
    check_prefix(prefix)
    source = f" of {image}" if image else ""
    lines = [f"/* Palette{source} by kpalette: {describe(palette, **meta)}, in palette order. */", ":root {"]
    for i, (code, p, name) in enumerate(zip(palette.hex, palette.proportions, palette.names), 1):
        lines.append(f"  --{prefix}-{i}: {code}; /* {p:.1%} {name} */")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_gpl(palette: Palette, *, name: str = "kpalette", **meta: Any) -> str:
    """The palette as a GIMP palette (``.gpl``), which GIMP, Inkscape and Krita read.

    One line per colour: red, green, blue (0 to 255), a tab, and a name: the nearest CSS name, the hex code and
    the share. GIMP shows the swatches in ``Columns`` columns, at most :data:`GPL_MAX_COLUMNS`.
    """
    clean = " ".join(name.split()) or "kpalette"
    columns = min(GPL_MAX_COLUMNS, max(1, len(palette)))
    lines = ["GIMP Palette", f"Name: {clean}", f"Columns: {columns}", f"# {describe(palette, **meta)}"]
    for code, rgb, p, css in zip(palette.hex, palette.rgb, palette.proportions, palette.names):
        lines.append(f"{rgb[0]:3d} {rgb[1]:3d} {rgb[2]:3d}\t{css} {code} {p:.1%}")
    return "\n".join(lines) + "\n"


def to_hex_list(palette: Palette, **meta: Any) -> str:
    """The hex codes, one ``#rrggbb`` per line, in palette order."""
    return "".join(code + "\n" for code in palette.hex)


def _ase_name(name: str) -> bytes:
    title = (name + "\0").encode("utf-16-be")
    return struct.pack(">H", len(title) // 2) + title


def _ase_colour(name: str, rgb: Any) -> bytes:
    body = _ase_name(name) + b"RGB "
    body += struct.pack(">3f", *(int(v) / 255.0 for v in rgb)) + struct.pack(">H", 2)  # 2: a normal colour
    return struct.pack(">HI", 0x0001, len(body)) + body


def to_ase(palette: Palette, *, name: str = "kpalette", **meta: Any) -> bytes:
    """The palette as an Adobe Swatch Exchange file (``.ase``), which Adobe's applications import.

    The file is the signature ``ASEF``, version 1.0 and the number of blocks, then a group named ``name`` (the
    image's name on the command line): a group-start block (type ``0xC001``, the name in UTF-16 with a closing
    zero), one colour-entry block per colour (type ``0x0001``: its name, the nearest CSS name and the hex code;
    the colour model ``"RGB "``; three 32-bit floats from 0 to 1; the colour type 2, "normal") and a group-end
    block (type ``0xC002``, empty). All numbers are big-endian.

    Returns
    -------
    bytes
    """
    clean = " ".join(name.split()) or "kpalette"
    group = _ase_name(clean)
    blocks = [struct.pack(">HI", 0xC001, len(group)) + group]
    blocks += [_ase_colour(f"{css} {code}", rgb) for code, rgb, css in zip(palette.hex, palette.rgb, palette.names)]
    blocks.append(struct.pack(">HI", 0xC002, 0))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)


FORMATS: dict[str, Callable[..., str | bytes]] = {
    "text": to_text, "json": to_json, "css": to_css, "gpl": to_gpl, "hex": to_hex_list, "ase": to_ase,
}
BINARY_FORMATS = ("ase",)
#: The file extension of each format (``--out-dir`` names files with it).
EXTENSIONS = {"text": "txt", "json": "json", "css": "css", "gpl": "gpl", "hex": "hex", "ase": "ase"}


def export(palette: Palette, fmt: str, *, image: str | None = None, k: int | None = None,
           method: str | None = None, seed: int | None = None, prefix: str = "kpalette",
           compact: bool = False) -> str | bytes:
    """The palette in format ``fmt`` (one of :data:`FORMATS`), with optional details of how it was made.

    ``image`` heads the text, JSON and CSS, and its name (without folder and extension) names the GPL palette
    and the ASE group. ``prefix`` is the CSS prefix; ``compact`` writes JSON on one line.

    Raises
    ------
    KPaletteError
        If ``fmt`` is not a known format.
    """
    if fmt not in FORMATS:
        raise KPaletteError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    meta: dict[str, Any] = {"k": k, "method": method, "seed": seed}
    name = PurePath(image).stem if image else "kpalette"
    if fmt == "json":
        return to_json(palette, image=image, compact=compact, **meta)
    if fmt == "css":
        return to_css(palette, image=image, prefix=prefix, **meta)
    if fmt == "text":
        return to_text(palette, image=image, **meta)
    if fmt in ("gpl", "ase"):
        return FORMATS[fmt](palette, name=name, **meta)
    return to_hex_list(palette)
