"""Write a palette in the formats designers' tools read.

Every function returns the whole file as ``str`` (or ``bytes`` for the binary ``.ase``), so the caller decides
where it goes. The colours keep the palette's order; the text formats are byte-identical for the same palette.

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
import struct
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from .errors import KPaletteError
from .palette import Palette
from .term import colour_block

__all__ = ["FORMATS", "BINARY_FORMATS", "export", "to_text", "to_json", "to_css", "to_gpl", "to_hex_list",
           "to_ase", "describe"]


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
    """A table for people: one row per colour with its share, hex code, RGB and Lab.

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
    lines.append(f"{pad} #  hex       share     R    G    B        L        a        b")
    for i, (code, rgb, lab, p) in enumerate(zip(palette.hex, palette.rgb, palette.lab, palette.proportions), 1):
        block = colour_block(rgb) + " " if colour else ""
        lab = [round(float(v), 2) + 0.0 for v in lab]
        lines.append(f"{block}{i:2d}  {code}  {p:6.1%}  {rgb[0]:3d}  {rgb[1]:3d}  {rgb[2]:3d}  "
                     f"{lab[0]:7.2f}  {lab[1]:7.2f}  {lab[2]:7.2f}")
    return "\n".join(lines) + "\n"


def to_json(palette: Palette, *, image: str | None = None, k: int | None = None, method: str | None = None,
            seed: int | None = None) -> str:
    """The palette as JSON: ``{"image", "k", "space", "method", "seed", "colors": [...]}``.

    Each colour is ``{"hex", "rgb", "lab", "proportion"}`` (see :meth:`Palette.to_dict`), one colour per
    line; Lab values are rounded to 2 decimals and proportions to 6, so the text is the same on every machine.
    """
    head: dict[str, Any] = {"image": image, "k": len(palette) if k is None else k, "space": palette.space,
                            "method": method, "seed": seed}
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    colours = [json.dumps(c, separators=(", ", ": ")) for c in palette.to_dict()]
    lines.append('  "colors": [' + ("\n    " + ",\n    ".join(colours) + "\n  ]" if colours else "]"))
    return "{\n" + "\n".join(lines) + "\n}\n"


def to_css(palette: Palette, *, image: str | None = None, prefix: str = "kpalette", **meta: Any) -> str:
    """The palette as CSS custom properties on ``:root``: ``--kpalette-1: #rrggbb;`` and so on.

    Use them in a style sheet as ``color: var(--kpalette-1);``. A comment gives each colour's share.
    """
    source = f" of {image}" if image else ""
    lines = [f"/* Palette{source} by kpalette: {describe(palette, **meta)}, in palette order. */", ":root {"]
    for i, (code, p) in enumerate(zip(palette.hex, palette.proportions), 1):
        lines.append(f"  --{prefix}-{i}: {code}; /* {p:.1%} */")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_gpl(palette: Palette, *, name: str = "kpalette", **meta: Any) -> str:
    """The palette as a GIMP palette (``.gpl``), which GIMP, Inkscape and Krita read.

    One line per colour: red, green, blue (0 to 255), a tab, and a name (hex code and share).
    """
    clean = " ".join(name.split()) or "kpalette"
    lines = ["GIMP Palette", f"Name: {clean}", f"Columns: {max(1, len(palette))}", f"# {describe(palette, **meta)}"]
    for code, rgb, p in zip(palette.hex, palette.rgb, palette.proportions):
        lines.append(f"{rgb[0]:3d} {rgb[1]:3d} {rgb[2]:3d}\t{code} {p:.1%}")
    return "\n".join(lines) + "\n"


def to_hex_list(palette: Palette, **meta: Any) -> str:
    """The hex codes, one ``#rrggbb`` per line, in palette order."""
    return "".join(code + "\n" for code in palette.hex)


def _ase_colour(name: str, rgb: Any) -> bytes:
    title = (name + "\0").encode("utf-16-be")
    body = struct.pack(">H", len(title) // 2) + title + b"RGB "
    body += struct.pack(">3f", *(int(v) / 255.0 for v in rgb)) + struct.pack(">H", 2)  # 2: a normal colour
    return struct.pack(">HI", 0x0001, len(body)) + body


def to_ase(palette: Palette, **meta: Any) -> bytes:
    """The palette as an Adobe Swatch Exchange file (``.ase``), which Adobe's applications import.

    The file is the signature ``ASEF``, version 1.0 and the number of blocks, then one colour-entry block per
    colour: its name (the hex code, UTF-16 with a closing zero), the colour model ``"RGB "``, three 32-bit
    floats from 0 to 1, and the colour type 2 ("normal"). All numbers are big-endian.

    Returns
    -------
    bytes
    """
    blocks = b"".join(_ase_colour(code, rgb) for code, rgb in zip(palette.hex, palette.rgb))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(palette)) + blocks


FORMATS: dict[str, Callable[..., str | bytes]] = {
    "text": to_text, "json": to_json, "css": to_css, "gpl": to_gpl, "hex": to_hex_list, "ase": to_ase,
}
BINARY_FORMATS = ("ase",)


def export(palette: Palette, fmt: str, *, image: str | None = None, k: int | None = None,
           method: str | None = None, seed: int | None = None) -> str | bytes:
    """The palette in format ``fmt`` (one of :data:`FORMATS`), with optional details of how it was made.

    Raises
    ------
    KPaletteError
        If ``fmt`` is not a known format.
    """
    if fmt not in FORMATS:
        raise KPaletteError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    meta: dict[str, Any] = {"k": k, "method": method, "seed": seed}
    if fmt in ("text", "json", "css"):
        return FORMATS[fmt](palette, image=image, **meta)
    if fmt == "gpl":
        return to_gpl(palette, name=PurePath(image).stem if image else "kpalette", **meta)
    return FORMATS[fmt](palette)
