# One Makefile for people and CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TARGET ?=
PROFILE ?= default
WORKERS ?=
BENCH_REPEAT ?= 3

.PHONY: setup contract power seeds test lint typecheck unit slow docs docs-serve chromium bench-docs gen check-generated typecheck-generated doc-examples bench bench-mock bench-generator bench-contract bench-clients bench-tests compare-diff-tools mutation gate clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job: the contract suite, against the embedded mock unless TARGET=FILE names a target file;
## WORKERS=N runs it on N pytest-xdist workers.
contract: $(STAMP)
	$(PY) -m pytest contract_tests $(if $(TARGET),--target $(TARGET)) --profile $(PROFILE) $(if $(WORKERS),-n $(WORKERS)) -o testpaths=contract_tests --junitxml=reports/contract-junit.xml

## The suite's power: the faithful mock of every API version passes the whole suite, and every faulty variant of the
## mock is caught by an oracle its @fault declaration names (each variant runs only the tests that can name one).
power: $(STAMP)
	$(PY) -m contract_tests.power

## No false alarms, whatever the seed: the suite against the faithful mock and the second server (every
## configuration), ten fixed seeds each (SEED_COUNT=N: the first N), two runs at a time; a failure prints the seed
## that reproduces it. make test runs the first TEST_SEED_COUNT (5: 25 whole-suite runs, about half of make test's
## CPU time at ten); make seeds alone runs all ten.
SEED_COUNT ?= 10
TEST_SEED_COUNT ?= 5
seeds: $(STAMP)
	$(PY) -m tests.contract.many_seeds --seeds $(SEED_COUNT) --workers 2

## ruff, and ARCHITECTURE.md's layer rules as import-linter contracts ([tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(PY) -m mypy

## The developer's loop: the project's tests but the slow ones, the docs site's browser tests among them (Debian's
## chromium, axe-core from npm), on two pytest-xdist workers (-ra, --strict-markers: pyproject).
PYTEST_WORKERS ?= 2
unit: $(STAMP) chromium node_modules/.package-lock.json
	$(PY) -m pytest tests -m "not slow" -n $(PYTEST_WORKERS) --durations=15

## The slow tests (marked slow: whole suite runs, fresh environments), which make test runs besides make unit.
slow: $(STAMP) chromium node_modules/.package-lock.json
	$(PY) -m pytest tests -m slow -n $(PYTEST_WORKERS) --durations=15

## Every test: lint, types, generated-file drift, unit and slow tests, the contract suite, many seeds, the power table;
## two parts at a time (type checks, process start-ups and pip leave a core idle), each part's output printed whole
## when it ends, the longest first. A failing part fails make test.
TEST_PARTS := seeds slow unit power typecheck typecheck-generated check-generated lint contract
test: $(STAMP) chromium node_modules/.package-lock.json
	$(MAKE) --no-print-directory -j2 --output-sync=target SEED_COUNT=$(TEST_SEED_COUNT) $(TEST_PARTS)

## The documentation site: site/ (a build output, not committed) from spec/, generated_clients/ and reports/;
## more report directories with REPORTS="DIR ...". No server needed to build, nothing from a CDN to view.
REPORTS ?=
docs: $(STAMP)
	$(VENV)/bin/promo-docs build $(if $(REPORTS),--reports $(REPORTS))

## Serve site/ on http://127.0.0.1:$(DOCS_PORT)/ (Ctrl-C stops).
DOCS_PORT ?= 8000
docs-serve: docs
	$(VENV)/bin/promo-docs serve --port $(DOCS_PORT)

## Debian's chromium for the browser tests (Playwright drives it; its own browser download does not work here).
chromium:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

gen: $(STAMP)
	$(VENV)/bin/promo-gen generate

## CI gate: breaking spec changes since BASE (a git revision) must be acknowledged in their change file;
## FAIL_ON=callers (or servers) blocks only on the changes that break that audience.
BASE ?= origin/main
FAIL_ON ?= breaking
gate: $(STAMP)
	$(VENV)/bin/promo-gen gate --base $(BASE) --fail-on $(FAIL_ON)

check-generated: $(STAMP)
	$(VENV)/bin/promo-gen check

## Every python/sh/ts block of the generated docs, each against a fresh mock (also run by `make unit`).
doc-examples: $(STAMP) node_modules/.package-lock.json
	for tree in $(GENERATED_VERSIONS); do \
	  $(PY) -m tools.doc_examples --docs $$tree/docs --client-path $$tree/python || exit 1; \
	done

## The generated clients type-check: mypy --strict + ruff on Python, tsc --strict on TypeScript.
## Every API version's tree: generated_clients/ (the oldest version) and generated_clients/vN/.
GENERATED_VERSIONS := generated_clients $(wildcard generated_clients/v[0-9]*)
typecheck-generated: $(STAMP) node_modules/.package-lock.json
	for tree in $(GENERATED_VERSIONS); do \
	  (cd $$tree/python && $(CURDIR)/$(PY) -m mypy -p altcraft_promo_client && $(CURDIR)/$(VENV)/bin/ruff check .) || exit 1; \
	  npx --no-install tsc --noEmit --strict $$tree/typescript/client.ts || exit 1; \
	done

## TypeScript and friends, exactly as package-lock.json pins them.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

bench: $(STAMP) bench-mock bench-generator bench-contract bench-docs bench-clients bench-tests

## Test time: make unit and make test beside one default make contract, in seconds, ratios and CPU seconds.
bench-tests: $(STAMP) chromium node_modules/.package-lock.json
	$(PY) bench/tests/run.py

## Docs site: build time for every version and rule, against the spec load plus Markdown rendering alone.
bench-docs: $(STAMP)
	$(PY) bench/docs/run.py --repeat 5

## Mock server: req/s side by side with Prism (wrk), attach latency at 1k vs 1M codes.
bench-mock: $(STAMP)
	$(PY) bench/mock/throughput.py
	$(PY) bench/mock/attach_scale.py

## Contract suite: wall time at 20,000 codes per program and at 20 ms RTT (delay proxy), without and with -n 4.
bench-contract: $(STAMP)
	$(PY) bench/contract/run.py --repeat $(BENCH_REPEAT)

## Generator: generation time vs openapi-python-client 0.29; generated-client call overhead vs bare requests.
bench-generator: $(STAMP)
	$(PY) bench/generator/run.py

## TypeScript client: call overhead vs bare fetch (JSON, XML); both clients reading a 100,000-code export_all, JSON vs XML.
bench-clients: $(STAMP) node_modules/.package-lock.json
	$(PY) bench/clients/run.py

## The suite's mutation score: Cosmic Ray mutates the faithful mock (handlers, store, matching, wire, auth), a fixed-seed
## mutation profile of the suite runs against each mutant, two workers in two tree copies; writes bench/mutation/RESULTS.md
## (survivors classified in bench/mutation/verdicts.yaml). The session database: reports/mutation/session.sqlite.
mutation: $(STAMP)
	$(PY) bench/mutation/run.py --workers 2

## promo-gen diff vs Optic's CLI on the diff corpus (Optic installed in a scratch directory, not in package.json).
OPTIC_DIR ?= $(or $(TMPDIR),/tmp)/promo-optic-1.0.9
compare-diff-tools: $(STAMP)
	test -x $(OPTIC_DIR)/node_modules/.bin/optic || (mkdir -p $(OPTIC_DIR) && cd $(OPTIC_DIR) \
	  && echo '{"overrides": {"ajv": "8.20.0"}}' > package.json \
	  && npm install --no-audit --no-fund @useoptic/optic@1.0.9)
	$(PY) bench/diff/compare_tools.py --optic $(OPTIC_DIR)/node_modules/.bin/optic

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache reports site
