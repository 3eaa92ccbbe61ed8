"""Shared fixtures: the repository root and the chapters."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
# Every paired notebook: the chapters, the landing page, the teacher's guide and its one-page summary (they run code
# too).
PAIRED = [ROOT / "intro.md", ROOT / "teachers-guide.md", ROOT / "summary.md", *CHAPTERS]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
