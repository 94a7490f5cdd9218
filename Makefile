# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := results/quickstart

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# dev + dask + parquet: the test suite runs the Dask LocalCluster and Parquet tests for real.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,parquet]'
	touch $(STAMP)

# The quick-start sweep (60 runs on all cores), then its tables and figures.
run: $(STAMP)
	$(BIN)/gclab sweep configs/quickstart.toml --out $(OUT)
	$(BIN)/gclab report $(OUT) --metrics gc_cycles,gc_cpu_fraction,pause_max_ns,heap_peak_bytes,heap_overhead
	$(BIN)/gclab plot $(OUT)

test: $(STAMP)
	$(BIN)/ruff check framework tests experiments
	$(BIN)/ruff format --check framework tests experiments
	$(BIN)/python -m pytest -q -m "not slow" --durations=15

bench: $(STAMP)
	$(BIN)/gclab bench

lint: $(STAMP)
	$(BIN)/ruff check framework tests experiments
	$(BIN)/ruff format --check framework tests experiments

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
