"""One rule across versions, targets and runs: what its page shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract_tests.history import Streak, Summary, by_key, summarise
from docsite.badges import worst
from docsite.inputs import VersionDocs
from docsite.matrix import Matrix
from docsite.runs import RuleResult, RunReport
from promo_spec.rules import Rule

RUNS_SHOWN = 10  # runs whose silent-area answers a rule page lists, newest first


@dataclass(frozen=True)
class RuleVersion:
    """The rule as one API version declares it."""

    version: str
    rule: Rule
    operations: tuple[str, ...]

    @property
    def given(self) -> str:
        """The preconditions, as the docs' rules tables write them."""
        return ", ".join(f"{k}: {v}" for k, v in self.rule.given.items()) or "(defaults)"

    @property
    def expected(self) -> str:
        """The expected answer and effects in words."""
        expect = self.rule.expect
        if expect.error_code is not None:
            error = f"error {expect.error_code}"
        else:
            error = {"zero": "error 0", "nonzero": "a non-zero error", "any": "any error (recorded)"}.get(
                expect.error, expect.error
            )
        parts = [error]
        if expect.effects:
            parts.append("effects: " + ", ".join(expect.effects))
        elif expect.behaves_as:
            parts.append(f"served as with the {expect.behaves_as.replace('_', ' ')}")
        else:
            parts.append("changes nothing")
        if expect.item_error is not None:
            parts.append(f"item error {expect.item_error}")
        return "; ".join(parts)


@dataclass(frozen=True)
class VerdictRow:
    """The rule's last verdict against one target speaking one version, with its history there."""

    target: str
    version: str
    result: RuleResult
    run: RunReport
    history: Summary | None


@dataclass(frozen=True)
class RulePage:
    """Everything a rule's page shows."""

    id: str
    newest: RuleVersion
    versions: tuple[RuleVersion, ...]
    verdicts: tuple[VerdictRow, ...]
    answers: tuple[tuple[RunReport, RuleResult], ...]  # every run that judged the rule, newest first

    @property
    def overall(self) -> str:
        """The worst last verdict over every target and version (the rule's badge)."""
        return worst([row.result.verdict for row in self.verdicts])


def rule_pages(
    versions: Sequence[VersionDocs], matrix: Matrix, reports: Sequence[RunReport], streaks: Sequence[Streak]
) -> list[RulePage]:
    """One page per rule id, in the order the versions declare them."""
    pages = []
    newest_first = sorted(reports, key=lambda r: (r.date, r.run_id), reverse=True)
    histories = by_key(streaks)
    for rule_id in matrix.rules:
        declared = []
        for docs in versions:
            same = [r for r in docs.spec.rules if r.id == rule_id]
            if same:
                declared.append(RuleVersion(docs.version, same[0], tuple(r.operation for r in same)))
        rows = []
        for (target, version), run in sorted(matrix.latest.items()):
            found = run.rules.get(rule_id)
            if found is not None:
                history = summarise(histories.get((rule_id, target, version), []))
                rows.append(VerdictRow(target, version, found, run, history))
        answers = tuple((run, run.rules[rule_id]) for run in newest_first if rule_id in run.rules)
        pages.append(RulePage(rule_id, declared[-1], tuple(declared), tuple(rows), answers[:RUNS_SHOWN]))
    return pages
