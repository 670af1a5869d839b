"""A contract violation the preflight saw becomes the run's verdict: one failing test, ``test_preflight``.

The preflight runs before any test (``startup.start``, in the controller; xdist workers get its verdict with the
run). When the server broke the contract there
(``diagnosis.ServerFault``: an HTTP 5xx, a broken envelope, answers that contradict each other or the spec), the
target file is not to blame, so the run does not stop as a usage error (exit 4): every collected test is
deselected and one test stands in for them, failing with the evidence. pytest then exits 1, the JUnit file and the
report name the failure and its oracle (``[preflight] <kind>``), and no test runs against a server already seen
broken. The stand-in replaces whatever the other plugins selected (``--oracle``, ``-k``, smoke): the verdict stands
whatever was asked for.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.plugin.keys import REPORT_KEY, RUN_KEY
from contract_tests.world import ContractViolation

NAME = "test_preflight"


class PreflightItem(pytest.Item):
    """The run's one test when the preflight saw a contract violation: it fails with the evidence."""

    def __init__(self, *, violation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.violation = violation

    def runtest(self) -> None:
        """Fail with the violation (masked already), recorded in the report's failures."""
        report = self.config.stash.get(REPORT_KEY, None)
        if report is not None:
            report.failed(NAME, self.violation)
        raise ContractViolation(self.violation)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The violation's text, without a traceback of this module."""
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the test comes from, for pytest's output."""
        return self.path, None, "preflight: the server broke the contract before any test"


@pytest.hookimpl(trylast=True)  # after ordering and selection: the stand-in replaces whatever they kept
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        stand_in(session, config, items, run.preflight_violation)


def stand_in(session: pytest.Session, config: pytest.Config, items: list[pytest.Item], violation: str) -> None:
    """Replace ``items`` by the one failing preflight test when ``violation`` is set (else leave them)."""
    if not violation:
        return
    parent = _suite_directory(items) or session  # under contract_tests/: its conftest masks and reports the failure
    dropped = [item for item in items if item.name != NAME]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = [PreflightItem.from_parent(parent, name=NAME, violation=violation)]


def _suite_directory(items: list[pytest.Item]) -> pytest.Collector | None:
    """The collector of the suite's directory (``contract_tests``), found above the collected tests."""
    for item in items:
        for node in item.listchain():
            if isinstance(node, pytest.Dir | pytest.Package) and (node.path / "conftest.py").is_file():
                return node
    return None
