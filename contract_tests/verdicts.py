"""Each rule's verdict of one run: pass / fail / recorded / not run, with its evidence and silent-area answers.

Plain data for ``contract-report.json`` (keys ``run`` and ``rules``), read by the documentation site
(``docsite``) and summarised in the history (``contract_tests.history``). No pytest here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from contract_tests.rule_log import RuleLog
from promo_spec.rules import Rule

PASS, FAIL, RECORDED, NOT_RUN = "pass", "fail", "recorded", "not run"
# the reason a case skips with when its rule does not apply to the server the target file declares (a program
# setting no program has): a rule all of whose cases skip so is "not run" and ``not_applicable``, no gap in evidence
NOT_APPLICABLE = "not applicable to this target"
EVIDENCE_PER_RULE = 3  # failing cases shown at most; a passing rule shows one JSON and one XML request
TEXTS_PER_RULE = 5  # distinct error texts and state changes kept per rule
# how a problem names its oracle (the same tags as contract_tests.report.ORACLE_TAG)
_ORACLE = re.compile(
    r"\[(?:rule [\w.-]+|postcondition \w+|frame|invariant [\w-]+|wire-label|model [\w]+|linearizability)\]"
)


@dataclass(frozen=True)
class CaseOutcome:
    """How one rule case (``attach.code-free[email-json-xml]``) ended, and its first problem when it failed."""

    outcome: str  # passed | failed | skipped | error (setup or teardown: not the case's own verdict)
    problem: str = ""


def problem_line(text: str) -> str:
    """The line of a failure that names its oracle or rule, else its first line (clipped)."""
    lines = text.splitlines()
    found = next((line for line in lines if _ORACLE.search(line)), lines[0] if lines else "")
    return found.strip()[:300]


def case_formats(case_id: str) -> tuple[str, str]:
    """The request and response formats of a case id (its last two parameters)."""
    params = case_id.rsplit("[", 1)[-1].rstrip("]").split("-")
    return (params[-2], params[-1]) if len(params) >= 2 else ("", "")


def reproduce_command(base: Sequence[str], rule_id: str) -> str:
    """The command that runs every case of ``rule_id`` again with the run's seed (token from the environment)."""
    return shlex.join([*base, "-k", f"test_rule and {rule_id}["])


def rule_verdicts(
    rules: Sequence[Rule],
    outcomes: dict[str, CaseOutcome],
    log: RuleLog,
    observations: Sequence[Any],
    reproduce: Callable[[str], str],
) -> dict[str, dict[str, Any]]:
    """Every rule id of the run's API version (spec order) with its verdict, evidence and answers."""
    found: dict[str, dict[str, Any]] = {}
    by_id: dict[str, list[Rule]] = {}
    for rule in rules:
        by_id.setdefault(rule.id, []).append(rule)
    texts: dict[str, dict[str, dict[str, None]]] = {}
    for item in observations:
        kept = texts.setdefault(item.rule, {"error_text": {}, "changes": {}})
        for what in ("error_text", "changes"):
            if len(kept[what]) < TEXTS_PER_RULE:
                kept[what][str(getattr(item, what))] = None
    for rule_id, same in by_id.items():
        rule = same[0]
        cases = {case: out for case, out in outcomes.items() if case.startswith(f"{rule_id}[")}
        failed = sorted(case for case, out in cases.items() if out.outcome == "failed")
        passed = sorted(case for case, out in cases.items() if out.outcome == "passed")
        skipped = sorted(case for case, out in cases.items() if out.outcome in ("skipped", "error"))
        verdict = FAIL if failed else (PASS if rule.asserted else RECORDED) if passed else NOT_RUN
        inapplicable = verdict == NOT_RUN and bool(skipped) and all(NOT_APPLICABLE in cases[c].problem for c in skipped)
        if failed:
            shown = failed[:EVIDENCE_PER_RULE]
        else:
            firsts = ([c for c in passed if case_formats(c)[0] == fmt][:1] for fmt in ("json", "xml"))
            shown = [case for first in firsts for case in first]  # one request sent as JSON, one as XML
        evidence = [
            {"case": case, "outcome": cases[case].outcome, "problem": cases[case].problem, **log.evidence[case]}
            for case in shown
            if case in log.evidence
        ]
        silent = ["http_status", "content_type"] + (["error"] if rule.expect.error_code is None else [])
        if not rule.asserted:
            silent += ["error_text", "changes"]
        found[rule_id] = {
            "verdict": verdict,
            "status": rule.status,
            "summary": rule.summary,
            "source": rule.source,
            "operations": [r.operation for r in same],
            "cases": {"passed": len(passed), "failed": len(failed), "not_run": len(skipped)},
            "failed_cases": failed,
            "problem": cases[failed[0]].problem if failed else "",
            "not_run_because": next((cases[c].problem for c in skipped if cases[c].problem), "") if skipped else "",
            "not_applicable": inapplicable,
            "evidence": evidence,
            "reproduce": reproduce(rule_id),
            "answers": log.answers.get(rule_id, {}),
            "answer_texts": {k: list(v) for k, v in texts.get(rule_id, {}).items()},
            "silent": silent,
        }
    return found
