"""The pool drain (contract_tests/drain.py) drains a small program and gives it back as it was; a program with more
free codes than it drains is skipped, and the report says why."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from contract_tests.drain import MAX_FREE
from contract_tests.harness import TOKEN, run_suite, serving_mock, write_target

IMPORT = "/api/v1.1/promocodes/import"


def test_a_small_pool_is_drained_and_restored_a_big_one_skipped_with_its_reason(tmp_path: Path) -> None:
    with serving_mock(()) as url:
        many = [f"many-{n:03}" for n in range(MAX_FREE + 1)]  # the universal program gets more free codes than drained
        answer = requests.post(url + IMPORT, json={"token": TOKEN, "loyalty_id": 12, "codes": many}, timeout=10)
        assert answer.json()["error"] == 0
        target = write_target(url, tmp_path / "target.yaml")
        trace = tmp_path / "requests.txt"
        extra = ("-k", "drain", "-rA", "--trace-requests", str(trace))
        run = run_suite(target, tmp_path, *extra, env={"ALTCRAFT_TOKEN": TOKEN})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 passed, 1 skipped" in run.stdout, run.stdout[-2000:]
    report = json.loads((tmp_path / "reports" / "contract-report.json").read_text(encoding="utf-8"))
    free = 8 + MAX_FREE + 1  # the seed's and the imported ones
    reason = f"program 12 has {free} free code(s): the pool drain runs only on programs with 1 to {MAX_FREE}"
    assert any(note.startswith(reason) for note in report["notes"]), report["notes"]
    assert reason in run.stdout
    lines = trace.read_text(encoding="utf-8").splitlines()
    draws = [line for line in lines if line.startswith("POST attach ") and '"code"' not in line]
    assert len(draws) == 9 + 1  # the personal program's 8 codes and the preflight's, then one given back and drawn
    assert report["program_sizes"]["11"] == {"before": 8, "after": 9}  # the preflight's code, nothing else
    assert not [line for line in report["not_cleaned"] if "program 11" in line]  # the drain detached what it drew
