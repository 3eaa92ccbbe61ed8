"""The :class:`Palette`: cluster centres with their shares of the frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .color import lab_to_rgb, rgb_to_lab, to_hex
from .errors import KPaletteError

__all__ = ["Palette", "SPACES", "SORT_KEYS"]

SPACES = ("lab", "rgb")
SORT_KEYS = ("share", "lightness", "hue", "lab")


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
        if len(shares) and total > 0:
            shares = shares / total
        centers.setflags(write=False)
        shares.setflags(write=False)
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "proportions", shares)

    def __len__(self) -> int:
        return len(self.centers)

    def __repr__(self) -> str:
        colours = ", ".join(f"{h} {p:.1%}" for h, p in zip(self.hex, self.proportions))
        return f"Palette({len(self)} colours, {self.space}: {colours})"

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
        """The colours as plain data: hex, rgb, lab (rounded to 2 decimals) and proportion (to 6)."""
        return [
            {
                "hex": h,
                "rgb": [int(v) for v in rgb],
                "lab": [round(float(v), 2) + 0.0 for v in lab],
                "proportion": round(float(p), 6),
            }
            for h, rgb, lab, p in zip(self.hex, self.rgb, self.lab, self.proportions)
        ]
