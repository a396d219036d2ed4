# Set-up and everyday commands. Every target creates (once) and reuses the local
# virtual environment .venv, so `make demo` and `make test` work on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.installed
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: venv demo test test-fast lab release bench docs docs-serve clean

venv: $(READY)

$(READY): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(READY)           ## releases, sample submissions, autograding, feedback, gradebook
	$(PY) -m grader demo

test: $(READY) lint      ## lint, types, then the whole test suite (runs notebooks through nbgrader)
	$(PY) -m pytest

lint: $(READY)           ## ruff (lint and format) and mypy, with the settings in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-fast: $(READY)      ## the tests that do not run nbgrader
	$(PY) -m pytest -m "not slow"

release: $(READY)        ## student releases of every assignment in course/release
	$(PY) -m grader release

# BLAS threads for the notebooks' kernels: one is fastest on a shared two-core machine
# (docs/benchmarks.md); `make lab BLAS_THREADS=4` on a machine of your own.
BLAS_THREADS ?= 1

lab: $(READY)            ## JupyterLab on the student releases
	test -d course/release || $(PY) -m grader release
	OPENBLAS_NUM_THREADS=$(BLAS_THREADS) OMP_NUM_THREADS=$(BLAS_THREADS) MKL_NUM_THREADS=$(BLAS_THREADS) \
		$(VENV)/bin/jupyter lab --notebook-dir=course/release $(LAB_FLAGS)

bench: $(READY)          ## measurements for docs/benchmarks.md
	$(PY) bench/run_all.py

docs: $(READY)           ## the documentation site, built strictly into build/site
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

docs-serve: $(READY)     ## the documentation site on http://127.0.0.1:8000, rebuilt on every edit
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --strict

clean:
	rm -rf course build .pytest_cache
