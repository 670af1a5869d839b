# One Makefile for people and CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TARGET ?=
PROFILE ?= default

.PHONY: setup contract power test lint typecheck unit gen check-generated bench bench-mock clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job: the contract suite, against the embedded mock unless TARGET=FILE names a target file.
contract: $(STAMP)
	$(PY) -m pytest contract_tests $(if $(TARGET),--target $(TARGET)) --profile $(PROFILE) -o testpaths=contract_tests --junitxml=reports/contract-junit.xml

## The suite's power: run it against every faulty variant of the mock; prints fault -> detecting test.
power: $(STAMP)
	$(PY) -m contract_tests.power

lint: $(STAMP)
	$(PY) -m ruff check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest tests

## Every test: lint, types, unit tests, generated-file drift, and the contract suite against the mock.
test: $(STAMP) lint typecheck unit contract

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
