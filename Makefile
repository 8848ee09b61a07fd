# Two commands on a fresh machine: `make run` (set up + start lakerun with a demo) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8765
FAST_TESTS := not slow and not spark and not browser and not postgres and not cloud and not conformance

.PHONY: run test check lint typecheck pytest setup tools clean

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
test: $(STAMP) tools lint typecheck pytest

## The fast lane: lint, types and the tests that start no external component (no tools to install).
check: $(STAMP) lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider -m "$(FAST_TESTS)" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .lakerun build *.egg-info
