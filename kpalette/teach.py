"""Friendly checks for the book's exercises.

Every exercise in the book has a *starter* cell, where the student fills in the parts marked ``...``, and,
where an answer can be checked, a *check* cell that calls :func:`check`. The check never raises: it prints one
line that says whether the answer is right, not there yet, or not started, so a class sees a hint rather than
an ``AssertionError``::

    >>> small = ...                      # the starter cell, before the student fills it in
    >>> check(small, lambda p: len(p) == 4,
    ...       right="four colours, the largest share first.",
    ...       hint="call kpalette.extract_palette(image, k=4).")
    Not started: replace the ... in the cell above, run it, then run this cell again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["check", "RIGHT", "NOT_YET", "NOT_STARTED"]

#: How each verdict starts (the tests look for these words).
RIGHT = "Right:"
NOT_YET = "Not yet:"
NOT_STARTED = "Not started:"


def _unfilled(answer: Any) -> bool:
    """True when the answer, or a part of a tuple, list or dict answer, is still the ``...`` placeholder."""
    if answer is Ellipsis:
        return True
    if isinstance(answer, (tuple, list)):
        return any(part is Ellipsis for part in answer)
    if isinstance(answer, dict):
        return any(part is Ellipsis for part in answer.values())
    return False


def check(answer: Any, is_right: Callable[[Any], object], *, right: str, hint: str) -> None:
    """Print a one-line verdict on a student's answer: right, not yet, or not started.

    Parameters
    ----------
    answer : object
        What the student computed. ``...`` (Ellipsis), alone or inside a tuple, list or dict, means "not filled
        in yet".
    is_right : callable
        Takes the answer and returns something true when it is right. If it raises (say the answer has the
        wrong type), the answer counts as not right yet and the error is named in the hint.
    right : str
        Said after ``Right:`` when the answer is right: what the student should notice.
    hint : str
        Said after ``Not yet:`` otherwise: a nudge in the right direction, not the answer.

    Notes
    -----
    It returns nothing, so a check cell shows only the verdict; :data:`RIGHT` starts the line of a right
    answer (the book's tests run every solution and then its check cells, and look for it).
    """
    if _unfilled(answer):
        print(f"{NOT_STARTED} replace the ... in the cell above, run it, then run this cell again.")
        return
    try:
        ok = bool(is_right(answer))
    except Exception as exc:  # a wrong type or shape is a wrong answer, not a crash
        if "ellipsis" in str(exc).lower():
            # a starter function whose body still returns ... (for example `return ...`)
            print(f"{NOT_STARTED} replace the ... in the cell above, run it, then run this cell again.")
        else:
            print(f"{NOT_YET} {hint} (checking your answer gave {type(exc).__name__}: {exc})")
        return
    print(f"{RIGHT} {right}" if ok else f"{NOT_YET} {hint}")
