"""The Russian attach page's program setting (creates_codes): the rules and the frame follow the target's
declaration, the mock's seed sets it per program."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from contract_tests.frame import frame_problems
from contract_tests.observed import Observed, subject_of
from contract_tests.rule_setup import RuleCase, needs, rule_cases
from contract_tests.target import Target, parse_target
from contract_tests.world import Entry
from mock_server.seed import default_seed_path, load_seed
from promo_spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
MOCK = yaml.safe_load((ROOT / "contract_tests" / "targets" / "mock.yaml").read_text(encoding="utf-8"))
RULES = {r.id: r for r in load_spec().rules}
ATTACHED = Entry(attached="2026-01-01T00:00:00Z")


def _target(**settings: bool) -> Target:
    data = copy.deepcopy(MOCK)
    data["program_settings"] = {kind: {"creates_codes": value} for kind, value in settings.items()}
    return parse_target(data, where="t.yaml", environ={"ALTCRAFT_TOKEN": "t"})


def _case(rule_id: str) -> RuleCase:
    return next(c for c in rule_cases((RULES[rule_id],)))


def _reason(rule_id: str, target: Target) -> str:
    return needs(_case(rule_id), SimpleNamespace(target=target))  # type: ignore[arg-type]


def test_the_default_runs_the_english_rules_and_skips_the_russian_refusals() -> None:
    target = _target()
    assert _reason("attach.code-unknown", target) == ""
    assert _reason("attach.no-code-pool-empty", target) == ""
    assert "declares no program of this rule's kind that does not create codes" in _reason(
        "attach.code-unknown-creation-disallowed", target
    )
    assert _reason("attach.no-code-pool-empty-creation-disallowed", target) != ""


def test_each_rule_runs_where_a_program_is_declared_its_way() -> None:
    mixed = _target(universal=False, exhausted=False)
    for rule in ("attach.code-unknown", "attach.code-unknown-creation-disallowed"):
        assert _reason(rule, mixed) == ""  # personal creates codes, universal does not
    assert _reason("attach.no-code-pool-empty-creation-disallowed", mixed) == ""
    assert "as not creating codes" in _reason("attach.no-code-pool-empty", mixed)
    none = _target(personal=False, universal=False)
    assert "declares every program of this rule's kind as not creating codes" in _reason("attach.code-unknown", none)
    assert _reason("attach.profile-unknown", none) == ""  # no creation given: any program


def _looks(code: str, *, created: bool, listing: bool) -> tuple[Observed, Observed]:
    before = Observed(exported={12: {}} if listing else {}, gets={(12, code): None})
    after_entry = ATTACHED if created else None
    after = Observed(
        exported={12: {code: after_entry}} if listing and after_entry else ({12: {}} if listing else {}),
        gets={(12, code): {"is_attached": True, "profile_id": "p"} if created else None},
    )
    return before, after


@pytest.mark.parametrize("listing", [False, True])
def test_the_frame_flags_a_code_created_where_the_target_declares_none(listing: bool) -> None:
    body: dict[str, Any] = {"loyalty_id": 12, "code": "NEW", "db_id": 1, "matching": "email", "email": "a@b.c"}
    before, after = _looks("NEW", created=True, listing=listing)
    declared = subject_of(_target(universal=False), "attach", body)
    assert declared is not None and not declared.creates_codes
    problems = frame_problems(declared, before, after, success=True)
    said = "attach created 'NEW' in program 12, which the target file declares as not creating"
    assert any(said in p for p in problems)
    default = subject_of(_target(), "attach", body)
    assert default is not None and frame_problems(default, before, after, success=True) == []


def test_a_draw_may_create_a_code_only_where_the_program_creates_codes() -> None:
    body: dict[str, Any] = {"loyalty_id": 12, "db_id": 1, "matching": "email", "email": "a@b.c"}
    before = Observed(exported={12: {"OLD": ATTACHED}})
    after = Observed(exported={12: {"OLD": ATTACHED, "IND-NEW-1": ATTACHED}})
    creating = subject_of(_target(), "attach", body)
    assert creating is not None and frame_problems(creating, before, after, success=True) == []
    not_creating = subject_of(_target(universal=False), "attach", body)
    assert not_creating is not None
    assert any("changed what it does not name" in p for p in frame_problems(not_creating, before, after, success=True))


def test_the_mock_seed_sets_creates_codes_per_program() -> None:
    assert all(p.creates_codes for p in load_seed(default_seed_path()).programs)
    other = load_seed(ROOT / "mock_server" / "creation_disallowed_seed.yaml")
    assert {p.id: p.creates_codes for p in other.programs} == {11: True, 12: False, 13: False}
    default = load_seed(default_seed_path())
    assert [(p.id, p.kind, p.codes) for p in other.programs] == [(p.id, p.kind, p.codes) for p in default.programs]
