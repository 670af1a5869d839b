"""What a run tells: each failure recorded in the report with the command that reproduces it, the report files
(``contract-report.json``/``.md``, merged from the workers' parts), and the terminal summary."""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.errors import TOOL_ERROR_EXIT, BudgetExhausted, ToolError
from contract_tests.plugin.keys import MASK_KEY, REPORT_KEY, RUN_KEY, STATE_KEY, SUITE_KEY
from contract_tests.plugin.options import only_looking
from contract_tests.plugin.outcomes import counts
from contract_tests.plugin.startup import sizes_after
from contract_tests.plugin.verdict import NAME as PREFLIGHT_TEST

REPRODUCE = "reproduce (same seed, token from the environment)"


def reproduce(item: pytest.Item) -> str:
    """The command that runs ``item`` again with the run's seed (never the token)."""
    config = item.config
    parts = ["python", "-m", "pytest", "contract_tests"]
    if config.getoption("--target"):
        parts += ["--target", str(config.getoption("--target"))]
    parts += [
        "--profile",
        str(config.getoption("--profile")),
        "--hypothesis-seed",
        str(config.getoption("hypothesis_seed")),
    ]
    name = item.name
    if name == PREFLIGHT_TEST:  # the preflight runs before every test: the whole run reproduces it
        return shlex.join(parts)
    if " " in name:  # Schemathesis ids hold "POST /path": select by function and path
        original = getattr(item, "originalname", name.split("[")[0])
        name = f"{original} and {name.rsplit('/', 1)[-1].rstrip(']')}"
    parts += ["-k", name]
    return shlex.join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(BudgetExhausted):
        message = str(call.excinfo.value)
        item.config.stash[STATE_KEY]["budget"] = message
        item.session.shouldstop = f"stopping: {message}"
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, f"Skipped: {message}")
        return
    if report.failed and report.longrepr is not None and report.when == "call":
        text = str(report.longrepr)
        the_suite = item.config.stash.get(SUITE_KEY, None)
        if the_suite is not None:
            mask = item.config.stash[MASK_KEY]
            if call.excinfo is not None and call.excinfo.errisinstance(ToolError):
                the_suite.report.tool_error(item.name, mask(str(call.excinfo.value)))
            else:
                the_suite.report.failed(item.name, mask(text))
        report.longrepr = f"{text}\n\n{REPRODUCE}: {reproduce(item)}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    report = config.stash.get(REPORT_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    run = config.stash.get(RUN_KEY, None)
    if report is None or run is None or only_looking(config):
        return
    the_suite = config.stash.get(SUITE_KEY, None)
    if the_suite is not None:
        report.requests = the_suite.client.count
        report.received = the_suite.client.received
        report.wire = the_suite.client.wire.as_dict()
        report.reused = the_suite.leftovers.used
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller merges its part and writes (workers.py)
        workeroutput["contract"] = dict(report.part(), budget=state.get("budget", ""))
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {}) if reporter else {}
    report.outcome = {k: len(v) for k, v in stats.items() if k in ("passed", "failed", "skipped", "error")}
    report.preflight = {"requests": run.preflight_requests, "notes": run.preflight_notes}
    report.sizes_before = run.sizes_before
    report.sizes_after = sizes_after(config, run)
    if state.get("budget"):
        report.notes.append(f"run stopped early: {state['budget']}")
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
    directory = Path(config.getoption("--report-dir"))
    state["paths"] = report.write(directory)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(REPORT_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    if report is None or getattr(config, "workerinput", None) is not None or only_looking(config):
        return
    elapsed = time.monotonic() - state.get("started", time.monotonic())
    terminalreporter.write_sep("-", "contract suite")
    terminalreporter.write_line(f"target: {report.target}")
    terminalreporter.write_line(
        f"requests sent: {report.requests} ({report.received / 1e6:.2f} MB received) in {elapsed:.1f} s"
    )
    if report.sizes_before:
        terminalreporter.write_line(
            "program sizes (codes, before -> after): "
            + ", ".join(f"{p}: {n} -> {report.sizes_after.get(p, '?')}" for p, n in sorted(report.sizes_before.items()))
        )
    terminalreporter.write_line(
        f"hypothesis seed: {config.getoption('hypothesis_seed')} (rerun with --hypothesis-seed)"
    )
    tool_errors = counts(config)["tool"]
    if tool_errors:
        terminalreporter.write_line(
            f"TOOL ERRORS: {tool_errors} test(s) could not judge the server (unreachable, timed out, closed "
            f"unanswered): not contract failures; exit {TOOL_ERROR_EXIT} unless a contract failure was found too"
        )
    if state.get("budget"):
        terminalreporter.write_line(f"STOPPED EARLY: {state['budget']}; raise request_budget in the target file")
    if state.get("paths"):
        terminalreporter.write_line("report: " + ", ".join(str(p) for p in state["paths"]))
    if report.uncleaned:
        terminalreporter.write_line(f"left on the server (see report): {len(report.uncleaned)} item(s)")
