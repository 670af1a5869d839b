"""The token never reaches an output: every failure's text and every captured section is masked, last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.plugin.keys import MASK_KEY
from contract_tests.plugin.reporting import REPRODUCE, reproduce


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # tryfirst: the outermost wrapper, so the masking below runs after every other plugin's changes
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    mask = item.config.stash[MASK_KEY]
    if report.failed and report.longrepr is not None:
        report.longrepr = mask(str(report.longrepr))
    report.sections = [(title, mask(content)) for title, content in report.sections]


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    # other plugins (Schemathesis) rewrite longrepr here: mask again, last
    if report.longrepr is not None:
        text = str(report.longrepr)
        if report.when == "call" and REPRODUCE not in text and isinstance(node, pytest.Item):
            text += f"\n\n{REPRODUCE}: {reproduce(node)}"
        report.longrepr = node.config.stash[MASK_KEY](text)
