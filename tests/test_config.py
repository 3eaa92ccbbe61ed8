"""The book's configuration: launchable (Binder, Colab, Thebe), the repository named once, and the Colab setup cell.

No build and no browser needed: these read _config.yml and requirements.txt, and run the Colab setup cell the way
a chapter runs it outside Colab.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY_URL = "https://github.com/film-palettes/film-palettes"

# The first code cell of every chapter. On Colab it fetches the book (for ../pics and kpalette) and installs kpalette
# and myst-nb (the chapters glue numbers into the text), then works in chapters/ like every other way of reading.
# Anywhere else it does nothing and prints nothing. Its URL must be repository.url of _config.yml.
COLAB_SETUP = '''\
# On Google Colab only: fetch the book and its kpalette library, then work in chapters/ as the book does.
# Anywhere else (your computer, Binder, Live Code in the web book) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    BOOK = "/content/film-palettes"
    if not os.path.isdir(BOOK):
        subprocess.run(["git", "clone", "--quiet", "--depth=1", "--branch=main",
                        "https://github.com/film-palettes/film-palettes", BOOK], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", BOOK, "myst-nb"], check=True)
    sys.path.insert(0, BOOK)
    os.chdir(f"{BOOK}/chapters")
'''


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_repository_is_named_once(config):
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert config["repository"] == {"url": REPOSITORY_URL, "branch": "main", "path_to_book": ""}
    assert text.count("github.com") == 1, "name the repository only in repository.url; the rest derives from it"


def test_book_is_launchable(config):
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert launch["thebe"] is True
    html = config["html"]
    assert html["use_repository_button"] and html["use_issues_button"]
    assert config["sphinx"]["config"]["html_theme_options"]["use_download_button"] is True
    assert (ROOT / html["favicon"]).suffix == ".png" and (ROOT / config["logo"]).suffix == ".png"


def test_a_failing_cell_fails_the_build(config):
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"
    assert execute["allow_errors"] is False
    assert 30 <= execute["timeout"] <= 300, "a per-cell timeout: generous for a busy machine, not endless"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert "**/*.ipynb" in config["exclude_patterns"]


def test_binder_installs_kpalette():
    # repo2docker installs requirements.txt; its last requirement installs the book's own library.
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [ln for ln in lines if ln and not ln.startswith("#")]
    assert requirements[-1] == "-e ."
    assert any(r.startswith("jupyterlab==") for r in requirements), "Binder's launch links open JupyterLab"


def test_colab_setup_names_the_configured_repository(config):
    assert config["repository"]["url"] in COLAB_SETUP
    assert f'--branch={config["repository"]["branch"]}' in COLAB_SETUP
    compile(COLAB_SETUP, "colab-setup", "exec")
    assert max(len(line) for line in COLAB_SETUP.splitlines()) <= 120


def test_colab_setup_is_silent_and_does_nothing_elsewhere(tmp_path):
    # Run the cell in a fresh interpreter, the way a kernel on a reader's computer runs it.
    probe = COLAB_SETUP + "\nimport os\nassert os.getcwd() == START, os.getcwd()\nassert 'BOOK' not in dir()\n"
    run = subprocess.run(
        [sys.executable, "-c", f"import os\nSTART = os.getcwd()\n{probe}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and run.stderr == "", "the setup cell must print nothing outside Colab"
    assert list(tmp_path.iterdir()) == [], "the setup cell must not create files outside Colab"


def _first_code_cell(md: Path) -> str | None:
    text = md.read_text(encoding="utf-8")
    start = text.find("```{code-cell}")
    if start < 0:
        return None
    body = text[text.index("\n", start) + 1 : text.index("\n```", start)]
    if body.startswith("---\n"):  # cell metadata (tags) comes first, as a YAML block ...
        body = body[body.index("\n---\n", 4) + 5 :]
    while body.startswith(":"):  # ... or as short ":tags: [...]" option lines
        body = body[body.index("\n") + 1 :]
    return body.strip("\n") + "\n"


CHAPTER_SOURCES = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("md", CHAPTER_SOURCES, ids=lambda p: p.stem)
def test_chapter_setup_cell_is_the_agreed_one(md):
    # Every chapter starts with COLAB_SETUP, the exact same cell, so the repository URL and the steps stay the same
    # everywhere; it is tagged remove-cell, so the web book does not show it.
    assert _first_code_cell(md) == COLAB_SETUP, f"{md.name}: the first code cell differs from COLAB_SETUP"
    text = md.read_text(encoding="utf-8")
    assert text[text.find("```{code-cell}"):].splitlines()[1] == ":tags: [remove-cell]", f"{md.name}: tag it remove-cell"
