"""Each chapter's MyST .md and its .ipynb hold the same cells, and the .ipynb was executed and saved."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from conftest import CHAPTERS, PAIRED, ROOT


def cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_chapters() -> None:
    assert len(CHAPTERS) >= 6


@pytest.mark.parametrize("md", PAIRED, ids=lambda p: p.stem)
def test_md_and_ipynb_hold_the_same_cells(md: Path) -> None:
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run make sync"
    assert cells(jupytext.read(md)) == cells(nbformat.read(ipynb, as_version=4)), (
        f"{md.name} and {ipynb.name} differ: run make sync CHAPTERS={md.relative_to(ROOT)}"
    )


@pytest.mark.parametrize("md", PAIRED, ids=lambda p: p.stem)
def test_ipynb_is_executed_in_order(md: Path) -> None:
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{md.name} has no code cells"
    counts = [c.execution_count for c in code]
    assert all(n is not None for n in counts), f"{md.stem}.ipynb has unexecuted cells: run make sync"
    assert counts == list(range(1, len(code) + 1)), f"{md.stem}.ipynb was not run top to bottom once"
    for c in code:
        errors = [o for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{md.stem}.ipynb stores an error output"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_house_layout(md: Path) -> None:
    text = md.read_text()
    assert "jupytext:" in text.split("---")[1], "jupytext front matter is missing"
    nb = jupytext.read(md)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("#")]
    assert headings and headings[0].startswith("# "), "a chapter starts with one '# Title'"
    assert sum(h.startswith("# ") for h in headings) == 1, "only one '# Title' per chapter"
    assert "## Summary" in headings, "a chapter ends with '## Summary'"
    assert "## Exercises" in headings, "a chapter has '## Exercises'"


def test_toc_lists_every_chapter() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    for md in CHAPTERS:
        assert f"chapters/{md.stem}" in files, f"{md.name} is not in _toc.yml"
