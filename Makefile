# Two entry points: `make run` (set up, then the plan factory's report and the baseline
# run) and `make test` (set up, then lint and the test suite). Both create and use the
# virtual environment $(VENV) themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup run test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,distributed]"
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/councils plan
	$(VENV)/bin/councils run scenarios/baseline.toml

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest
