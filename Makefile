# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gclab run configs/quickstart.toml --out results/quickstart

test: $(STAMP)
	$(BIN)/ruff check framework tests experiments
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/gclab bench

lint: $(STAMP)
	$(BIN)/ruff check framework tests experiments

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
