# gqlmon developer commands. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install tools demo test test-fast lint format bench clean

install: $(STAMP)

## Node tools the tests run for real (GraphQL Inspector, tsc, MCP Inspector CLI), pinned in tests/npm.
NPM_STAMP := tests/npm/node_modules/.installed-stamp
tools: $(NPM_STAMP)

$(NPM_STAMP): tests/npm/package.json tests/npm/package-lock.json
	cd tests/npm && npm ci --silent --no-audit --no-fund
	@touch $(NPM_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Start the bundled demo API, check it at schema v1 (baseline) and v2 (drift), print where the reports are.
demo: install
	$(BIN)/python -m monitor.demo.walkthrough

## The whole suite (PostgreSQL tests need GQLMON_TEST_POSTGRES_URL; .ci/run starts a server).
test: install tools
	$(BIN)/python -m pytest -q

test-fast: install tools
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check monitor tests bench
	$(BIN)/ruff format --check monitor tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format monitor tests bench
	$(BIN)/ruff check --fix monitor tests bench

## Benchmarks: ratios against baselines measured in the same run.
bench: install tools
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .gqlmon .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
