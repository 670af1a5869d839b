"""A rule that does not apply to the target as its file declares it (program settings) is no gap in the evidence:
the report marks it ``not_applicable`` and the matrix still answers ``yes``; a rule not run for any other reason
keeps the answer ``unknown``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract_tests.rule_log import RuleLog
from contract_tests.verdicts import NOT_APPLICABLE, CaseOutcome, rule_verdicts
from docsite.matrix import UNKNOWN, YES, Matrix
from docsite.runs import read_report
from promo_spec import load_spec

DISALLOWED = "attach.code-unknown-creation-disallowed"
FREE = "attach.code-free"
SKIP = f"{DISALLOWED}: {NOT_APPLICABLE}: the target file declares no program of this rule's kind that does not create"


def _rules(outcomes: dict[str, CaseOutcome]) -> dict[str, Any]:
    rules = [r for r in load_spec().rules if r.id in (DISALLOWED, FREE)]
    return rule_verdicts(rules, outcomes, RuleLog(), [], lambda rule: f"reproduce {rule}")


def _answer(tmp_path: Path, rules: dict[str, Any]) -> Any:
    path = tmp_path / "contract-report.json"
    run = {"id": "r1", "date": "2000-01-01T00:00:00Z", "target": "t", "api_version": "72"}
    path.write_text(json.dumps({"run": run, "rules": rules, "outcome": {"passed": 2}}), encoding="utf-8")
    report = read_report(path)
    assert report is not None
    matrix = Matrix(("72",), ("t",), tuple(rules), {("t", "72"): report}, {r: ("72",) for r in rules})
    return matrix.answer("t", "72", (FREE, DISALLOWED))


def test_a_rule_skipped_for_the_declared_program_settings_is_not_applicable(tmp_path: Path) -> None:
    rules = _rules(
        {
            f"{FREE}[email-json-json]": CaseOutcome("passed"),
            f"{DISALLOWED}[email-json-json]": CaseOutcome("skipped", SKIP),
            f"{DISALLOWED}[phone-xml-json]": CaseOutcome("skipped", SKIP),
        }
    )
    assert rules[DISALLOWED]["verdict"] == "not run" and rules[DISALLOWED]["not_applicable"] is True
    assert rules[FREE]["not_applicable"] is False
    answer = _answer(tmp_path, rules)
    assert answer.answer == YES and answer.not_applicable == (DISALLOWED,) and answer.not_run == ()
    assert answer.as_json()["asserted_rules_not_applicable"] == [DISALLOWED]


def test_a_rule_not_run_for_another_reason_leaves_the_answer_unknown(tmp_path: Path) -> None:
    rules = _rules(
        {
            f"{FREE}[email-json-json]": CaseOutcome("passed"),
            f"{DISALLOWED}[email-json-json]": CaseOutcome("skipped", SKIP),
            f"{DISALLOWED}[phone-xml-json]": CaseOutcome("error", "setup error: the frame check failed"),
        }
    )
    assert rules[DISALLOWED]["not_applicable"] is False
    answer = _answer(tmp_path, rules)
    assert answer.answer == UNKNOWN and answer.not_run == (DISALLOWED,)
