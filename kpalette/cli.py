"""The ``kpalette`` command: palettes from the shell, for one image or many.

Examples
--------
::

    kpalette frame.jpg                          # a table of 8 colours, largest share first
    kpalette frame.jpg -k 5 --format css        # CSS custom properties
    kpalette frame.jpg --format ase -o frame.ase --swatch frame-palette.png --quantized frame-poster.png
    kpalette a.jpg b.png frames/ --format json  # JSON Lines: one object per input, in input order
    kpalette frames/ --format gpl --out-dir palettes/ --swatch png   # palettes/NAME.gpl, palettes/NAME.swatch.png
    kpalette frame.jpg --apply other.gpl --quantized poster.png      # repaint in another frame's palette

Exit status: 0 on success; 1 when an input or an output cannot be used (one line ``kpalette: error: ...`` on
stderr per bad input, then, with several inputs, a one-line summary); 2 when the command line itself is wrong
(argparse's usage message).

How a run is put together
-------------------------
1. :func:`build_parser` reads the command line; :func:`plan` checks it (usage errors, exit 2), finds the inputs
   (:func:`kpalette.batch.expand`: files, folders searched for images, ``http(s)://`` addresses, ``-``) and
   checks every output before any work is done (:mod:`kpalette.outputs`; exit 1).
2. One function turns one input into its results: :func:`kpalette.analyse.analyse` (the palette in the chosen
   format and the bytes of each per-input file in :data:`kpalette.analyse.PRODUCTS`); it dispatches on the kind
   of input through :data:`kpalette.analyse.ANALYSERS`.
3. One place runs the inputs over the machine's cores and reports errors: :func:`kpalette.batch.run_all`
   (worker processes, results in input order) and :class:`kpalette.batch.Reporter` (progress bar on a terminal,
   one line per bad input, the summary).
4. One place names and writes what each input gives: :func:`execute`, with :func:`kpalette.outputs.write`
   (whole files or none, special files written in place) and, under ``--out-dir``, the names of
   :func:`kpalette.outputs.unique_stems`: ``DIR/NAME.EXT`` for the palette, ``DIR/NAME.KIND.TYPE`` for each
   per-input file.

Adding a kind of input (a video) is an extension in :data:`kpalette.batch.KINDS`, a function in
:data:`kpalette.analyse.ANALYSERS`, and its extra per-input files in :data:`kpalette.analyse.PRODUCTS` (each
becomes an option here, named and written like ``--swatch``); nothing in this module changes.

Output modes: one input writes its palette to standard output or ``-o FILE`` and each per-input file to the
path given. Several inputs (or a folder) write the palettes one after another (``text``: the tables;
``json``: JSON Lines) to standard output or ``-o FILE``; every other format, and per-input files, need
``--out-dir DIR``, where each input gets its own files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from .errors import KPaletteError

__all__ = ["main", "build_parser", "plan", "execute", "Plan", "MAX_K", "IMAGE_FORMATS"]

#: The most colours the command asks for (the size of a GIF or indexed-PNG palette).
MAX_K = 256

#: File types ``--swatch`` and ``--quantized`` can write, by extension (case does not matter).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF",
                 ".webp": "WEBP", ".bmp": "BMP"}
#: The most pixels a swatch may have on a side.
MAX_SWATCH_SIDE = 20_000


def _whole(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, got {value}")
    return value


def _colour_count(text: str) -> int:
    try:
        int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of colours, got {text!r}") from None
    return _whole(text, 1, MAX_K, "the number of colours")


def _seed(text: str) -> int:
    return _whole(text, 0, 2**32 - 1, "the seed")


def _jobs(text: str) -> int:
    return _whole(text, 1, 1024, "the number of jobs")


def _seconds(text: str, limit: float = 3600, what: str = "the time limit", unit: str = " s") -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= limit:
        raise argparse.ArgumentTypeError(f"{what} must be more than 0 and at most {limit:g}{unit}, got {text}")
    return value


def _rate(text: str) -> float:
    """Frames per second for a film: above 0, at most 1000 (the same checks as :func:`_seconds`)."""
    try:
        return _seconds(text, limit=1000, what="frames per second", unit="")
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("a number of seconds", "a number of frames per second"))


def _height(text: str) -> int:
    return _whole(text, 1, MAX_SWATCH_SIDE, "the barcode height")


def _size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, such as 800x100, got {text!r}")
    return (_whole(parts[0], 1, MAX_SWATCH_SIDE, "the width"), _whole(parts[1], 1, MAX_SWATCH_SIDE, "the height"))


def _prefix(text: str) -> str:
    from .export import check_prefix

    try:
        return check_prefix(text)
    except KPaletteError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    from . import __version__
    from .analyse import PRODUCTS
    from .cluster import METHODS
    from .export import FORMATS
    from .palette import SORT_KEYS, SPACES

    parser = argparse.ArgumentParser(
        prog="kpalette",
        description="Find the colour palette of images (film frames, photos) with k-means.",
        epilog="Exit status: 0 success, 1 an input or output cannot be used, 2 wrong command line.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="image files (JPEG, PNG, GIF, TIFF, WebP, BMP, ...), films (MP4, MKV, WebM, MOV, AVI, "
                             "...: anything FFmpeg reads), folders (searched for both), http(s):// addresses of "
                             "images, or - for standard input")
    parser.add_argument("-k", "--colours", dest="k", type=_colour_count, default=8, metavar="K",
                        help=f"number of colours, 1 to {MAX_K} (default: 8)")
    parser.add_argument("--space", choices=SPACES, default="lab",
                        help="where colour distances are measured (default: lab)")
    parser.add_argument("--method", choices=METHODS, default="fast",
                        help="fast (default), minibatch (the book's pipeline) or kmeans (full k-means)")
    parser.add_argument("--seed", type=_seed, default=42, metavar="N", help="random seed (default: 42)")
    parser.add_argument("--sort", choices=SORT_KEYS[:3], default=None,
                        help="order of the colours (default: share, largest first; with --apply, as given)")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="what to write: text (a table), json, css, gpl, hex or ase (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the palette (or, for several inputs, all of them) to FILE; - is standard output")
    parser.add_argument("--out-dir", metavar="DIR",
                        help="write each input's files into DIR, named after the input: NAME.EXT for the palette, "
                             "NAME.swatch.png and so on (created if missing)")
    for kind, product in PRODUCTS.items():
        parser.add_argument(product.option, dest=f"product_{kind}", metavar="OUT",
                            help=f"{product.help}: a file ({', '.join(product.types)}; - is standard output), "
                                 f"or with --out-dir just the type, as in {product.option} {product.types[0]}")
    parser.add_argument("--swatch-style", choices=("equal", "shares"), default="equal",
                        help="equal stripes (default) or stripes as wide as each colour's share")
    parser.add_argument("--swatch-size", type=_size, default=(800, 100), metavar="WxH",
                        help="swatch size in pixels (default: 800x100)")
    parser.add_argument("--swatch-labels", action=argparse.BooleanOptionalAction, default=True,
                        help="write each stripe's hex code on it, where it fits (default: yes)")
    parser.add_argument("--apply", metavar="PALETTE",
                        help="instead of finding a palette, use this one: a file (.gpl, .json, .css, .ase, .hex, "
                             "or kpalette's text table) or hex codes such as 1d2b3a,c8a27c; with --quantized it "
                             "repaints the image in it")
    parser.add_argument("--prefix", type=_prefix, default="kpalette", metavar="NAME",
                        help="name of the CSS custom properties, --NAME-1 ... (default: kpalette)")
    parser.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                        help="worker processes for several inputs (default: one per core)")
    parser.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                        help="time limit for downloading an http(s) input (default: 30)")
    parser.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"), default="auto",
                        help="colour blocks in the text table: auto (on a terminal, unless NO_COLOR is set)")
    film = parser.add_argument_group("films", "options for inputs that are films (see kpalette.filmcli)")
    taking = film.add_mutually_exclusive_group()
    taking.add_argument("--fps", type=_rate, default=1.0, metavar="F",
                        help="frames per second to take from a film (default: 1)")
    taking.add_argument("--every-frame", action="store_true", help="take every frame of a film")
    taking.add_argument("--keyframes", action="store_true",
                        help="take only a film's key frames (decodes nothing else: a quick preview)")
    film.add_argument("--barcode-style", choices=("palette", "mean"), default="palette",
                      help="barcode columns: each frame's palette stacked by share (default), or its mean colour")
    film.add_argument("--barcode-height", type=_height, default=200, metavar="PIXELS",
                      help="height of the barcode (default: 200)")
    film.add_argument("--dask", metavar="ADDRESS",
                      help="analyse the films, cut into segments, on a Dask cluster: a scheduler address such as "
                           "tcp://host:8786, or local for a cluster on this computer (needs kpalette[dask])")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


@dataclass
class Plan:
    """A checked command line: what to read, how to analyse it, and where everything goes."""

    items: list[Any]
    """The inputs, in order (:class:`kpalette.batch.Source`, or a :class:`kpalette.batch.Failure` in the place
    of one that cannot even be found)."""
    options: Any
    """The :class:`kpalette.analyse.Options` for every input."""
    several: bool
    """Several inputs (or a folder): JSON Lines, a summary line, a progress bar."""
    jobs: int
    palette: Any = None
    """Where the palette (or, for several inputs, all of them) goes: a :class:`kpalette.outputs.Target`; ``None``
    with ``--out-dir``."""
    products: dict[str, Any] = field(default_factory=dict)
    """For one input: the target of each per-input file, by kind."""
    out_dir: Path | None = None
    per_input: list[dict[str, Any]] = field(default_factory=list)
    """With ``--out-dir``: for each item, the target of its palette (``"palette"``) and of each per-input file."""


def _file_type(value: str, kind: str, parser: argparse.ArgumentParser) -> str:
    """The file type asked for with ``--out-dir`` (``png`` or ``.png``), or a usage error."""
    from .analyse import PRODUCTS

    product = PRODUCTS[kind]
    clean = value.lower().lstrip(".")
    if clean not in product.types:
        parser.error(f"with --out-dir, give {product.option} a file type ({', '.join(product.types)}), "
                     f"not {value!r}")
    return clean


def _path_type(value: str, kind: str) -> str:
    """The file type of a per-input file given by path (exit 1 if its extension is not one we write)."""
    from .analyse import PRODUCTS
    from .outputs import descriptor_of

    product = PRODUCTS[kind]
    suffix = Path(value).suffix.lower().lstrip(".")
    if suffix in product.types:
        return suffix
    if descriptor_of(value) is not None or (os.path.exists(value) and not os.path.isdir(value)
                                            and not os.path.isfile(value)):
        return product.types[0]   # standard output, a device or a FIFO: the usual type
    if os.path.isdir(value):
        raise KPaletteError(f"{value}: is a directory; give a file name")
    raise KPaletteError(f"{value}: cannot write a {product.option} file with extension "
                        f"{('.' + suffix) if suffix else '(none)'!r}; use one of "
                        f"{', '.join('.' + t for t in sorted(set(product.types)))}")


def _applied(value: str, space: str) -> Any:
    from .palette import Palette
    from .readers import parse_hex_codes, read_palette

    if os.path.exists(value):
        palette = read_palette(value)
    else:
        codes = parse_hex_codes(value)
        if codes is None:
            raise KPaletteError(f"{value}: no such palette file, and not hex codes such as 1d2b3a,c8a27c")
        palette = Palette.from_hex(codes)
    return Palette.from_hex(palette.hex, space=space)  # type: ignore[arg-type]


def _isatty(stream: IO[Any]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _input_files(items: Sequence[Any]) -> set[tuple[int, int]]:
    """Device and inode of every input that is a file, to refuse writing over one."""
    from .batch import Source

    found = set()
    for item in items:
        if isinstance(item, Source) and isinstance(item.location, str):
            try:
                st = os.stat(item.location)
            except OSError:
                continue
            found.add((st.st_dev, st.st_ino))
    return found


def _check_targets(targets: Sequence[Any], inputs: set[tuple[int, int]]) -> None:
    """No two outputs may be the same file (or both standard output), and none may be an input."""
    seen: dict[Any, str] = {}
    for t in targets:
        key = ("fd", t.fd) if t.fd is not None else ("path", os.path.normcase(str(t.path)).casefold())
        if t.direct and t.fd is None:
            continue  # /dev/null twice is fine
        if key in seen:
            if t.fd is not None:
                raise KPaletteError(f"{t.shown}: two outputs go to descriptor {t.fd} (standard output is 1); "
                                    "give each its own")
            raise KPaletteError(f"{t.shown}: two outputs have the same file name; give each its own")
        seen[key] = t.shown
        if t.path is not None and not t.direct:
            try:
                st = os.stat(t.path)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in inputs:
                raise KPaletteError(f"{t.shown}: is the input image; choose another name so it is not overwritten")


def _out_dir_targets(plan: Plan, out_dir: Path, fmt: str) -> None:
    """Name and check every file of ``--out-dir`` (the folder is made when the first file is written)."""
    from .batch import Source
    from .export import EXTENSIONS
    from .outputs import Target, target, unique_stems

    if out_dir.exists() and not out_dir.is_dir():
        raise KPaletteError(f"{out_dir}: is not a directory")
    existing = out_dir.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise KPaletteError(f"{existing}: is not a directory, so {out_dir} cannot be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise KPaletteError(f"{existing}: permission denied to write {out_dir}")
    sources = [item for item in plan.items if isinstance(item, Source)]
    stems = iter(unique_stems([s.parts for s in sources]))
    for item in plan.items:
        if not isinstance(item, Source):
            plan.per_input.append({})
            continue
        stem = next(stems)
        names = {"palette": f"{stem}.{EXTENSIONS[fmt]}"}
        names.update({kind: f"{stem}.{kind}.{ftype}" for kind, ftype in plan.options.products.items()})
        if out_dir.is_dir():
            plan.per_input.append({kind: target(out_dir / name) for kind, name in names.items()})
        else:
            plan.per_input.append({kind: Target(str(out_dir / name), Path(os.path.abspath(out_dir / name)), False)
                                   for kind, name in names.items()})


def plan(args: argparse.Namespace, parser: argparse.ArgumentParser, stdout: IO[Any] | None = None,
         stdin: IO[bytes] | None = None) -> Plan:
    """Check the parsed command line and find everything it names, before any work is done.

    Usage errors end the program through ``parser.error`` (exit 2); an input or output that cannot be used
    raises :class:`KPaletteError` (exit 1).
    """
    from .analyse import PRODUCTS, Options
    from .batch import default_jobs, expand
    from .export import BINARY_FORMATS
    from .fetch import TIMEOUT
    from .filmcli import VideoOptions
    from .outputs import target
    from .term import supports_colour

    stdout = stdout if stdout is not None else sys.stdout
    several = len(args.inputs) > 1 or any(os.path.isdir(i) for i in args.inputs)
    if args.inputs.count("-") > 1:
        parser.error("standard input (-) can be read only once")
    asked = {kind: getattr(args, f"product_{kind}") for kind in PRODUCTS
             if getattr(args, f"product_{kind}") is not None}
    if args.out_dir is not None and args.output is not None:
        parser.error("-o and --out-dir do not go together: with --out-dir each palette is a file in DIR")
    if several and args.out_dir is None:
        if asked:
            option = PRODUCTS[next(iter(asked))].option
            parser.error(f"{option} with several inputs needs --out-dir DIR (one file per input)")
        if args.format not in ("text", "json"):
            parser.error(f"--format {args.format} with several inputs needs --out-dir DIR (one file per input); "
                         "text and json can go to one stream")

    products = ({kind: _file_type(v, kind, parser) for kind, v in asked.items()} if args.out_dir is not None
                else {kind: _path_type(v, kind) for kind, v in asked.items()})
    to_stdout = args.out_dir is None and args.output in (None, "-", "/dev/stdout")
    colour = args.color == "always" or (args.color == "auto" and to_stdout and supports_colour(stdout))
    options = Options(k=args.k, space=args.space, method=args.method, seed=args.seed, sort=args.sort,
                      fmt=args.format, colour=colour, compact=several and args.out_dir is None,
                      prefix=args.prefix, apply=_applied(args.apply, args.space) if args.apply else None,
                      swatch_style=args.swatch_style, swatch_size=args.swatch_size,
                      swatch_labels=args.swatch_labels, products=products,
                      timeout=args.timeout if args.timeout is not None else TIMEOUT,
                      video=VideoOptions(fps=args.fps, every_frame=args.every_frame, keyframes=args.keyframes,
                                         barcode_style=args.barcode_style, barcode_height=args.barcode_height,
                                         dask=args.dask, progress=not several and _isatty(sys.stderr)))

    if args.format in BINARY_FORMATS and args.out_dir is None and args.output is None and _isatty(stdout):
        raise KPaletteError(f"the {args.format} format is binary; write it to a file with -o FILE.{args.format}")
    result = Plan(items=[], options=options, several=several,
                  jobs=1 if args.dask else args.jobs or default_jobs())   # with --dask the cluster does the work
    if args.out_dir is None:
        result.palette = target(args.output if args.output is not None else "-")
        result.products = {kind: target(path) for kind, path in asked.items()}
    result.items = expand(args.inputs, stdin)
    inputs = _input_files(result.items)
    if args.out_dir is not None:
        result.out_dir = Path(args.out_dir)
        _out_dir_targets(result, result.out_dir, args.format)
        _check_targets([t for targets in result.per_input for t in targets.values()], inputs)
    else:
        _check_targets([result.palette, *result.products.values()], inputs)
    return result


def execute(p: Plan, stderr: IO[str] | None = None) -> int:
    """Analyse every input and write what it gives; returns the exit status (0, or 1 if any input failed)."""
    from .analyse import analyse
    from .batch import Failure, Reporter, run_all
    from .outputs import write

    from .filmcli import start_cluster_work, stop_cluster_work

    reporter = Reporter(len(p.items), stderr, bar=None if p.several else False)
    stream: list[bytes] = []
    start_cluster_work(p.items, p.options)   # only with --dask: every film's segments go to the cluster now
    try:
        return _execute(p, reporter, stream)
    finally:
        stop_cluster_work()


def _execute(p: Plan, reporter: Any, stream: list[bytes]) -> int:
    from .analyse import analyse
    from .batch import Failure, run_all
    from .outputs import write

    for index, (item, outcome) in enumerate(run_all(partial(analyse, options=p.options), p.items, p.jobs)):
        label = getattr(item, "label", "")
        if isinstance(outcome, Failure):
            reporter.step(label, outcome)
            continue
        for note in getattr(outcome, "warnings", ()):
            reporter.warn(note)
        try:
            if p.out_dir is not None:
                targets = p.per_input[index]
                p.out_dir.mkdir(parents=True, exist_ok=True)
                write([(targets["palette"], outcome.palette),
                       *((targets[kind], data) for kind, data in outcome.files.items())])
            elif not p.several:
                # the files first, the palette last: it may be standard output
                write([*((p.products[kind], data) for kind, data in outcome.files.items()),
                       (p.palette, outcome.palette)])
            else:
                chunk = (b"\n" if stream and p.options.fmt == "text" else b"") + outcome.palette
                stream.append(chunk)
                if p.palette.direct:
                    write([(p.palette, chunk)])
        except KPaletteError as exc:
            if not p.several:
                raise
            reporter.step(label, Failure(str(exc)))
            continue
        reporter.step(label)
    if p.several:
        reporter.finish()
        if stream and not p.palette.direct:
            write([(p.palette, b"".join(stream))])
    return 1 if reporter.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse itself exits with 2 on a wrong command line)."""
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)
    try:
        return execute(plan(args, parser))
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
        print("\nkpalette: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
