# tradewind: `make demo` and `make test` set everything up themselves in .venv.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

VENV_APP := .venv-webull-app
STAMP_APP := $(VENV_APP)/.installed

.PHONY: install demo test lint format bench soak figures speed-figures ml-report screenshots clean venv-webull-app test-webull-app

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,feeds,cluster,tune,alpaca,webull,dashboard]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install tradewind with its dev tools.

# The unofficial `webull` package (broker.name: webull_app) has the same top-level module as the
# official SDK in .venv, so it gets its own environment.
$(STAMP_APP): pyproject.toml
	@test -x $(VENV_APP)/bin/python || $(PYTHON) -m venv $(VENV_APP)
	$(VENV_APP)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_APP)/bin/python -m pip install --quiet -e ".[webull-app]" "pytest>=8,<10" "pyyaml>=6,<7"
	@touch $(STAMP_APP)

venv-webull-app: $(STAMP_APP) ## Create .venv-webull-app (tradewind with the unofficial webull package).

test-webull-app: $(STAMP_APP) ## The webull_app adapter with its real package against a loopback fake.
	$(VENV_APP)/bin/pytest -q -p no:cacheprovider tests_webull_app

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

test: lint $(STAMP_APP) ## Lint, type-check and run the test suite (and webull_app's, in its own venv).
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --durations=15
	$(VENV_APP)/bin/pytest -q -p no:cacheprovider tests_webull_app

bench: $(STAMP) ## Benchmarks (prints figures; bench_engine.py and bench_sweep.py rewrite docs/bench_*.json and their README blocks; not part of make test).
	$(BIN)/python -m pip install --quiet -e ".[dev,feeds,cluster,tune,dashboard,bench]"
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

figures: $(STAMP) ## Recompute every result the README quotes (docs/figures.json) and rewrite its figure blocks (several minutes).
	nice -n 15 $(BIN)/python -m tradewind.cli.figures

speed-figures: $(STAMP) ## Measure start-up, the demo backtest and a replay's memory (bench/bench_startup.py) and rewrite the README's Speed block.
	nice -n 15 $(BIN)/python bench/bench_startup.py --write docs/figures.json
	$(BIN)/python -m tradewind.cli.figures --render-only

screenshots: $(STAMP) ## Regenerate the README's dashboard pictures (docs/screenshots/*.png) from a demo run in a temporary folder.
	$(BIN)/python scripts/dashboard_screenshots.py

soak: $(STAMP) ## Crash-recovery soak: hundreds of SIGKILLs of a simulated session (prints counts).
	$(BIN)/python bench/soak_crash.py $(SOAK_ARGS)

ml-report: $(STAMP) ## Backtests 2000-2022 with and without the ML ensemble (minutes); updates README.
	nice -n 15 $(BIN)/python scripts/ml_report.py

clean:
	rm -rf $(VENV) $(VENV_APP) .mypy_cache .ruff_cache .pytest_cache .hypothesis
