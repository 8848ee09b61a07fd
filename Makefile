# Two commands on a fresh machine: `make run` (set up + start lakerun with a demo) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8765
FAST_TESTS := not slow and not spark and not browser and not postgres and not cloud and not conformance
# The core-only lane: a venv with the core dependencies alone (no extras), as a Databricks task has.
CORE_VENV := .venv-core
CORE_STAMP := $(CORE_VENV)/.installed
CORE_TESTS = $(shell grep -rlE '^pytestmark = .*pytest\.mark\.core' tests)
TEST_TOOLS = $(shell $(PYTHON) -c "import tomllib; dev = tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['dev']; print(' '.join(r for r in dev if r.startswith(('pytest==', 'pytest-timeout=='))))")
PIP_QUIET := -q --disable-pip-version-check --no-compile

.PHONY: run test check core lint typecheck pytest setup tools clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[server,spark,cloud,excel,dev]'
	touch $(STAMP)

setup: $(STAMP)

## Set everything up and start the main job: local workspace + demo run (Ctrl+C to stop).
run: $(STAMP)
	$(BIN)/lakerun up --port $(PORT)

tools:
	./scripts/install-test-tools.sh

## Set everything up and run the whole suite: lint, types, tests.
test: $(STAMP) tools lint typecheck core pytest

## The fast lane: lint, types and the tests that start no external component (no tools to install).
check: $(STAMP) lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider -n auto -m "$(FAST_TESTS)" $(PYTEST_ARGS)

$(CORE_STAMP): pyproject.toml
	rm -rf $(CORE_VENV)
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/pip install $(PIP_QUIET) . $(TEST_TOOLS)
	touch $(CORE_STAMP)

## The workload side with the core dependencies only: entry points and the tests marked `core`.
core: $(CORE_STAMP)
	$(CORE_VENV)/bin/pip install $(PIP_QUIET) --no-deps --force-reinstall .
	$(CORE_VENV)/bin/python scripts/core_lane.py
	$(CORE_VENV)/bin/pytest -q -p no:cacheprovider -m core $(CORE_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(CORE_VENV) .lakerun build *.egg-info
