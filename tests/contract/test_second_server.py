"""The contract suite passes a second, independent faithful implementation with other silent-area choices.

Here the smoke profile (every rule, mode and format pair once): the default profile against both configurations
under ten seeds is ``make seeds`` (part of ``make test``), which this would only repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.harness import run_suite
from tests.contract.many_seeds import SECOND_CONFIGS, SECOND_TOKEN
from tests.contract.many_seeds import second_server as start_second_server

CONFIGS = SECOND_CONFIGS
TOKEN = SECOND_TOKEN

# what each configuration's report must record in its wire section (undocumented choices seen)
SEEN = {
    "text-xml-http-status": ["| format=xml: response Content-Type | text/xml |", "| 401 with error != 0 |"],
    "probe2-strict": ["| format=xml: response Content-Type | application/xml |", "| 200 with error != 0 |"],
    # the rules of programs that do not create codes ran and saw the server's refusals
    "creation-off": [
        "| attach.code-unknown-creation-disallowed | 1405 |",
        "| attach.no-code-pool-empty-creation-disallowed | 1011 |",
    ],
    # an attach without a code created one in the exhausted program, and cleanup left it attached
    "creation-on": ["created and attached by an attach without a code (the program creates codes)"],
}


@pytest.fixture(params=sorted(CONFIGS))
def second_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    with start_second_server(request.param, tmp_path, seed="20261126") as path:
        yield path, request.param


def test_suite_passes_a_second_faithful_server(second_server: tuple[Path, str], tmp_path: Path) -> None:
    target, config = second_server
    run = run_suite(
        target, tmp_path, "--profile", "smoke", "--hypothesis-seed", "20261126", env={"SECOND_SERVER_TOKEN": TOKEN}
    )
    tail = "\n".join(run.stdout.splitlines()[-60:])
    assert run.returncode == 0, f"the suite failed against the second server ({config}):\n{tail}"
    assert TOKEN not in run.stdout + run.stderr
    report = (tmp_path / "reports" / "contract-report.md").read_text(encoding="utf-8")
    for seen in SEEN[config]:
        assert seen in report, f"the report's wire section lacks {seen!r}"
