"""The :class:`Palette`: cluster centres with their shares of the frame."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .color import from_hex, lab_to_rgb, rgb_to_lab, to_hex
from .errors import KPaletteError

__all__ = ["Palette", "Colour", "SPACES", "SORT_KEYS"]

SPACES = ("lab", "rgb")
SORT_KEYS = ("share", "lightness", "hue", "lab")


class Colour(NamedTuple):
    """One colour of a palette, as ``palette[i]`` and ``for colour in palette`` give it."""

    hex: str
    """``#rrggbb``."""
    rgb: tuple[int, int, int]
    """8-bit sRGB."""
    lab: tuple[float, float, float]
    """CIE Lab."""
    proportion: float
    """Share of the pixels."""
    name: str
    """The nearest CSS colour name (see :mod:`kpalette.names`)."""


@dataclass(frozen=True, eq=False)
class Palette:
    """A colour palette: ``k`` colours and the share of the pixels each one stands for.

    Parameters
    ----------
    centers : numpy.ndarray of shape (k, 3)
        The cluster centres in the space they were computed in.
    proportions : numpy.ndarray of shape (k,)
        Share of the (opaque) pixels nearest to each centre; sums to 1.
    space : {"lab", "rgb"}
        The space of ``centers``: CIE Lab, or 8-bit RGB (0 to 255).

    Notes
    -----
    A palette is a value: ``len(palette)``, ``palette[0]`` (a :class:`Colour`), ``palette[1:3]`` (a smaller
    palette, its shares scaled to sum to 1 again), ``for colour in palette``, and ``==`` (the same space,
    centres and shares). :meth:`from_hex` makes one from hex codes and :meth:`read` reads one back from any
    file kpalette writes.

    ``extract_palette`` returns colours ordered by share, largest first; :meth:`sort` gives other orders
    (lightness, hue). :attr:`lab` is the cluster centre itself; :attr:`rgb` and :attr:`hex` are the colour you
    can show. A centre is a mean of the frame's colours, which in Lab can lie a little outside what a screen
    shows (the sRGB gamut); such a centre is brought into the gamut by clipping its RGB values.
    """

    centers: NDArray[np.float64]
    proportions: NDArray[np.float64]
    space: Literal["lab", "rgb"] = "lab"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        centers = np.asarray(self.centers, dtype=np.float64).reshape(-1, 3)
        shares = np.asarray(self.proportions, dtype=np.float64).reshape(-1)
        if self.space not in SPACES:
            raise KPaletteError(f"space must be one of {', '.join(SPACES)}, not {self.space!r}")
        if len(centers) != len(shares):
            raise KPaletteError("centers and proportions must have the same length")
        if not (np.all(np.isfinite(centers)) and np.all(np.isfinite(shares)) and np.all(shares >= 0)):
            raise KPaletteError("a palette needs finite colours and shares that are not negative")
        total = shares.sum()
        if len(shares) and total > 0 and abs(total - 1.0) > 1e-12:   # already normalised shares stay as they are
            shares = shares / total
        centers.setflags(write=False)
        shares.setflags(write=False)
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "proportions", shares)

    def __len__(self) -> int:
        return len(self.centers)

    @overload
    def __getitem__(self, index: int) -> Colour: ...
    @overload
    def __getitem__(self, index: slice | ArrayLike) -> "Palette": ...

    def __getitem__(self, index: Any) -> "Colour | Palette":
        """``palette[i]`` is one :class:`Colour`; a slice or an array of indices gives a smaller palette."""
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            i = int(index)
            if not -len(self) <= i < len(self):
                raise IndexError(f"palette index {i} out of range for {len(self)} colours")
            rgb, lab = self.rgb[i], self.lab[i]
            return Colour(self.hex[i], (int(rgb[0]), int(rgb[1]), int(rgb[2])),
                          (float(lab[0]), float(lab[1]), float(lab[2])), float(self.proportions[i]), self.names[i])
        picked = np.arange(len(self))[index]
        return Palette(self.centers[picked], self.proportions[picked], self.space)

    def __iter__(self) -> Iterator[Colour]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Palette):
            return NotImplemented
        return (self.space == other.space and np.array_equal(self.centers, other.centers)
                and np.array_equal(self.proportions, other.proportions))

    def __hash__(self) -> int:
        return hash((self.space, self.centers.tobytes(), self.proportions.tobytes()))

    @classmethod
    def from_hex(cls, codes: Iterable[str], proportions: ArrayLike | None = None, *,
                 space: Literal["lab", "rgb"] = "lab") -> "Palette":
        """A palette from ``#rrggbb`` codes, with equal shares unless ``proportions`` are given.

        Parameters
        ----------
        codes : iterable of str
            ``#rrggbb`` or ``rrggbb`` codes.
        proportions : array_like, optional
            Share of each colour (scaled to sum to 1); equal shares by default.
        space : {"lab", "rgb"}, default "lab"
            The space of the centres, which is where :func:`kpalette.quantize` measures distances. In Lab the
            centre is the exact Lab value of the 8-bit colour (to 0.001), so :attr:`hex` gives the codes back.

        Examples
        --------
        >>> Palette.from_hex(["#1d2b3a", "#c8a27c"]).hex
        ['#1d2b3a', '#c8a27c']
        """
        rgb = from_hex(list(codes))
        if len(rgb) == 0:
            raise KPaletteError("a palette needs at least one colour code")
        shares = np.full(len(rgb), 1.0 / len(rgb)) if proportions is None else proportions
        if space == "lab":
            from .fast import bin_lab

            r, g, b = (rgb[:, j].astype(np.intp) for j in range(3))
            centers = bin_lab((r << 16) | (g << 8) | b, 8)
        else:
            centers = rgb.astype(np.float64)
        return cls(centers, np.asarray(shares, dtype=np.float64), space)

    @classmethod
    def read(cls, source: "str | os.PathLike[str] | bytes", fmt: str | None = None) -> "Palette":
        """Read a palette back from a file (or its bytes) in any format kpalette writes.

        See :func:`kpalette.readers.read_palette`.
        """
        from .readers import read_palette

        return read_palette(source, fmt)

    def __repr__(self) -> str:
        colours = ", ".join(f"{h} {p:.1%}" for h, p in zip(self.hex, self.proportions))
        n = len(self)
        return f"Palette({n} colour{'s' if n != 1 else ''}, {self.space}: {colours})"

    @property
    def lab(self) -> NDArray[np.float64]:
        """The colours in CIE Lab, shape ``(k, 3)``."""
        if "lab" not in self._cache:
            self._cache["lab"] = self.centers.copy() if self.space == "lab" else rgb_to_lab(self.centers)
        return self._cache["lab"].copy()

    @property
    def rgb(self) -> NDArray[np.uint8]:
        """The colours as 8-bit sRGB, shape ``(k, 3)`` (Lab colours outside the gamut are clipped)."""
        if "rgb" not in self._cache:
            if self.space == "lab":
                self._cache["rgb"] = lab_to_rgb(self.centers)
            else:
                self._cache["rgb"] = np.clip(np.rint(self.centers), 0, 255).astype(np.uint8)
        return self._cache["rgb"].copy()

    @property
    def hex(self) -> list[str]:
        """The colours as ``#rrggbb`` codes."""
        return to_hex(self.rgb)

    @property
    def names(self) -> list[str]:
        """The nearest CSS colour name of each colour as shown (see :mod:`kpalette.names`)."""
        if "names" not in self._cache:
            from .names import nearest_names

            self._cache["names"] = nearest_names(self.rgb)
        return list(self._cache["names"])

    def order(self, by: str = "share") -> NDArray[np.intp]:
        """Indices that put the colours in the order ``by`` (see :meth:`sort`)."""
        lab = self.lab
        if by == "share":
            return np.argsort(-self.proportions, kind="stable")
        if by == "lightness":
            return np.argsort(lab[:, 0], kind="stable")
        if by == "hue":
            hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
            return np.lexsort((lab[:, 0], hue))
        if by == "lab":
            # the reference tutorial's order: sorted(centers) compares L first, then a, then b
            return np.lexsort((lab[:, 2], lab[:, 1], lab[:, 0]))
        raise KPaletteError(f"sort key must be one of {', '.join(SORT_KEYS)}, not {by!r}")

    def sort(self, by: str = "share") -> "Palette":
        """Return the same colours in another order.

        Parameters
        ----------
        by : {"share", "lightness", "hue", "lab"}
            ``share``: most common first; ``lightness``: dark to light (Lab ``L``); ``hue``: around the colour
            wheel (angle in the a-b plane); ``lab``: lexicographic (L, a, b), the reference tutorial's order.
        """
        idx = self.order(by)
        return Palette(self.centers[idx], self.proportions[idx], self.space)

    def to_dict(self) -> list[dict[str, Any]]:
        """The colours as plain data: hex, name, rgb, lab (rounded to 2 decimals) and proportion (to 6)."""
        return [
            {
                "hex": h,
                "name": name,
                "rgb": [int(v) for v in rgb],
                "lab": [round(float(v), 2) + 0.0 for v in lab],
                "proportion": round(float(p), 6),
            }
            for h, name, rgb, lab, p in zip(self.hex, self.names, self.rgb, self.lab, self.proportions)
        ]
