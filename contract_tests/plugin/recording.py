"""pytest wiring of the rule verdicts: each rule case's outcome, then the run's verdicts and its history lines.

Registered once, from ``pytest_configure`` (``record_rules``, called by ``startup``). At the end of a run the
controller (or the lone process) adds ``run`` and ``rules`` to ``contract-report.json`` (``contract_tests.verdicts``)
and appends the run's verdicts to ``contract-history.jsonl`` beside it (``contract_tests.history``); under
pytest-xdist each worker sends its rule log (evidence, answers) to the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contract_tests import history
from contract_tests.masking import Masker
from contract_tests.plugin.options import only_looking
from contract_tests.plugin.outcomes import is_tool_error
from contract_tests.report import Report
from contract_tests.session import Run
from contract_tests.suite import spec_for
from contract_tests.target import Target
from contract_tests.verdicts import CaseOutcome, problem_line, reproduce_command, rule_verdicts

HISTORY_FILE = "contract-history.jsonl"
RULE_LOG_KEY = "contract-rule-log"
_CASE_PREFIX = "contract_tests/test_rules.py::test_rule["


def utc_now() -> datetime:
    """The real clock (tests inject another)."""
    return datetime.now(UTC)


def record_rules(config: pytest.Config, report: Report, *, target: Target, run: Run, mask: Masker) -> None:
    """Record this run's rule verdicts into ``report`` and the history (call once, from pytest_configure)."""
    config.pluginmanager.register(RuleRecorder(config, report, target, run, mask), "contract-rule-recorder")


class RuleRecorder:
    """The hooks: case outcomes as they come, the verdicts and history at the end of the session."""

    def __init__(
        self,
        config: pytest.Config,
        report: Report,
        target: Target,
        run: Run,
        mask: Masker,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config, self.report, self.target, self.run, self.mask = config, report, target, run, mask
        self.clock = clock
        self.outcomes: dict[str, CaseOutcome] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A rule case's outcome: its call phase; a setup or teardown problem is not the case's own verdict."""
        if not report.nodeid.startswith(_CASE_PREFIX):
            return
        case = report.nodeid[len(_CASE_PREFIX) : -1]
        text = self.mask(str(report.longrepr)) if report.longrepr is not None else ""
        if report.when == "call" and is_tool_error(report):  # the server did not answer: no verdict on the rule
            self.outcomes[case] = CaseOutcome("error", f"tool error: {problem_line(text)}")
        elif report.when == "call":
            outcome = "skipped" if report.skipped else "failed" if report.failed else "passed"
            why = problem_line(text) if report.failed else _skip_reason(report) if report.skipped else ""
            self.outcomes[case] = CaseOutcome(outcome, why)
        elif report.when == "setup" and not report.passed:
            why = _skip_reason(report) if report.skipped else f"setup error: {problem_line(text)}"
            self.outcomes[case] = CaseOutcome("skipped" if report.skipped else "error", why)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """The controller: add a worker's rule log."""
        part = getattr(node, "workeroutput", {}).get(RULE_LOG_KEY)
        if part:
            self.report.rule_log.merge(part)

    @pytest.hookimpl(tryfirst=True)  # before the report is written (reporting.py)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Verdicts into the report, one line per judged rule into the history."""
        config = self.config
        if only_looking(config):
            return
        workeroutput = getattr(config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[RULE_LOG_KEY] = self.report.rule_log.part()
            return
        date = self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        base = ["python", "-m", "pytest", "contract_tests"]
        if config.getoption("--target"):
            base += ["--target", str(config.getoption("--target"))]
        base += ["--profile", self.report.profile, "--hypothesis-seed", self.run.seed]
        rules = rule_verdicts(
            spec_for(self.target.api_version).rules,
            self.outcomes,
            self.report.rule_log,
            self.report.observations,
            lambda rule_id: reproduce_command(base, rule_id),
        )
        target = self.target.name or self.target.label  # a target's identity across runs: its name, when given
        run = {
            "id": self.run.run_prefix,
            "date": date,
            "target": target,
            "target_label": self.target.label,
            "api_version": self.target.api_version,
            "hypothesis_seed": self.run.seed,
            "profile": self.report.profile,
        }
        self.report.extra.update(run=run, rules=rules)
        lines = history.run_streaks(
            {rule_id: found["verdict"] for rule_id, found in rules.items()},
            target=self.mask(target),
            api_version=self.target.api_version,
            date=date,
            run_id=self.run.run_prefix,
        )
        if lines:
            history.append(Path(config.getoption("--report-dir")) / HISTORY_FILE, lines)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")
