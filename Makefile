# Two commands on a fresh machine: `make run` (set up + start lakerun with a demo) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8765

.PHONY: run test lint typecheck pytest setup tools clean

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

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .lakerun build *.egg-info
