"""Every chapter's exercises can be started, checked and solved, and its quiz has one right answer per question.

The conventions (see CONTRIBUTING.md):

- each exercise is a heading ``### Exercise N.M: title`` followed by its text, at least one code cell tagged
  ``starter`` (what the student fills in) and, where the answer can be checked, cells tagged ``check`` that call
  :func:`kpalette.teach.check`; then its solution, hidden in ``<details class="solution">`` with the summary
  ``Solution N.M``, whose code is in ```` ```python ```` blocks. Plain HTML ``<details>`` stays hidden until
  opened in the built book, in JupyterLab and in Colab alike (a MyST directive shows as raw text in Jupyter);
- the chapter ends with ``## Check your understanding``: 3 to 5 numbered questions, each with options written as
  ``<details class="quiz right">`` (exactly one) or ``<details class="quiz wrong">``, whose hidden text starts
  with **Right.** or **Not quite.** and explains why.

The structural tests read the MyST sources. The execution test runs, in a fresh kernel, every code cell of a
chapter (starter cells unfilled, as the book runs them), then each exercise's solution code followed by that
exercise's check cells, and requires every such check to say ``Right:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import CHAPTERS, ROOT
from kpalette.teach import RIGHT

EXERCISE = re.compile(r"^### Exercise (?P<label>\d+\.\d+): \S", re.M)
SOLUTION = re.compile(r'^<details class="solution"><summary>Solution (?P<label>\d+\.\d+)</summary>\n'
                      r"(?P<body>.*?)^</details>", re.M | re.S)
PYTHON = re.compile(r"^```python\n(?P<code>.*?)^```\s*$", re.M | re.S)
QUESTION = re.compile(r"^\*\*(?P<n>\d+)\.\*\* ", re.M)
OPTION = re.compile(r'<details class="quiz (?P<kind>right|wrong)">\s*<summary>(?P<summary>.*?)</summary>'
                    r'(?P<body>.*?)</details>', re.S)


@dataclass
class Exercise:
    label: str
    starters: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    solution: list[str] | None = None


def exercises(path: Path) -> list[Exercise]:
    """The chapter's exercises in order, with their starter cells, check cells and solution code."""
    found: dict[str, Exercise] = {}
    current: Exercise | None = None
    for cell in jupytext.read(path).cells:
        if cell.cell_type == "markdown":
            events = [(m.start(), "exercise", m["label"], None) for m in EXERCISE.finditer(cell.source)]
            events += [(m.start(), "solution", m["label"], m["body"]) for m in SOLUTION.finditer(cell.source)]
            for _, kind, label, body in sorted(events, key=lambda e: e[0]):
                if kind == "exercise":
                    current = found.setdefault(label, Exercise(label))
                else:
                    assert label in found, f"{path.name}: solution for {label} comes before its exercise"
                    found[label].solution = [m["code"] for m in PYTHON.finditer(body or "")]
                    current = None
        elif current is not None:
            tags = cell.metadata.get("tags", [])
            if "starter" in tags:
                current.starters.append(cell.source)
            if "check" in tags:
                current.checks.append(cell.source)
    return list(found.values())


def quiz_section(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    heads = [m.group(1) for m in re.finditer(r"^## (.+)$", text, re.M)]
    assert heads[-3:] == ["Summary", "Exercises", "Check your understanding"], (
        f"{path.name} should end with the sections Summary, Exercises, Check your understanding; has {heads[-3:]}")
    return text.split("\n## Check your understanding\n", 1)[1]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_a_starter_cell_and_a_solution_with_code(path: Path) -> None:
    found = exercises(path)
    assert found, f"{path.name} has no exercises"
    chapter = int(path.name[:2])
    assert [ex.label for ex in found] == [f"{chapter}.{i}" for i in range(1, len(found) + 1)], (
        f"{path.name}: exercises should be numbered {chapter}.1, {chapter}.2, ... in order; found "
        f"{[ex.label for ex in found]}")
    for ex in found:
        assert ex.starters, f"{path.name}: {ex.label} has no starter cell (a code cell tagged starter)"
        assert ex.solution is not None, f"{path.name}: {ex.label} has no solution"
        assert ex.solution, f"{path.name}: the solution of {ex.label} has no ```python code to run"
        for check in ex.checks:
            assert "check(" in check, f"{path.name}: a check cell of {ex.label} does not call check()"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_quiz_questions_have_exactly_one_right_answer_each(path: Path) -> None:
    section = quiz_section(path)
    starts = [m.start() for m in QUESTION.finditer(section)]
    assert 3 <= len(starts) <= 5, f"{path.name}: {len(starts)} quiz questions, expected 3 to 5"
    numbers = [int(m["n"]) for m in QUESTION.finditer(section)]
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: questions numbered {numbers}"
    for n, (a, b) in enumerate(zip(starts, starts[1:] + [len(section)]), 1):
        options = list(OPTION.finditer(section[a:b]))
        assert len(options) >= 2, f"{path.name}: question {n} has {len(options)} options"
        kinds = [o["kind"] for o in options]
        assert kinds.count("right") == 1, f"{path.name}: question {n} has {kinds.count('right')} right options"
        for o in options:
            body = o["body"].strip()
            opening = "**Right.**" if o["kind"] == "right" else "**Not quite.**"
            assert body.startswith(opening), f"{path.name}: question {n}: an answer should start with {opening}"
            assert len(body) > len(opening) + 20, f"{path.name}: question {n}: an answer needs its explanation"
    assert section.count("<details") == section.count("</details>"), f"{path.name}: unbalanced <details>"


def run_with_solutions(path: Path) -> nbformat.NotebookNode:
    """Execute the chapter's code cells, then each solution followed by its check cells; return the notebook."""
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_code_cell(c.source) for c in jupytext.read(path).cells if c.cell_type == "code"]
    for ex in exercises(path):
        for code in ex.solution or []:
            cells.append(nbformat.v4.new_code_cell(code, metadata={"solution": ex.label}))
        for check in ex.checks:
            cells.append(nbformat.v4.new_code_cell(check, metadata={"check_after_solution": ex.label}))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                           "display_name": "Python 3"}})
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.mark.exercises
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_run_after_the_chapter_and_pass_their_checks(path: Path) -> None:
    nb = run_with_solutions(path)  # raises CellExecutionError, naming the cell, if any solution fails
    for cell in nb.cells:
        label = cell.metadata.get("check_after_solution")
        if label is None:
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        assert RIGHT in text, f"{path.name}: after its solution, the check of {label} says: {text.strip()!r}"


def test_the_checks_find_a_missing_right_answer(tmp_path: Path) -> None:
    # the quiz test must be able to fail: a question whose options are all wrong
    bad = tmp_path / "99-bad.md"
    bad.write_text("# T\n\n## Summary\n\n## Exercises\n\n## Check your understanding\n\n**1.** Q?\n\n"
                   + '<details class="quiz wrong"><summary>A</summary>\n\n**Not quite.** ' + "x" * 30
                   + "\n</details>\n" * 1 + '<details class="quiz wrong"><summary>B</summary>\n\n**Not quite.** '
                   + "y" * 30 + "\n</details>\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="quiz questions|right options"):
        test_quiz_questions_have_exactly_one_right_answer_each(bad)


def test_the_chapter_list_is_not_empty() -> None:
    assert CHAPTERS and all(p.parent == ROOT / "chapters" for p in CHAPTERS)
