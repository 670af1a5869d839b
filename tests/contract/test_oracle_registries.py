"""Every vocabulary term has its oracle: effects, reports, givens and postconditions are looked up by term."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.diagnosis import KINDS, TAG
from contract_tests.invariants import INVARIANTS
from contract_tests.plugin.selection import covers, declared_in, parse
from contract_tests.postconditions import POSTCONDITIONS
from contract_tests.rule_oracles import EFFECTS, REPORTS
from contract_tests.rule_setup import GIVENS
from contract_tests.suite import spec_for
from mock_server.faults import REGISTRY
from promo_spec.locate import vocabulary_path
from promo_spec.success import postcondition_terms
from promo_spec.versions import known_versions

VOCABULARY: dict[str, Any] = yaml.safe_load(vocabulary_path().read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[2]
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


def test_every_fault_declares_oracles_the_suite_has_and_a_test_can_name() -> None:
    suite_tests = sorted((ROOT / "contract_tests").glob("test_*.py"))
    rules_of = {version: {rule.id for rule in spec_for(version).rules} for version in known_versions()}
    for name, fault in REGISTRY.items():
        rules = set().union(*(rules_of[v] for v in ([fault.api_version] if fault.api_version else rules_of)))
        assert fault.oracles, f"{name} declares no oracle"
        for tag in fault.oracles:
            family, oracle = parse(tag)
            known = {
                "rule": rules,
                "postcondition": set(POSTCONDITIONS),
                "invariant": set(INVARIANTS),
                "model": set(spec_for("72").operations),  # [model <operation>]: the model-based machine's
            }
            assert oracle in known.get(family, {""}), f"{name}: {tag} is no oracle of the suite"
            if family == "preflight":  # no test's: the preflight's verdict stands in for every test (plugin/verdict)
                assert tag.removeprefix(f"{TAG} ") in KINDS, f"{name}: {tag} is no kind the preflight diagnoses"
                continue
            assert any(covers(declared_in(module), tag) for module in suite_tests), f"{name}: no test names {tag}"


def test_every_invariant_the_suite_names_is_listed() -> None:
    named = set()
    for module in (ROOT / "contract_tests").glob("*.py"):
        named |= set(re.findall(r"\[invariant ([\w-]+)\]", module.read_text(encoding="utf-8")))
    assert named == set(INVARIANTS)


def test_an_oracle_tag_is_parsed_or_refused() -> None:
    assert parse("[rule attach.code-free]") == ("rule", "attach.code-free")
    assert parse("[frame] a refused request changed") == ("frame", "")
    assert parse("[model import]") == ("model", "import")
    assert covers(["[model]"], "[model get]")
    assert covers(["[postcondition]"], "[postcondition code_activated]")
    assert not covers(["[invariant timestamps]"], "[invariant codes-persist]")
    with pytest.raises(ValueError, match="is not an oracle tag"):
        parse("test_api")


def test_every_suite_test_declares_the_oracles_it_can_name() -> None:
    # a test without the marker is never selected by --oracle: make power would not run it for any fault
    for module in sorted((ROOT / "contract_tests").glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        marked_module = any(
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
            and "mark.oracles" in ast.unparse(node.value)
            for node in tree.body
        )
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marked = any("mark.oracles" in ast.unparse(d) for d in node.decorator_list)
                assert marked or marked_module, f"{module.name}::{node.name} declares no @pytest.mark.oracles"
