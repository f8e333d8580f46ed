# Two entry points: `make run` (set up, then the plan factory's report and the baseline
# run) and `make test` (set up, then lint and the test suite). Both create and use the
# virtual environment $(VENV) themselves; `make test` also installs what the dashboard,
# the notebooks and their tests need (`make run` does not need them). `make mutants` runs
# the mutation testing of the economics and records its score in docs/testing.md (slow:
# see that file).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup run test mutants
TEST_EXTRAS = dev,distributed,dashboard,notebooks,browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,distributed,analysis]"
	touch $@

setup: $(VENV)/.installed

$(VENV)/.test-extras: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $@

run: setup
	$(VENV)/bin/councils plan
	$(VENV)/bin/councils run scenarios/baseline.toml

test: setup $(VENV)/.test-extras
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

# Mutation testing (docs/testing.md): mutmut, one part at a time ([tool.mutmut.parts] in
# pyproject.toml: the pure rules with their tests, the model with its tests), each part in its
# own copy under mutants/<part>, at the lowest priority, with single-threaded BLAS. The
# `mutation` extra is installed into the venv once (the only step that needs the network).
# MUTANT_PARTS=model runs one part again; the others keep their last result. mutants/ is removed
# afterwards (ruff would lint it) unless KEEP_MUTANTS=1 (cd mutants/<part>; mutmut browse).
MUTANT_CHILDREN ?= 2
MUTANT_PARTS ?= rules welfare agents model vote conditions macro regimes phases
KEEP_MUTANTS ?= 0
MUTATION_DEPS = $(PY) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['mutation'])"
MUTMUT := $(abspath $(VENV))/bin/mutmut

$(VENV)/.mutation: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet $$($(MUTATION_DEPS))
	touch $@

mutants: $(VENV)/.mutation
	rm -rf mutants
	@status=0; \
	for part in $(MUTANT_PARTS); do \
	  $(PY) tests/mutants/part.py $$part mutants/$$part || exit $$?; \
	  log=$(VENV)/mutmut-$$part.log; \
	  echo "mutants: part $$part (log: $$log)"; \
	  start=$$(date +%s); \
	  (cd mutants/$$part && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 19 \
	    $(MUTMUT) run --max-children $(MUTANT_CHILDREN)) > $$log 2>&1; run=$$?; \
	  end=$$(date +%s); \
	  tr '\r' '\n' < $$log | tail -n 2; \
	  if [ $$run != 0 ]; then echo "mutmut run failed ($$run): see $$log"; exit $$run; fi; \
	  $(PY) tests/mutants/report.py --part $$part --dir mutants/$$part \
	    --command "make mutants MUTANT_PARTS=$$part MUTANT_CHILDREN=$(MUTANT_CHILDREN)" \
	    --seconds $$((end - start)) --children $(MUTANT_CHILDREN) || status=1; \
	done; \
	if [ "$(KEEP_MUTANTS)" != 1 ]; then rm -rf mutants; fi; \
	exit $$status
