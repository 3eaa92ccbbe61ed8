"""The book's configuration: launchable (Binder, Colab, Thebe), the repository named once, the Colab setup cell,
the offline build, the licences and the GitHub workflow.

Most tests read _config.yml and the files beside it; two run real processes (the setup cell outside Colab, and a
small book built as a fork would build it); the workflow test runs actionlint.

The repository is named in one place, ``repository.url`` (and ``repository.branch``) in _config.yml. Jupyter Book
builds the Binder, Colab, Live Code and repository links from it. The Colab setup cell cannot read _config.yml
(Colab opens the committed .ipynb, and the cell runs before anything is cloned), so its address is written into
every chapter, and into the root pages that run code (the landing page, the teacher's guide and its summary), from
_config.yml by this file, run as a script:

    make repository                              # = python tests/test_config.py write
    make check-repository URL=https://github.com/OWNER/NAME   # CI: _config.yml names URL, chapters agree
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GITHUB_REPOSITORY = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")

# The first code cell of every chapter. On Colab it fetches the book (for ../pics and kpalette) and installs kpalette
# and myst-nb (the chapters glue numbers into the text), then works in chapters/ like every other way of reading.
# Anywhere else it does nothing and prints nothing. $url and $branch are repository.url and repository.branch of
# _config.yml; `make repository` writes them into every chapter. The root pages that run code (intro.md,
# teachers-guide.md, summary.md) read pics/ from the book's folder: their cell is the same but for $folder and
# $workdir.
COLAB_SETUP_TEMPLATE = Template('''\
# On Google Colab only: fetch the book and its kpalette library, then work in $folder as the book does.
# Anywhere else (your computer, Binder, Live Code in the web book) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    BOOK = "/content/film-palettes"
    if not os.path.isdir(BOOK):
        subprocess.run(["git", "clone", "--quiet", "--depth=1", "--branch=$branch",
                        "$url", BOOK], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", BOOK, "myst-nb"], check=True)
    sys.path.insert(0, BOOK)
    os.chdir($workdir)
''')
# Where each kind of page works: the chapters in chapters/, the root pages in the book's folder itself.
WORKDIRS = {"chapter": ("chapters/", 'f"{BOOK}/chapters"'), "root": ("the book's folder", "BOOK")}


def read_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def repository(root: Path = ROOT) -> tuple[str, str]:
    """The book's repository address and branch, from _config.yml: the one place they are written by hand."""
    config = read_config(root)["repository"]
    return config["url"], config["branch"]


def colab_setup(url: str, branch: str, page: str = "chapter") -> str:
    """The setup cell for a chapter (page="chapter") or for a root page (page="root")."""
    folder, workdir = WORKDIRS[page]
    return COLAB_SETUP_TEMPLATE.substitute(url=url, branch=branch, folder=folder, workdir=workdir)


# The one true copy of the cell, for the repository that _config.yml names, and its twin for the root pages.
COLAB_SETUP = colab_setup(*repository())
COLAB_SETUP_ROOT = colab_setup(*repository(), page="root")


def clone_target(cell: str) -> tuple[str, str]:
    """What the setup cell clones on Colab, read from its code: (address, branch)."""
    for node in ast.walk(ast.parse(cell)):
        if isinstance(node, ast.List):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if words[:2] == ["git", "clone"]:
                url = next(w for w in words if w.startswith("https://"))
                branch = next(w.removeprefix("--branch=") for w in words if w.startswith("--branch="))
                return url, branch
    raise AssertionError("the setup cell clones nothing")


# --------------------------------------------------------------------------------------------------------------
# Writing the address into the chapters (make repository) and checking it (make check-repository)
# --------------------------------------------------------------------------------------------------------------
def chapter_sources(root: Path = ROOT) -> list[Path]:
    return sorted((root / "chapters").glob("[0-9][0-9]-*.md"))


def root_sources(root: Path = ROOT) -> list[Path]:
    """The pages in the book's folder paired with a notebook (they run code): intro.md, teachers-guide.md, ..."""
    return sorted(md for md in root.glob("*.md") if md.with_suffix(".ipynb").exists())


def setup_sources(root: Path = ROOT) -> list[tuple[Path, str]]:
    """Every page with a Colab setup cell, and which cell it takes: ("chapter" or "root")."""
    return [(md, "chapter") for md in chapter_sources(root)] + [(md, "root") for md in root_sources(root)]


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


def _is_setup_cell(source: str | None) -> bool:
    return bool(source) and '"google.colab" in sys.modules' in source and '"git", "clone"' in source


def write_setup_cells(root: Path = ROOT) -> list[Path]:
    """Write the Colab setup cell for the repository in root/_config.yml into every chapter (.md and .ipynb).

    The root pages paired with a notebook (intro.md, ...) get the root pages' cell. Only the first code
    cell changes, and only if it is a setup cell; the .ipynb keeps its outputs (the cell has none) and needs no new
    run. Returns the files that changed.
    """
    import nbformat

    changed = []
    for md, page in setup_sources(root):
        cell = colab_setup(*repository(root), page=page)
        old = _first_code_cell(md)
        if not _is_setup_cell(old):
            raise SystemExit(f"{md.relative_to(root)}: the first code cell is not the Colab setup cell; copy it "
                             f"from another {'chapter' if page == 'chapter' else 'root page'} (see CONTRIBUTING.md), "
                             "then run make repository again")
        if old != cell:
            text = md.read_text(encoding="utf-8")
            start = text.index(old.rstrip("\n"), text.find("```{code-cell}"))
            md.write_text(text[:start] + cell.rstrip("\n") + text[start + len(old.rstrip("\n")) :], encoding="utf-8")
            changed.append(md)
        ipynb = md.with_suffix(".ipynb")
        if ipynb.exists():
            nb = nbformat.read(ipynb, as_version=4)
            first = next((c for c in nb.cells if c.cell_type == "code"), None)
            if first is None or not _is_setup_cell(first.source):
                raise SystemExit(f"{ipynb.relative_to(root)}: the first code cell is not the Colab setup cell; "
                                 f"run make sync CHAPTERS={md.relative_to(root)}")
            if first.source != cell.rstrip("\n"):
                first.source = cell.rstrip("\n")
                nbformat.write(nb, ipynb)
                changed.append(ipynb)
    citation = root / "CITATION.cff"
    if citation.exists():
        text = citation.read_text(encoding="utf-8")
        new = re.sub(r"(?m)^repository-code: .*$", f'repository-code: "{repository(root)[0]}"', text)
        if new != text:
            citation.write_text(new, encoding="utf-8")
            changed.append(citation)
    return changed


def repository_problems(url: str, root: Path = ROOT) -> list[str]:
    """Why the book would not link to the repository at url (empty if it would): one sentence each."""
    problems = []
    configured, branch = repository(root)
    if configured != url:
        problems.append(f"repository.url in _config.yml is {configured}, but this repository is {url}: set it "
                        "there and run make repository (README, 'Fork the book')")
    stale = [md.name for md, page in setup_sources(root)
             if _first_code_cell(md) != colab_setup(configured, branch, page)]
    if stale:
        problems.append(f"the Colab setup cell of {', '.join(stale)} does not clone {configured}: run "
                        "make repository and commit the chapters")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the repository address in the chapters.")
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("url", nargs="?", help="check: the address the book must name")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    args = parser.parse_args(argv)
    if args.command == "write":
        changed = write_setup_cells(args.root)
        url, branch = repository(args.root)
        print(f"{len(changed)} files now clone {url} (branch {branch})" if changed else f"every chapter already "
              f"clones {url} (branch {branch})")
        return 0
    if not args.url:
        parser.error("check needs the repository's address, e.g. https://github.com/OWNER/NAME")
    problems = repository_problems(args.url, args.root)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


# --------------------------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def config() -> dict:
    return read_config()


def test_repository_is_named_once(config):
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert set(config["repository"]) == {"url", "branch", "path_to_book"}
    assert GITHUB_REPOSITORY.fullmatch(config["repository"]["url"]), "Binder, Colab and Thebe need a GitHub address"
    assert config["repository"]["branch"] and config["repository"]["path_to_book"] == ""
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


def test_the_build_serves_everything_itself(config):
    # MathJax comes from the build (sphinx-mathjax-offline copies MathJax 3.2.2 into _static/mathjax), and the
    # book's extension drops unused widget scripts and warns about anything from another host.
    sphinx = config["sphinx"]
    assert "sphinx-mathjax-offline" in sphinx["extra_extensions"]
    assert "://" not in sphinx["config"]["mathjax_path"]
    assert sphinx["local_extensions"] == {"book_offline": "_ext"}
    assert (ROOT / "_ext" / "book_offline.py").exists()
    for script in sphinx["config"]["html_js_files"]:
        assert (ROOT / "_static" / script).exists(), f"html_js_files names a missing _static/{script}"


def test_book_extension_keeps_one_copy_and_drops_unused_widget_scripts(caplog, monkeypatch):
    # _ext/book_offline.py on one page's scripts, as Sphinx 7.4 hands them over: sphinx-thebe's settings twice
    # (filename None, then ''), myst-nb's widget state and scripts, and a script from another host.
    from types import SimpleNamespace

    from sphinx.builders.html._assets import _JavaScript

    monkeypatch.syspath_prepend(str(ROOT / "_ext"))
    import book_offline

    cdn = "https://cdn.example.org/html-manager.js"
    settings = 'const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"'
    scripts = [_JavaScript("_static/doctools.js", priority=200), _JavaScript(None, body=settings),
               _JavaScript("", body=settings), _JavaScript(None, type=book_offline.WIDGET_STATE, body="{}"),
               _JavaScript(cdn)]
    app = SimpleNamespace(config=SimpleNamespace(nb_ipywidgets_js={cdn: {}}))
    context = {"script_files": list(scripts), "css_files": [], "body": "<p>No widget here.</p>"}
    book_offline.tidy_page_assets(app, "chapters/11-live-demo", "page.html", context, None)
    assert context["script_files"] == scripts[:2], "one copy of the settings, no widget state or script"
    context = {"script_files": list(scripts), "css_files": [], "body": book_offline.WIDGET_VIEW}
    with caplog.at_level("WARNING"):
        book_offline.tidy_page_assets(app, "chapters/11-live-demo", "page.html", context, None)
    assert context["script_files"] == [*scripts[:2], *scripts[3:]], "a page that shows a widget keeps its scripts"
    assert f"loads {cdn} from another host" in caplog.text


@pytest.mark.parametrize("cell", [COLAB_SETUP, COLAB_SETUP_ROOT], ids=["chapter", "root"])
def test_colab_setup_clones_the_configured_repository(config, cell):
    assert clone_target(cell) == (config["repository"]["url"], config["repository"]["branch"])
    compile(cell, "colab-setup", "exec")
    assert max(len(line) for line in cell.splitlines()) <= 120


def test_root_pages_work_in_the_books_folder():
    # The two cells differ only in where they work: chapters/ (../pics) or the book's folder (pics/).
    assert COLAB_SETUP.endswith('os.chdir(f"{BOOK}/chapters")\n') and COLAB_SETUP_ROOT.endswith("os.chdir(BOOK)\n")
    differ = [(a, b) for a, b in zip(COLAB_SETUP.splitlines(), COLAB_SETUP_ROOT.splitlines()) if a != b]
    assert len(differ) == 2 and len(COLAB_SETUP.splitlines()) == len(COLAB_SETUP_ROOT.splitlines()), differ


@pytest.mark.parametrize("cell", [COLAB_SETUP, COLAB_SETUP_ROOT], ids=["chapter", "root"])
def test_colab_setup_is_silent_and_does_nothing_elsewhere(tmp_path, cell):
    # Run the cell in a fresh interpreter, the way a kernel on a reader's computer runs it.
    probe = cell + "\nimport os\nassert os.getcwd() == START, os.getcwd()\nassert 'BOOK' not in dir()\n"
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


def _assert_setup_cell(md, expected: str, name: str) -> None:
    """The page's first code cell is ``expected`` (the constant called ``name`` here) and is tagged remove-cell."""
    assert _first_code_cell(md) == expected, (
        f"{md.name}: the first code cell differs from {name} in tests/test_config.py (after changing "
        "repository.url in _config.yml, run make repository)")
    text = md.read_text(encoding="utf-8")
    tags = text[text.find("```{code-cell}"):].splitlines()[1]
    assert tags == ":tags: [remove-cell]", f"{md.name}: tag it remove-cell"


CHAPTER_SOURCES = chapter_sources()


@pytest.mark.parametrize("md", CHAPTER_SOURCES, ids=lambda p: p.stem)
def test_chapter_setup_cell_is_the_agreed_one(md):
    # Every chapter starts with COLAB_SETUP, the exact same cell, so the repository URL and the steps stay the same
    # everywhere; it is tagged remove-cell, so the web book does not show it.
    _assert_setup_cell(md, COLAB_SETUP, "COLAB_SETUP")


ROOT_SOURCES = root_sources()


def test_root_pages_that_run_code_are_found():
    assert {md.name for md in ROOT_SOURCES} >= {"intro.md", "teachers-guide.md", "summary.md"}


@pytest.mark.parametrize("md", ROOT_SOURCES, ids=lambda p: p.stem)
def test_root_page_setup_cell_is_the_agreed_one(md):
    # The landing page and the teacher's guide have launch buttons too: on Colab their first code cell fetches the
    # book and works in its folder, where their paths (pics/bunny.png) start.
    _assert_setup_cell(md, COLAB_SETUP_ROOT, "COLAB_SETUP_ROOT")


def test_citation_names_the_configured_repository(config):
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'repository-code: "{config["repository"]["url"]}"' in text.splitlines(), "run make repository"


# --------------------------------------------------------------------------------------------------------------
# A fork: one line of _config.yml, then make repository
# --------------------------------------------------------------------------------------------------------------
FORK_URL, FORK_BRANCH = "https://github.com/a-teacher/palettes-for-class", "trunk"
FRONT_MATTER = """\
---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""


def _make_fork(root: Path) -> Path:
    """A small copy of the book (its configuration, one chapter with the current setup cell), whose _config.yml
    names FORK_URL: what a reader has after forking and changing that one line."""
    import jupytext

    for name in ("_ext", "_static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pics").mkdir()
    for name in ("logo.png", "favicon.png"):
        shutil.copy(ROOT / "pics" / name, root / "pics" / name)
    shutil.copy(ROOT / "references.bib", root)
    shutil.copy(ROOT / "CITATION.cff", root)
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    text = text.replace(repository()[0], FORK_URL).replace(f"branch: {repository()[1]}", f"branch: {FORK_BRANCH}")
    text = text.replace("execute_notebooks: force", "execute_notebooks: 'off'")  # nothing to compute here
    (root / "_config.yml").write_text(text, encoding="utf-8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01-fork\n")
    intro = root / "intro.md"  # a first page that runs code, as the book's does
    intro.write_text(f"{FRONT_MATTER}\n# A fork of the book\n\nThe first page.\n\n```{{code-cell}} ipython3\n"
                     f":tags: [remove-cell]\n\n{COLAB_SETUP_ROOT}```\n\n```{{code-cell}} ipython3\nprint(6 * 9)\n```\n",
                     encoding="utf-8")
    jupytext.write(jupytext.read(intro), intro.with_suffix(".ipynb"))
    (root / "chapters").mkdir()
    md = root / "chapters" / "01-fork.md"
    md.write_text(f"{FRONT_MATTER}\n# One chapter\n\nSome text.\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n"
                  f"{COLAB_SETUP}```\n\n```{{code-cell}} ipython3\nprint(6 * 7)\n```\n", encoding="utf-8")
    jupytext.write(jupytext.read(md), md.with_suffix(".ipynb"))
    return md


def test_make_repository_writes_the_address_into_every_chapter(tmp_path):
    import jupytext
    import nbformat

    md = _make_fork(tmp_path)
    before = [(c.cell_type, c.source) for c in jupytext.read(md).cells]
    script = [sys.executable, str(ROOT / "tests" / "test_config.py")]
    # Before: the fork's chapters still clone the original; the check says what to do, in one sentence each.
    intro = tmp_path / "intro.md"
    intro_before = [(c.cell_type, c.source) for c in jupytext.read(intro).cells]
    run = subprocess.run([*script, "check", FORK_URL, "--root", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 1 and "01-fork.md, intro.md" in run.stderr and "make repository" in run.stderr, run.stderr
    run = subprocess.run([*script, "write", "--root", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("5 files now clone"), run.stdout  # two .md, their .ipynb and CITATION.cff
    expected = colab_setup(FORK_URL, FORK_BRANCH)
    assert _first_code_cell(md) == expected
    assert clone_target(expected) == (FORK_URL, FORK_BRANCH)
    ipynb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    assert clone_target(ipynb.cells[1].source) == (FORK_URL, FORK_BRANCH)
    after = [(c.cell_type, c.source) for c in jupytext.read(md).cells]
    assert after[0] == before[0] and after[2:] == before[2:], "only the setup cell may change"
    # The root page gets the root pages' cell (it works in the book's folder), for the fork too.
    assert _first_code_cell(intro) == colab_setup(FORK_URL, FORK_BRANCH, page="root")
    intro_nb = nbformat.read(intro.with_suffix(".ipynb"), as_version=4)
    assert intro_nb.cells[1].source == colab_setup(FORK_URL, FORK_BRANCH, page="root").rstrip("\n")
    intro_after = [(c.cell_type, c.source) for c in jupytext.read(intro).cells]
    assert intro_after[0] == intro_before[0] and intro_after[2:] == intro_before[2:], "only the setup cell may change"
    assert f'repository-code: "{FORK_URL}"' in (tmp_path / "CITATION.cff").read_text()
    run = subprocess.run([*script, "check", FORK_URL, "--root", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    run = subprocess.run([*script, "write", "--root", str(tmp_path)], capture_output=True, text=True)
    assert run.stdout.startswith("every chapter already clones"), run.stdout


def test_a_fork_gets_its_own_binder_colab_and_live_code_links(tmp_path):
    # Build the small fork with Jupyter Book, as `make book` does, and read the links on its chapter page.
    _make_fork(tmp_path)
    subprocess.run([sys.executable, str(ROOT / "tests" / "test_config.py"), "write", "--root", str(tmp_path)],
                   check=True, capture_output=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    run = subprocess.run([str(jupyter_book), "build", str(tmp_path), "--builder", "html"], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    page = (tmp_path / "_build" / "html" / "chapters" / "01-fork.html").read_text(encoding="utf-8")
    fork = FORK_URL.removeprefix("https://github.com/")
    assert f"https://mybinder.org/v2/gh/{fork}/{FORK_BRANCH}?urlpath=lab/tree/chapters/01-fork.ipynb" in page
    assert f"https://colab.research.google.com/github/{fork}/blob/{FORK_BRANCH}/chapters/01-fork.ipynb" in page
    assert re.search(rf'repo: "{re.escape(fork)}",\s*ref: "{FORK_BRANCH}"', page), "Thebe (Live Code) config"
    assert f'href="{FORK_URL}"' in page, "repository button"
    original = repository()[0].removeprefix("https://github.com/")
    assert original not in page, f"the fork's page still names {original}"


# --------------------------------------------------------------------------------------------------------------
# Licences and the published site
# --------------------------------------------------------------------------------------------------------------
def test_licences_say_what_covers_what(config):
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License\n\nCopyright (c) ") and "Permission is hereby granted, free of charge" in mit
    text = (ROOT / "LICENSE-text").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in text
    for section in ("Section 1 – Definitions.", "Section 3 – License Conditions.", "Section 8 – Interpretation."):
        assert section in text, f"LICENSE-text lacks {section!r}: is it the whole legal code?"
    assert "Big Buck Bunny" in text and "CC BY 3.0" in text
    footer = config["html"]["extra_footer"]
    for words in ("CC BY 4.0", "MIT", "Big Buck Bunny", "Blender Foundation", "CC BY 3.0"):
        assert words in footer, f"the footer does not say {words!r}"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject


def test_citation_file_has_what_cff_requires():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(citation) and citation["authors"]
    assert citation["license"] == ["MIT", "CC-BY-4.0"]


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    actionlint = Path(sys.executable).with_name("actionlint")
    if not actionlint.exists():
        pytest.fail(f"no actionlint beside {sys.executable}: run make venv (requirements.txt installs it)")
    return subprocess.run([str(actionlint), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, paths)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_workflow_passes_actionlint():
    assert WORKFLOWS, "no workflow in .github/workflows"
    run = _actionlint(*WORKFLOWS)
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_finds_a_broken_workflow(tmp_path):
    # The check above could fail: a job with an unknown key and a step that uses an action with a wrong input.
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    step:\n      - run: make book\n")
    run = _actionlint(bad)
    assert run.returncode == 1 and "step" in run.stdout, run.stdout


def test_workflow_builds_publishes_and_tests():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers
    jobs = workflow["jobs"]
    steps = {name: [s.get("uses", "") + s.get("run", "") for s in job["steps"]] for name, job in jobs.items()}
    # Pull requests: make test, through .ci/run, which installs Debian's chromium in a Debian container.
    assert jobs["test"]["if"] == "github.event_name == 'pull_request'" and "bash .ci/run" in steps["test"]
    assert jobs["test"]["container"].startswith("python:3.11-") and "make test" in (ROOT / ".ci" / "run").read_text()
    # Pushes to main: the same make book, its _build/html uploaded and deployed with GitHub's Pages actions.
    assert "make book" in steps["build"] and jobs["build"]["if"] == "github.event_name != 'pull_request'"
    upload = next(s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert any(s.startswith("make check-repository") for s in steps["build"])
    assert jobs["deploy"]["needs"] == "build" and any(s.startswith("actions/deploy-pages@") for s in steps["deploy"])
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


if __name__ == "__main__":
    sys.exit(main())
