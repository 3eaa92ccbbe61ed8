"""The ``kpalette`` command: a frame's palette from the shell.

Examples
--------
::

    kpalette frame.jpg                      # a table of 8 colours, largest share first
    kpalette frame.jpg -k 5 --format css    # CSS custom properties
    kpalette frame.jpg --format ase -o frame.ase --swatch frame-palette.png --quantized frame-poster.png

Exit status: 0 on success; 1 when the input cannot be used (one line ``kpalette: error: ...`` on stderr);
2 when the command line itself is wrong (argparse's usage message).

Output files are written whole or not at all: everything is computed and checked first, each file is written
to a temporary file in its own directory and then renamed over the target.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .errors import KPaletteError

__all__ = ["main", "build_parser", "MAX_K", "IMAGE_FORMATS"]

#: The most colours the command asks for (the size of a GIF or indexed-PNG palette).
MAX_K = 256

#: File types ``--swatch`` and ``--quantized`` can write, by extension (case does not matter).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF",
                 ".webp": "WEBP", ".bmp": "BMP"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 95}, "WEBP": {"lossless": True}}


def _colour_count(text: str) -> int:
    try:
        k = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of colours, got {text!r}") from None
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"the number of colours must be from 1 to {MAX_K}, got {k}")
    return k


def _seed(text: str) -> int:
    try:
        seed = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(f"the seed must be from 0 to {2**32 - 1}, got {seed}")
    return seed


def build_parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    from . import __version__
    from .cluster import METHODS
    from .export import FORMATS
    from .palette import SPACES

    parser = argparse.ArgumentParser(
        prog="kpalette",
        description="Find the colour palette of an image (a film frame, a photo) with k-means.",
        epilog="Exit status: 0 success, 1 the input cannot be used, 2 wrong command line.",
    )
    parser.add_argument("image", metavar="IMAGE", help="image file (JPEG, PNG, GIF, TIFF, WebP, BMP, ...)")
    parser.add_argument("-k", "--colours", dest="k", type=_colour_count, default=8, metavar="K",
                        help=f"number of colours, 1 to {MAX_K} (default: 8)")
    parser.add_argument("--space", choices=SPACES, default="lab",
                        help="where colour distances are measured (default: lab)")
    parser.add_argument("--method", choices=METHODS, default="fast",
                        help="fast (default), minibatch (the book's pipeline) or kmeans (full k-means)")
    parser.add_argument("--seed", type=_seed, default=42, metavar="N", help="random seed (default: 42)")
    parser.add_argument("--sort", choices=("share", "lightness", "hue"), default="share",
                        help="order of the colours (default: share, largest first)")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="what to print: text (a table), json, css, gpl, hex or ase (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE", type=Path,
                        help="write the palette to FILE instead of printing it")
    parser.add_argument("--swatch", metavar="OUT.png", type=Path,
                        help="also save the palette as stripes (png, jpg, tif, webp or bmp)")
    parser.add_argument("--quantized", metavar="OUT.png", type=Path,
                        help="also save the image painted in the palette's colours only")
    parser.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"), default="auto",
                        help="colour blocks in the text table: auto (on a terminal, unless NO_COLOR is set)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _check_output(path: Path, *, image_file: bool, image: Path) -> None:
    """Raise KPaletteError unless ``path`` can be written (checked before any work is done)."""
    if path.is_dir():
        raise KPaletteError(f"{path}: is a directory; give a file name")
    if image_file and path.suffix.lower() not in IMAGE_FORMATS:
        raise KPaletteError(f"{path}: cannot save an image with extension {path.suffix or '(none)'!r}; "
                            f"use one of {', '.join(sorted(set(IMAGE_FORMATS)))}")
    folder = path.parent
    if not folder.exists():
        raise KPaletteError(f"{folder}: no such directory to write {path.name} into")
    if not folder.is_dir():
        raise KPaletteError(f"{folder}: is not a directory, so {path.name} cannot be written there")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise KPaletteError(f"{folder}: permission denied to write {path.name}")
    if path.exists() and image.exists() and os.path.samefile(path, image):
        raise KPaletteError(f"{path}: is the input image; choose another name so it is not overwritten")


def _image_bytes(array: NDArray[np.uint8], path: Path) -> bytes:
    from PIL import Image

    fmt = IMAGE_FORMATS[path.suffix.lower()]
    im = Image.fromarray(array)
    if fmt in ("JPEG", "BMP") and im.mode == "RGBA":
        im = im.convert("RGB")
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))
    return buffer.getvalue()


def _write_all(files: dict[Path, bytes]) -> None:
    """Write every file whole or not at all: temporary files in the same directories, then renames."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise KPaletteError(f"{exc.filename or 'output'}: could not write the file ({exc.strerror or exc})"
                            ) from None


def _isatty(stream: IO[Any]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run(args: argparse.Namespace, stdout: IO[str]) -> None:
    """Do what the parsed command line asks; raise KPaletteError on bad input."""
    from .cluster import extract_palette
    from .export import BINARY_FORMATS, export
    from .io import load_image
    from .quantize import quantize
    from .swatch import swatch
    from .term import supports_colour

    image_path = Path(args.image)
    outputs = [(p, opt) for p, opt in ((args.output, "-o"), (args.swatch, "--swatch"),
                                       (args.quantized, "--quantized")) if p is not None]
    for path, opt in outputs:
        _check_output(path, image_file=opt != "-o", image=image_path)
    targets = [os.path.abspath(p) for p, _ in outputs]
    if len(set(targets)) != len(targets):
        raise KPaletteError("two outputs have the same file name; give each its own")
    if args.format in BINARY_FORMATS and args.output is None and _isatty(stdout):
        raise KPaletteError(f"the {args.format} format is binary; write it to a file with -o FILE.{args.format}")

    image, mask = load_image(image_path, with_mask=True)
    palette = extract_palette(image, args.k, space=args.space, method=args.method, seed=args.seed,
                              mask=mask).sort(args.sort)

    colour = args.color == "always" or (args.color == "auto" and args.output is None and supports_colour(stdout))
    meta = {"image": args.image, "k": args.k, "method": args.method, "seed": args.seed}
    if args.format == "text":
        from .export import to_text
        text: str | bytes = to_text(palette, colour=colour, **meta)
    else:
        text = export(palette, args.format, **meta)

    files: dict[Path, bytes] = {}
    if args.swatch is not None:
        files[args.swatch] = _image_bytes(swatch(palette, width=800, height=100), args.swatch)
    if args.quantized is not None:
        poster = quantize(image, palette)
        if mask is not None:
            poster = np.dstack([poster, np.where(mask, 255, 0).astype(np.uint8)])
        files[args.quantized] = _image_bytes(poster, args.quantized)
    if args.output is not None:
        files[args.output] = text if isinstance(text, bytes) else text.encode("utf-8")
    _write_all(files)

    if args.output is None:
        if isinstance(text, bytes):
            stdout.flush()
            stdout.buffer.write(text)  # type: ignore[attr-defined]
            stdout.buffer.flush()  # type: ignore[attr-defined]
        else:
            stdout.write(text)
            stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse itself exits with 2 on a wrong command line)."""
    args = build_parser().parse_args(argv)
    try:
        run(args, sys.stdout)
    except KPaletteError as exc:
        print(f"kpalette: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (kpalette img | head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print("kpalette: error: not enough memory for this image; try a smaller one", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kpalette: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
