"""Every vocabulary term has its oracle: effects, reports, givens and postconditions are looked up by term."""

from __future__ import annotations

from typing import Any

import yaml

from contract_tests.postconditions import POSTCONDITIONS
from contract_tests.power import EXPECTED, NEW_ORACLE_FAULTS, expected_names
from contract_tests.rule_oracles import EFFECTS, REPORTS
from contract_tests.rule_setup import GIVENS
from mock_server.faults import FAULTS
from promo_spec.locate import vocabulary_path
from promo_spec.success import postcondition_terms

VOCABULARY: dict[str, Any] = yaml.safe_load(vocabulary_path().read_text(encoding="utf-8"))
EXPECT = VOCABULARY["properties"]["expect"]["properties"]


def test_every_effect_term_has_an_oracle() -> None:
    assert set(EXPECT["effects"]["items"]["enum"]) == set(EFFECTS)


def test_every_reports_term_has_an_oracle() -> None:
    assert set(EXPECT["reports"]["enum"]) == set(REPORTS)


def test_every_postcondition_term_has_an_oracle() -> None:
    assert set(postcondition_terms()) == set(POSTCONDITIONS)


def test_every_given_term_is_set_up() -> None:
    givens = VOCABULARY["properties"]["given"]["properties"]
    assert set(givens) == set(GIVENS)
    for key, schema in givens.items():
        assert set(schema["enum"]) == set(GIVENS[key]), f"given.{key}"


def test_every_fault_declares_the_oracle_that_must_catch_it() -> None:
    assert set(EXPECTED) <= set(FAULTS)
    assert all(expected_names(name) for name in FAULTS)
    for name in NEW_ORACLE_FAULTS:  # the faults of the new oracles: only the oracle itself counts
        assert expected_names(name) == EXPECTED[name]
        assert all(n.startswith(("[postcondition", "[frame]", "[invariant", "[wire-label]")) for n in EXPECTED[name])
