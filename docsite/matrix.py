"""Rules x targets x API versions: each rule's last verdict, and "can target T serve clients of version N?".

The answer for (T, N) comes from the latest run of the suite against T speaking N:
``yes`` when every rule of N the docs assert (documented or inferred) ran and passed and nothing else
in the run failed; ``no`` when anything failed (a rule, a postcondition, the frame, an invariant,
Schemathesis); ``unknown`` when no run exists or an asserted rule did not run. A rule that does not apply
to the target as its file declares it (a program setting none of its programs has, e.g. programs that do
not create codes) is no gap: it is listed apart and does not make the answer ``unknown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docsite.inputs import VersionDocs
from docsite.runs import RuleResult, RunReport

YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass(frozen=True)
class Answer:
    """Whether a target can serve clients of one API version, and why."""

    target: str
    api_version: str
    answer: str
    run: RunReport | None
    failed_rules: tuple[str, ...]
    other_failures: tuple[str, ...]  # failing tests that are no rule case (state machine, Schemathesis, ...)
    not_run: tuple[str, ...]  # asserted rules of the version that did not run
    not_applicable: tuple[str, ...] = ()  # asserted rules that do not apply to the target's declared settings

    def as_json(self) -> dict[str, Any]:
        """The answer as ``matrix.json`` writes it."""
        return {
            "answer": self.answer,
            "run": self.run.run_id if self.run else None,
            "date": self.run.date if self.run else None,
            "failed_rules": list(self.failed_rules),
            "other_failures": list(self.other_failures),
            "asserted_rules_not_run": list(self.not_run),
            "asserted_rules_not_applicable": list(self.not_applicable),
        }


@dataclass(frozen=True)
class Matrix:
    """The latest run per (target, version), and every rule id in spec order."""

    versions: tuple[str, ...]
    targets: tuple[str, ...]
    rules: tuple[str, ...]
    latest: dict[tuple[str, str], RunReport]
    rule_versions: dict[str, tuple[str, ...]]  # rule id -> versions that declare it

    def cell(self, rule: str, target: str, version: str) -> RuleResult | None:
        """The rule's last verdict against ``target`` speaking ``version`` (None: no run, or not in the version)."""
        run = self.latest.get((target, version))
        return run.rules.get(rule) if run else None

    def answer(self, target: str, version: str, asserted: Sequence[str]) -> Answer:
        """Can ``target`` serve clients of ``version``? ``asserted``: the version's documented/inferred rules."""
        run = self.latest.get((target, version))
        if run is None:
            return Answer(target, version, UNKNOWN, None, (), (), tuple(asserted))
        failed = tuple(rule for rule, found in run.rules.items() if found.verdict == "fail")
        rule_tests = {f"test_rule[{case}]" for found in run.rules.values() for case in found.failed_cases}
        others = tuple(f["test"] for f in run.failures if f.get("test") not in rule_tests)
        errors = run.outcome.get("error", 0)
        if errors and not others:
            others = (f"{errors} test(s) ended with an error (see {run.path})",)
        skipped = [r for r in asserted if run.rules.get(r) is None or run.rules[r].verdict == "not run"]
        inapplicable = tuple(r for r in skipped if r in run.rules and run.rules[r].not_applicable)
        not_run = tuple(r for r in skipped if r not in inapplicable)
        verdict = NO if failed or others else UNKNOWN if not_run else YES
        return Answer(target, version, verdict, run, failed, others, not_run, inapplicable)


def build_matrix(versions: Sequence[VersionDocs], reports: Sequence[RunReport]) -> Matrix:
    """The latest report of each (target, version) wins; rule ids in the order the versions declare them."""
    latest: dict[tuple[str, str], RunReport] = {}
    for report in sorted(reports, key=lambda r: (r.date, r.run_id)):
        latest[report.key] = report
    rules: dict[str, list[str]] = {}
    for docs in versions:
        for rule in docs.spec.rules:
            found = rules.setdefault(rule.id, [])
            if docs.version not in found:
                found.append(docs.version)
    known = [d.version for d in versions]
    extra = sorted({v for _, v in latest} - set(known))  # a report of a version this checkout does not describe
    return Matrix(
        versions=tuple(known + extra),
        targets=tuple(sorted({t for t, _ in latest})),
        rules=tuple(rules),
        latest=latest,
        rule_versions={rule: tuple(found) for rule, found in rules.items()},
    )


def asserted_rules(docs: VersionDocs) -> tuple[str, ...]:
    """The version's rules that the suite asserts (documented or inferred), once each."""
    return tuple(dict.fromkeys(rule.id for rule in docs.spec.rules if rule.asserted))


def matrix_json(matrix: Matrix, versions: Sequence[VersionDocs]) -> dict[str, Any]:
    """``site/matrix.json``: ``can_serve[target][version]`` and ``rules[rule][target][version]``."""
    by_version = {d.version: d for d in versions}
    can_serve = {
        target: {
            version: matrix.answer(target, version, asserted_rules(by_version[version])).as_json()
            for version in matrix.versions
            if version in by_version
        }
        for target in matrix.targets
    }
    rules: dict[str, Any] = {}
    for rule in matrix.rules:
        rules[rule] = {}
        for target in matrix.targets:
            for version in matrix.rule_versions[rule]:
                found = matrix.cell(rule, target, version)
                run = matrix.latest.get((target, version))
                if found is not None and run is not None:
                    rules[rule].setdefault(target, {})[version] = {
                        "verdict": found.verdict,
                        "date": run.date,
                        "run": run.run_id,
                    }
    return {
        "versions": list(matrix.versions),
        "targets": list(matrix.targets),
        "can_serve": can_serve,
        "rules": rules,
    }
