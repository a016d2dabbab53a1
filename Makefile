# tradewind: `make demo` and `make test` set everything up themselves in .venv.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint format bench soak screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,feeds,cluster,tune,dashboard]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install tradewind with its dev tools.

demo: $(STAMP) ## Run the main job on the bundled (historical) real data.
	$(BIN)/tradewind demo

lint: $(STAMP) ## ruff + mypy (strict) + the import contracts (.importlinter).
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint ## Lint, type-check and run the test suite.
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

bench: $(STAMP) ## Benchmarks (prints figures; not part of make test).
	$(BIN)/python -m pip install --quiet -e ".[dev,feeds,cluster,tune,dashboard,bench]"
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

screenshots: $(STAMP) ## Regenerate the README's dashboard pictures (docs/screenshots/*.png) from a demo run in a temporary folder.
	$(BIN)/python scripts/dashboard_screenshots.py

soak: $(STAMP) ## Crash-recovery soak: hundreds of SIGKILLs of a simulated session (prints counts).
	$(BIN)/python bench/soak_crash.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
