"""kpalette.teach.check: one friendly line for every kind of answer, never an exception."""

from __future__ import annotations

import pytest

from kpalette.teach import NOT_STARTED, NOT_YET, RIGHT, check


@pytest.mark.parametrize(("answer", "expected"), [
    (..., NOT_STARTED),                 # the starter cell as it stands
    ((1, ...), NOT_STARTED),            # part of a tuple still to fill in
    ({"k": ...}, NOT_STARTED),
    (4, RIGHT),
    (5, NOT_YET),
    ("four", NOT_YET),                  # the test raises TypeError: a wrong answer, not a crash
])
def test_check_prints_one_verdict(capsys: pytest.CaptureFixture[str], answer: object, expected: str) -> None:
    assert check(answer, lambda a: a + 0 == 4, right="four.", hint="count again.") is None
    out = capsys.readouterr().out
    assert out.startswith(expected) and out.count("\n") == 1, out


def test_a_starter_function_that_still_returns_ellipsis_is_not_started(capsys: pytest.CaptureFixture[str]) -> None:
    def unfinished(x: float) -> float:
        return ...  # type: ignore[return-value]

    check(unfinished, lambda f: f(1.0) <= 2.0, right="yes.", hint="no.")
    assert capsys.readouterr().out.startswith(NOT_STARTED)
