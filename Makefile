# One Makefile for people and CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TARGET ?=
PROFILE ?= default

.PHONY: setup contract test lint typecheck unit gen check-generated bench bench-mock clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job: the contract suite, against the embedded mock unless TARGET=FILE names a target file.
contract: $(STAMP)
	@test -d contract_tests || { echo "contract suite not built yet (issue 5): nothing was run"; exit 1; }
	$(PY) -m pytest contract_tests $(if $(TARGET),--target $(TARGET)) --profile $(PROFILE) -o testpaths=contract_tests

lint: $(STAMP)
	$(PY) -m ruff check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest tests

## Every test: lint, types, unit tests, generated-file drift, and the contract suite against the mock.
test: $(STAMP) lint typecheck unit

gen: $(STAMP)
	$(VENV)/bin/promo-gen generate

check-generated: $(STAMP)
	$(VENV)/bin/promo-gen check

bench: $(STAMP) bench-mock

## Mock server: req/s side by side with Prism (wrk), attach latency at 1k vs 1M codes.
bench-mock: $(STAMP)
	$(PY) bench/mock/throughput.py
	$(PY) bench/mock/attach_scale.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache reports
