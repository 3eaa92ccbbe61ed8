"""Turn one input into its results: what the command line runs for each input, in a worker process.

:func:`analyse` takes one :class:`~kpalette.batch.Source` and the run's :class:`Options` and returns a
:class:`Result`: the palette, already written out in the chosen format, and the bytes of every per-input file
asked for (:data:`PRODUCTS`: ``--swatch``, ``--quantized``). It writes nothing itself; the main process
names the files and writes them (:mod:`kpalette.outputs`). It dispatches on the source's kind through
:data:`ANALYSERS`, so another kind of input (a video) is one more function there, and another per-input file
one more entry in :data:`PRODUCTS`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .batch import Source
from .errors import KPaletteError
from .fetch import TIMEOUT, fetch, is_url
from .palette import Palette

__all__ = ["Options", "Result", "Product", "PRODUCTS", "IMAGE_TYPES", "ANALYSERS", "analyse", "analyse_image",
           "analyse_video", "encode_image", "palette_bytes", "palette_in"]

#: File types an image output (``--swatch``, ``--quantized``) can be, by extension, and Pillow's name for each.
IMAGE_TYPES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF", "webp": "WEBP",
               "bmp": "BMP"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 95}, "WEBP": {"lossless": True}}


@dataclass(frozen=True)
class Product:
    """A file the command line can write for each input, besides the palette."""

    option: str
    """Its command-line option, e.g. ``--swatch``."""
    types: tuple[str, ...]
    """The file types (extensions) it can be written as; the first is the usual one."""
    help: str
    """What the option does, for ``--help``."""


#: The per-input files, by kind. With one input the option takes a path; with ``--out-dir`` a file type, and
#: the file is ``DIR/NAME.KIND.TYPE``.
PRODUCTS: dict[str, Product] = {
    "swatch": Product("--swatch", tuple(IMAGE_TYPES), "also save the palette as colour stripes"),
    "quantized": Product("--quantized", tuple(IMAGE_TYPES),
                         "also save the image painted in the palette's colours only"),
}


def _film_products() -> None:
    """Add the films' own files (``--barcode``, ``--frames``, ``--scenes``: :mod:`kpalette.filmcli`)."""
    from .filmcli import PRODUCTS as FILM_PRODUCTS

    for kind, (option, types, text) in FILM_PRODUCTS.items():
        PRODUCTS[kind] = Product(option, types, text)


_film_products()


@dataclass(frozen=True)
class Options:
    """Everything :func:`analyse` needs besides the input (sent to every worker)."""

    k: int = 8
    space: str = "lab"
    method: str = "fast"
    seed: int = 42
    sort: str | None = None
    """Order of the colours; ``None``: by share, or as given for ``apply``."""
    fmt: str = "text"
    colour: bool = False
    """Colour blocks in the text table."""
    compact: bool = False
    """JSON on one line (a line of JSON Lines)."""
    prefix: str = "kpalette"
    apply: Palette | None = None
    """Repaint in this palette instead of finding one (its shares are then this image's)."""
    swatch_style: str = "equal"
    swatch_size: tuple[int, int] = (800, 100)
    swatch_labels: bool = True
    products: dict[str, str] = field(default_factory=dict)
    """The per-input files asked for: kind to file type, e.g. ``{"swatch": "png"}``."""
    timeout: float = TIMEOUT
    video: Any = None
    """The film options (:class:`kpalette.filmcli.VideoOptions`), for inputs of kind ``video``."""


@dataclass(frozen=True)
class Result:
    """What one input gives: the palette as written out, and each per-input file's bytes by kind."""

    label: str
    palette: bytes
    files: dict[str, bytes]
    warnings: tuple[str, ...] = ()
    """One line each, printed as ``kpalette: warning: ...`` (a film cut short)."""


def encode_image(array: NDArray[np.uint8], file_type: str) -> bytes:
    """The bytes of an image file of type ``file_type`` (a key of :data:`IMAGE_TYPES`) holding ``array``."""
    from PIL import Image

    fmt = IMAGE_TYPES[file_type]
    im = Image.fromarray(array)
    if fmt in ("JPEG", "BMP") and im.mode == "RGBA":
        im = im.convert("RGB")
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))
    return buffer.getvalue()


def palette_in(image: NDArray[np.uint8], mask: NDArray[np.bool_] | None, palette: Palette) -> Palette:
    """``palette``'s colours with their shares of this image: each pixel that takes part counts for its nearest."""
    from .quantize import assign

    labels = assign(image, palette)
    counts = np.bincount(labels[mask] if mask is not None else labels.ravel(), minlength=len(palette))
    return Palette(palette.centers, counts.astype(np.float64), palette.space)


def _readable(source: Source, options: Options) -> Any:
    """What :func:`kpalette.io.read_pixels` should read for this source (errors then name it by its label)."""
    if isinstance(source.location, bytes) or is_url(source.location):
        data = source.location if isinstance(source.location, bytes) else fetch(source.location,
                                                                                  timeout=options.timeout)
        stream = io.BytesIO(data)
        stream.name = source.label  # type: ignore[attr-defined]
        return stream
    return source.location


def analyse_image(source: Source, options: Options) -> Result:
    """The palette of one image, and the swatch and poster if asked for."""
    from .cluster import extract_palette
    from .io import read_pixels
    from .pixels import visible

    image, alpha = read_pixels(_readable(source, options))
    mask = visible(alpha, source.label)
    if options.apply is not None:
        palette = palette_in(image, mask, options.apply)
        meta: dict[str, Any] = {"k": len(palette), "method": "apply", "seed": None}
    else:
        palette = extract_palette(image, options.k, space=options.space,  # type: ignore[arg-type]
                                  method=options.method, seed=options.seed, mask=mask)
        meta = {"k": options.k, "method": options.method, "seed": options.seed}
    if options.sort is not None:
        palette = palette.sort(options.sort)
    text = palette_bytes(palette, source.label, options, meta)
    files: dict[str, bytes] = {}
    for kind, file_type in options.products.items():
        if kind == "swatch":
            from .swatch import swatch

            width, height = options.swatch_size
            stripes = swatch(palette, width=width, height=height, proportional=options.swatch_style == "shares",
                             labels=options.swatch_labels)
            files[kind] = encode_image(stripes, file_type)
        elif kind == "quantized":
            from .quantize import quantize

            files[kind] = encode_image(quantize(image if alpha is None else np.dstack([image, alpha]), palette),
                                       file_type)
        else:
            raise KPaletteError(f"{PRODUCTS[kind].option} is for films, not images")
    return Result(source.label, text, files)


def palette_bytes(palette: Palette, label: str, options: Options, meta: dict[str, Any]) -> bytes:
    """The palette written out in ``options.fmt``, as bytes, with how it was made (``meta``: k, method, seed)."""
    from .export import export, to_text

    if options.fmt == "text":
        text: str | bytes = to_text(palette, image=label, colour=options.colour, **meta)
    else:
        text = export(palette, options.fmt, image=label, prefix=options.prefix, compact=options.compact, **meta)
    return text if isinstance(text, bytes) else text.encode("utf-8")


def analyse_video(source: Source, options: Options) -> Result:
    """The palette of one film, and its barcode, frames and scenes if asked for (:mod:`kpalette.filmcli`)."""
    from .filmcli import analyse_video as run

    return run(source, options)  # type: ignore[no-any-return]


#: The function that analyses each kind of input (see :data:`kpalette.batch.KINDS`).
ANALYSERS = {"image": analyse_image, "video": analyse_video}


def analyse(source: Source, options: Options) -> Result:
    """Turn one input into its :class:`Result`; raise :class:`KPaletteError` if it cannot be used."""
    return ANALYSERS[source.kind](source, options)
