"""Read palettes back: every format :mod:`kpalette.export` writes, and hex codes typed on a command line.

=========  ==================================================  ==========================================
format     what is read                                        shares
=========  ==================================================  ==========================================
text       the table's rows (colour blocks are ignored)        the share column
json       ``"colors"``: each ``"hex"`` (one object; JSON      ``"proportion"``
           Lines with one line too)
css        every ``--name: #rrggbb;`` (or ``#rgb``)            the ``/* 31.2% ... */`` comments
gpl        every ``R G B name`` line (GIMP's own files too)    a trailing ``31.2%`` in the names
hex        ``#rrggbb`` codes, by line, space or comma          equal
ase        every colour entry: RGB, Gray, CMYK or LAB          equal
=========  ==================================================  ==========================================

When a format keeps no shares, or only some colours have one, every colour gets an equal share. The text and
JSON formats record the clustering space, which the palette keeps; the others give a Lab palette
(:meth:`Palette.from_hex`), so distances for :func:`kpalette.quantize` are measured in Lab.
"""

from __future__ import annotations

import json
import os
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

from .errors import KPaletteError
from .palette import SPACES, Palette

__all__ = ["read_palette", "parse_palette", "parse_hex_codes", "FORMAT_OF_EXTENSION"]

#: The format of each palette file extension (otherwise the content decides).
FORMAT_OF_EXTENSION = {".txt": "text", ".json": "json", ".jsonl": "json", ".css": "css", ".gpl": "gpl",
                       ".hex": "hex", ".ase": "ase"}

_HEX = r"#?(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TEXT_ROW = re.compile(r"^\s*\d+\s+(#[0-9a-fA-F]{6})\s+(\d+(?:\.\d+)?)%\s")
_SPACE = re.compile(r"\b(lab|rgb) space\b")
_CSS_VAR = re.compile(r"--[A-Za-z0-9_-]+\s*:\s*(#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3}))\s*;(?:[ \t]*/\*\s*(\d+(?:\.\d+)?)%)?")
_SHARE_AT_END = re.compile(r"(\d+(?:\.\d+)?)%\s*$")


def _six(code: str) -> str:
    """``#rgb`` or ``rgb`` as ``#rrggbb``; six-digit codes get their ``#``."""
    text = code.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    return "#" + text.lower()


def parse_hex_codes(text: str) -> list[str] | None:
    """The ``#rrggbb`` codes in ``text`` (separated by commas, spaces or lines; ``#`` optional; ``#rgb`` too),
    or ``None`` if anything else is in it."""
    tokens = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    if not tokens or not all(re.fullmatch(_HEX, t) for t in tokens):
        return None
    return [_six(t) for t in tokens]


def _palette(codes: list[str], shares: list[float | None], space: str = "lab", where: str = "the palette"
             ) -> Palette:
    if not codes:
        raise KPaletteError(f"{where}: no colours found")
    known = [s for s in shares if s is not None]
    proportions = None if len(known) != len(codes) or sum(known) <= 0 else known
    return Palette.from_hex(codes, proportions, space="rgb" if space == "rgb" else "lab")


def _read_text(text: str, where: str) -> Palette:
    codes, shares = [], []
    for line in _ANSI.sub("", text).splitlines():
        row = _TEXT_ROW.match(line)
        if row:
            codes.append(row.group(1))
            shares.append(float(row.group(2)))
    space = _SPACE.search(text.split("\n", 1)[0])
    return _palette(codes, shares, space.group(1) if space else "lab", where)


def _read_json(text: str, where: str) -> Palette:
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            raise KPaletteError(f"{where}: holds {len(lines)} palettes (JSON Lines); give a file with one") from None
        raise KPaletteError(f"{where}: not valid JSON") from None
    colours = doc.get("colors", doc.get("colours")) if isinstance(doc, dict) else doc
    if not isinstance(colours, list):
        raise KPaletteError(f'{where}: expected a JSON object with a "colors" list')
    codes, shares = [], []
    for c in colours:
        code = c.get("hex") if isinstance(c, dict) else c
        if not isinstance(code, str):
            raise KPaletteError(f'{where}: every colour needs a "hex" code')
        codes.append(_six(code))
        share = c.get("proportion") if isinstance(c, dict) else None
        shares.append(float(share) if isinstance(share, (int, float)) else None)
    space = doc.get("space") if isinstance(doc, dict) else None
    return _palette(codes, shares, space if space in SPACES else "lab", where)


def _read_css(text: str, where: str) -> Palette:
    found = _CSS_VAR.findall(text)
    return _palette([_six(code) for code, _ in found], [float(s) if s else None for _, s in found], "lab", where)


def _read_gpl(text: str, where: str) -> Palette:
    codes, shares = [], []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if number == 1 or not stripped or stripped.startswith("#") or re.match(r"(Name|Columns)\s*:", stripped):
            continue
        parts = stripped.split(None, 3)
        try:
            rgb = [int(v) for v in parts[:3]]
        except ValueError:
            raise KPaletteError(f"{where}: line {number} is not a colour ('R G B name')") from None
        if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
            raise KPaletteError(f"{where}: line {number} is not a colour ('R G B name', each 0 to 255)")
        codes.append("#{:02x}{:02x}{:02x}".format(*rgb))
        share = _SHARE_AT_END.search(parts[3]) if len(parts) > 3 else None
        shares.append(float(share.group(1)) if share else None)
    return _palette(codes, shares, "lab", where)


def _read_hex(text: str, where: str) -> Palette:
    codes = parse_hex_codes(text)
    if codes is None:
        raise KPaletteError(f"{where}: expected #rrggbb codes only")
    return _palette(codes, [None] * len(codes), "lab", where)


def _ase_rgb(model: bytes, values: tuple[float, ...]) -> list[float]:
    if model == b"RGB ":
        return [v * 255 for v in values]
    if model == b"Gray":
        return [values[0] * 255] * 3
    if model == b"CMYK":
        c, m, y, k = values
        return [255 * (1 - c) * (1 - k), 255 * (1 - m) * (1 - k), 255 * (1 - y) * (1 - k)]
    from .color import lab_to_rgb

    L, a, b = values
    return [float(v) for v in lab_to_rgb(np.array([L * 100, a, b]))]


def _read_ase(data: bytes, where: str) -> Palette:
    counts = {b"RGB ": 3, b"Gray": 1, b"CMYK": 4, b"LAB ": 3}
    if data[:4] != b"ASEF" or len(data) < 12:
        raise KPaletteError(f"{where}: not an Adobe Swatch Exchange file")
    codes, at = [], 12
    try:
        for _ in range(struct.unpack(">I", data[8:12])[0]):
            kind, length = struct.unpack(">HI", data[at : at + 6])
            body = data[at + 6 : at + 6 + length]
            at += 6 + length
            if kind != 0x0001:
                continue  # a group's start or end
            n = struct.unpack(">H", body[:2])[0]
            model = body[2 + 2 * n : 6 + 2 * n]
            if model not in counts:
                raise KPaletteError(f"{where}: unknown colour model {model!r}")
            values = struct.unpack(f">{counts[model]}f", body[6 + 2 * n : 6 + 2 * n + 4 * counts[model]])
            rgb = np.clip(np.rint(_ase_rgb(model, values)), 0, 255).astype(int)
            codes.append("#{:02x}{:02x}{:02x}".format(*rgb))
    except struct.error:
        raise KPaletteError(f"{where}: the swatch file is damaged or cut short") from None
    return _palette(codes, [None] * len(codes), "lab", where)


_TEXT_READERS = {"text": _read_text, "json": _read_json, "css": _read_css, "gpl": _read_gpl, "hex": _read_hex}


def _sniff(data: bytes) -> str:
    if data[:4] == b"ASEF":
        return "ase"
    text = data.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
    if text.startswith("GIMP Palette"):
        return "gpl"
    if text[:1] in "{[":
        return "json"
    if parse_hex_codes(text) is not None:
        return "hex"
    if _CSS_VAR.search(text):
        return "css"
    return "text"


def parse_palette(data: bytes, fmt: str | None = None, *, where: str = "the palette") -> Palette:
    """Read a palette from the bytes of a file in any format :mod:`kpalette.export` writes.

    Parameters
    ----------
    data : bytes
    fmt : {"text", "json", "css", "gpl", "hex", "ase"}, optional
        Guessed from the content when not given.
    where : str
        How error messages name the data.
    """
    fmt = fmt or _sniff(data)
    if fmt == "ase":
        return _read_ase(data, where)
    if fmt not in _TEXT_READERS:
        raise KPaletteError(f"palette format must be one of text, json, css, gpl, hex, ase, not {fmt!r}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KPaletteError(f"{where}: not a text palette file (not UTF-8)") from None
    return _TEXT_READERS[fmt](text, where)


def read_palette(source: str | os.PathLike[str] | bytes, fmt: str | None = None) -> Palette:
    """Read a palette from a file (or its bytes) in any format :mod:`kpalette.export` writes.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A palette file (``.txt``, ``.json``, ``.css``, ``.gpl``, ``.hex``, ``.ase``), or its bytes.
    fmt : str, optional
        The format; by default the file's extension, else its content, decides.

    Returns
    -------
    Palette
        The colours in the file's order, with the shares it records (see the table in :mod:`kpalette.readers`).

    Raises
    ------
    KPaletteError
        If the file is missing, unreadable or holds no colours.

    Examples
    --------
    >>> import kpalette
    >>> palette = kpalette.Palette.from_hex(["#1d2b3a", "#c8a27c"])
    >>> kpalette.read_palette(kpalette.to_gpl(palette).encode()).hex
    ['#1d2b3a', '#c8a27c']
    """
    if isinstance(source, (bytes, bytearray)):
        return parse_palette(bytes(source), fmt)
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KPaletteError(f"{path}: no such palette file") from None
    except IsADirectoryError:
        raise KPaletteError(f"{path}: is a directory, not a palette file") from None
    except OSError as exc:
        raise KPaletteError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse_palette(data, fmt or FORMAT_OF_EXTENSION.get(path.suffix.lower()), where=str(path))
