"""The suite's power, a representative part of it: one fault per oracle family is caught by its declared oracle.

``make power`` (part of ``make test``) runs every registered fault and the faithful mock of every API version;
this is the developer loop's quick look at the same machinery.
"""

from __future__ import annotations

from contract_tests.plugin.selection import FAMILIES, parse
from contract_tests.power import Result, expected_names, run_all, table
from mock_server.faults import REGISTRY

# one fault per oracle family (postcondition, wire-label, frame, invariant, rule on the v74 mock, preflight, model,
# linearizability)
REPRESENTATIVE = (
    "import-noop",
    "json-labelled-text",
    "refused-activate-applied",
    "clock-backwards",
    "auth-header-any-token",
    "attach-http-500",
    "import-repeat-inserted",
    "pool-draw-race",
)


def test_a_fault_of_each_oracle_family_is_caught_by_its_declared_oracle() -> None:
    assert {parse(tag)[0] for name in REPRESENTATIVE for tag in REGISTRY[name].oracles} == set(FAMILIES)
    results = run_all(faults=list(REPRESENTATIVE), faithful=False)
    shown = table(results)
    assert [r.fault for r in results] == list(REPRESENTATIVE)
    assert all(r.ok for r in results), f"variants the suite got wrong:\n{shown}"
    assert all(r.named in expected_names(r.fault) for r in results), shown


def test_only_contract_failures_naming_a_declared_oracle_count() -> None:
    oracle = expected_names("import-noop")[0]
    assert Result("import-noop", 1, "test_rule[x]", 1.0, named=oracle).ok
    assert not Result("import-noop", 1, "test_rule[x]", 1.0, named="").ok  # failures, but for other reasons
    assert not Result("import-noop", 6, "test_rule[x]", 1.0, named=oracle).ok  # a tool error is no detection
    assert not Result("import-noop", 4, "", 1.0, named=oracle).ok  # the run did not start
    assert Result("", 0, "", 1.0).ok and not Result("", 1, "test_rule[x]", 1.0).ok  # the faithful mock must pass
