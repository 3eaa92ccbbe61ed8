# Film Palettes with k-means: build, test and edit the book.
#   make book   build the whole book (executing every notebook) into _build/html
#   make test   run every test: library, notebooks (nbval), pairing, the strict book build, the browser
#   make lab    open the chapters in Jupyter Lab
#   make sync   after editing chapters/*.md: rewrite and re-execute the paired .ipynb files
#   make pics   regenerate the animations in pics/
#   make bench  run the speed benchmark (make bench-film: the film targets, on a test film it makes)
#   make clean  remove build outputs (make distclean also removes .venv)
#   make repository   after changing repository.url in _config.yml (a fork): write it into every chapter
# Every target creates .venv from requirements.txt when it is missing or stale.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.film-palettes-installed
# Prefer the kernel registered inside .venv over any user-level one; keep runs deterministic.
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# One BLAS/OpenMP thread per kernel: two notebooks run side by side on a 2-core machine, and stored outputs,
# nbval and the book build all see the same arithmetic.
export OMP_NUM_THREADS ?= 1
# The paired notebooks: every chapter, the landing page, the teacher's guide and its one-page summary. make sync
# re-syncs only the ones given here: make sync CHAPTERS=chapters/05-clustering.md
CHAPTERS ?= intro.md teachers-guide.md summary.md $(sort $(wildcard chapters/[0-9]*.md))

.PHONY: book test lab sync pics bench bench-film clean distclean venv test-lib test-notebooks test-book test-browser \
	repository check-repository

venv: $(STAMP)

# setup.py and the C file: pip builds kpalette's C extension (kpalette/_ckernels.c) when it installs kpalette
$(STAMP): requirements.txt pyproject.toml setup.py kpalette/_ckernels.c
	@want=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	have=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -z "$$want" ]; then echo "make: cannot run $(PYTHON); install Python 3.11+ or pass PYTHON=/path/to/python3" >&2; exit 1; fi; \
	if [ "$$want" != "$$have" ]; then echo "Creating $(VENV) with Python $$want"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	@touch $@

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --builder html

test: test-lib test-notebooks test-book test-browser

test-lib: $(STAMP)
	$(PY) -m pytest tests -m "not browser and not exercises" -q

test-notebooks: $(STAMP)
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg \
		-n 2 --dist loadfile -q chapters intro.ipynb teachers-guide.ipynb summary.ipynb
	$(PY) -m pytest tests/test_exercises.py -m exercises -n 2 -q

test-book: $(STAMP)
	rm -rf _build/html
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

test-browser: $(STAMP)
	$(PY) -m pytest tests -m browser -q

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters

# After executing, the cells get ids from their position and the run times nbclient records are dropped, so
# re-syncing an unchanged chapter leaves its .ipynb as it was.
sync: $(STAMP)
	$(VENV)/bin/jupytext --to ipynb --execute $(CHAPTERS)
	$(PY) -c "$$TIDY_NOTEBOOKS" $(CHAPTERS:.md=.ipynb)

define TIDY_NOTEBOOKS
import sys, nbformat
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
endef
export TIDY_NOTEBOOKS

pics: $(STAMP)
	$(PY) pics/make_pictures.py

bench: $(STAMP)
	$(PY) benchmarks/palette_speed.py

# The film targets (issue 14): makes a 3-minute 1080p test film in benchmarks/out/ (ignored by git) the first
# time, then measures speed against decoding alone, palette quality, memory and cuts against PySceneDetect.
# Options: make bench-film FILM_ARGS="--quick --skip sizes" (see benchmarks/film_speed.py).
bench-film: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements-film.txt
	$(PY) benchmarks/film_speed.py $(FILM_ARGS)

# The repository is named once, in repository.url of _config.yml. Binder, Colab and Live Code links come from it
# at build time; the chapters' Colab setup cell (and CITATION.cff) get it from here. The CI workflow runs
# check-repository URL=https://github.com/OWNER/NAME before it publishes.
repository: $(STAMP)
	$(PY) tests/test_config.py write

check-repository: $(STAMP)
	$(PY) tests/test_config.py check "$(URL)"

clean:
	rm -rf _build build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
