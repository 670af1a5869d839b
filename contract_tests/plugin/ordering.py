"""Which tests run, and in which order: the rule cases of the target's API version, cheap and sharp tests first,
pool-drawing tests before the long ones, and the selection of the ``smoke`` and ``mutation`` profiles."""

from __future__ import annotations

import json

import pytest

from contract_tests.budgets import SPARSE
from contract_tests.plugin.keys import TARGET_KEY
from contract_tests.rule_setup import RuleCase, may_draw, rule_cases, smoke_cases
from contract_tests.suite import spec_for
from promo_spec import Spec

MODULE_ORDER = (
    "test_pool_drain",  # first: the drain needs a small pool, before other tests import codes into it
    "test_concurrency",
    "test_rare_states",
    "test_histories_are_linearizable",
    "test_rules",
    "test_scoping",
    "test_stances",
    "test_state_machine",
    "test_model_state_machine",
    "test_schemathesis",
)
LONG_FIRST = ("test_schemathesis", "test_state_machine")  # with workers, right after the drawing tests
SMOKE_LEAVES_OUT = (
    "contract_tests/test_scoping.py::",
    "contract_tests/test_stances.py::",
    # the model-based machine (test_model_state_machine) takes its place: the same steps and more, judged by the
    # model; the default and thorough profiles run both
    "contract_tests/test_state_machine.py::",
    # concurrent histories: one history with draws costs 18 requests, and smoke has about 12 left under 500
    "contract_tests/test_histories_are_linearizable.py::",
    # the pool drain costs about four requests per free code (some 80 on the mock's two programs of 8 codes) and the
    # rare states 8: smoke has under 10 left under 500 (on a real staging the drain skips: its programs are big)
    "contract_tests/test_pool_drain.py::",
    "contract_tests/test_rare_states.py::",
)
# make mutation's profile keeps the documented-steps machine: its steps on activated codes kill mutants the
# model-based machine's short runs miss (bench/mutation/RESULTS.md, mock_server/handlers.py:128); and the pool drain
# and the rare states: only they see a pool that loses free codes, a seed code's times, an expired code's answer
MUTATION_KEEPS = (
    "contract_tests/test_state_machine.py::",
    "contract_tests/test_pool_drain.py::",
    "contract_tests/test_rare_states.py::",
)
LEAVES_OUT = {
    "smoke": SMOKE_LEAVES_OUT,
    "mutation": tuple(p for p in SMOKE_LEAVES_OUT if p not in MUTATION_KEEPS),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """test_rules' cases: every rule of the target's API version (read from the target file at configure)."""
    if metafunc.function.__name__ == "test_rule":
        cases = rule_cases(spec_for(metafunc.config.stash[TARGET_KEY].api_version).rules)
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = spec_for(config.stash[TARGET_KEY].api_version)
    workers = hasattr(config, "workerinput")

    def rank(item: pytest.Item) -> tuple[int, int, int]:
        module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
        place = MODULE_ORDER.index(module) if module in MODULE_ORDER else 9
        # tests that may draw from a pool hold the workers' lock alone: run them first, one after another,
        # while no long test (state machine, Schemathesis) keeps the others waiting for it
        if draws(item):
            return (0, place, 0)
        if workers and module in LONG_FIRST:
            # with workers, the long tests come next (Schemathesis' biggest request schema first): none is left to
            # run alone at the end (they let a drawing test in between their examples: RunLock.pause)
            return (1, LONG_FIRST.index(module), -schema_size(spec, item.name))
        return (2, place, 0)

    items.sort(key=rank)  # cheap and sharp checks first: with -x a broken server fails fast
    profile = config.getoption("--profile")
    if profile in SPARSE:  # every rule, every mode and format pair once (rule_setup)
        cases = [case_of(item) for item in items]
        keep = {id(c) for c in smoke_cases([c for c in cases if c is not None])}
        dropped = [item for item, case in zip(items, cases, strict=True) if case is not None and id(case) not in keep]
        # scoping cases, stance probes, the documented-steps machine and the concurrent histories: the default and
        # thorough profiles run them (smoke stays under 500 requests)
        dropped += [item for item in items if item.nodeid.startswith(LEAVES_OUT[profile])]
        deselect(config, items, dropped)


def schema_size(spec: Spec, name: str) -> int:
    """How big the request schema of Schemathesis' test ``name`` ("test_api[POST /path]") is: a guess at how many
    requests Schemathesis sends for it (0 when the name names no operation of ``spec``)."""
    path = name.partition(" ")[2].rstrip("]")
    found = [op for op in spec.operations.values() if op.path == path]
    return len(json.dumps(found[0].request_schema, sort_keys=True)) if found else 0


def deselect(config: pytest.Config, items: list[pytest.Item], dropped: list[pytest.Item]) -> None:
    """Remove ``dropped`` from ``items`` and tell pytest (the summary counts them as deselected)."""
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = {id(item) for item in dropped}
        items[:] = [item for item in items if id(item) not in gone]


def case_of(item: pytest.Item) -> RuleCase | None:
    """The rule case a test_rule item runs (None for any other test)."""
    case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
    return case if isinstance(case, RuleCase) else None


def lock_mode(item: pytest.Item) -> str:
    """How a test holds the workers' lock: "exclusive" (it may draw anywhere in its run), "steps" (shared, exclusive
    only around its draws: ``pool_draws(steps=True)``), or "shared"."""
    marker = item.get_closest_marker("pool_draws")
    if marker is not None and marker.kwargs.get("steps"):
        return "steps"
    return "exclusive" if draws(item) else "shared"


def draws(item: pytest.Item) -> bool:
    """Whether a test may send attach without a code (a pool draw, which can take any free code)."""
    if item.get_closest_marker("pool_draws") is not None:
        return True
    case = case_of(item)
    return case is not None and may_draw(case)  # Schemathesis' attach always names a code (api_checks.pin)
