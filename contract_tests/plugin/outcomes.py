"""Tool errors apart from contract failures, as Schemathesis keeps them: a test that a ``ToolError`` ended (the
target refused the connection, did not answer within ``timeout_seconds``, closed it unanswered) is reported as
an ERROR, never a FAILED, and a run with tool errors but no contract failure exits ``TOOL_ERROR_EXIT`` (6), not 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.errors import TOOL_ERROR_EXIT, ToolError
from contract_tests.plugin.keys import MASK_KEY

TOOL_ERROR = "tool_error"  # the user property (JUnit: <property name="tool_error">) of a report a tool error ended
COUNTS_KEY = pytest.StashKey[dict[str, int]]()


def is_tool_error(report: pytest.TestReport) -> bool:
    """Whether a tool error ended this test (also for a report an xdist worker sent: properties arrive as lists)."""
    return report.failed and any(prop[0] == TOOL_ERROR for prop in report.user_properties)


def counts(config: pytest.Config) -> dict[str, int]:
    """``{"tool": N, "contract": M}``: the failed reports of the run so far, by kind (in the controller)."""
    return config.stash.get(COUNTS_KEY, {"tool": 0, "contract": 0})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(ToolError):
        first = (str(call.excinfo.value).splitlines() or [call.excinfo.typename])[0]
        found = (TOOL_ERROR, item.config.stash[MASK_KEY](first))
        report.user_properties.append(found)
        item.user_properties.append(found)  # the teardown report carries it into the JUnit file


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    if is_tool_error(report):
        return "error", "E", "ERROR"
    return None


class _Counter:
    """Counts failed reports by kind where the exit code is decided (the controller, which sees workers' too)."""

    def __init__(self, config: pytest.Config) -> None:
        self.counts = config.stash[COUNTS_KEY] = {"tool": 0, "contract": 0}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.counts["tool" if is_tool_error(report) else "contract"] += 1


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Counter(config), "contract-outcomes")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = counts(session.config)
    if found["tool"] and not found["contract"] and session.exitstatus == pytest.ExitCode.TESTS_FAILED:
        session.exitstatus = TOOL_ERROR_EXIT
