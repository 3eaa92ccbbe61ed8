"""The one exception type kpalette raises for bad input."""

from __future__ import annotations


class KPaletteError(ValueError):
    """Bad input: the message is one plain sentence meant for the person who gave it.

    The command line prints it as ``kpalette: error: <message>`` and exits with status 1.
    """
