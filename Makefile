# The two set-up commands: `make demo` and `make test`. Everything installs into .venv from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck unit demo bench dist-smoke clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check plugin tests bench
	$(BIN)/ruff format --check plugin tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict plugin/openscale_creds

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/python tests/demo.py

bench: $(STAMP)
	$(BIN)/python bench/bench.py

dist-smoke: $(STAMP)
	rm -rf dist && $(BIN)/python -m pip wheel -q --no-deps -w dist .
	$(PYTHON) -m venv dist/venv && dist/venv/bin/pip install -q dist/*.whl
	dist/venv/bin/openscale-creds --version

clean:
	rm -rf $(VENV) dist build *.egg-info .pytest_cache .mypy_cache .ruff_cache
