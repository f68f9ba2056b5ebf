# The two commands a user needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint generate bench foreign matrix clean

$(STAMP): pyproject.toml sandbox/pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./sandbox -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP)

## Export several related entities from an embedded sandbox to every format.
demo: $(STAMP)
	$(BIN)/python -m py_autotask.demo

## The whole test suite (starts nothing by hand: fixtures start sandboxes; redis is expected on :6379).
test: $(STAMP)
	$(BIN)/python tools/generate.py --check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## Style, types and layering: ruff, mypy (zero errors on src/ and sandbox/src/), import contracts.
lint: $(STAMP)
	$(BIN)/ruff check src tests tools benchmarks examples sandbox
	$(BIN)/mypy
	$(BIN)/lint-imports

## Regenerate the entity catalogue and the sandbox route table from spec/.
generate: $(STAMP)
	$(BIN)/python tools/generate.py

## Third-party Autotask clients, unchanged, against the sandbox (installs PyPI/npm packages into /tmp).
foreign: $(STAMP)
	bash tests/foreign/run_all.sh

## The test suite on every Python 3.10-3.13 found under pyenv (venvs in /tmp).
matrix:
	bash tools/test_matrix.sh

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache
