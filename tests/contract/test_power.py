"""The suite's power: it fails (exit 1, test failures) against every faulty mock and passes against the faithful one."""

from __future__ import annotations

from contract_tests.power import run_all, table
from mock_server.faults import FAULTS


def test_suite_detects_every_fault_and_passes_the_faithful_mock() -> None:
    results = run_all(workers=2)
    shown = table(results)
    print(shown)
    assert {r.fault for r in results} == {"", *FAULTS}
    missed = [r for r in results if not r.ok]
    assert not missed, f"variants the suite got wrong:\n{shown}"
