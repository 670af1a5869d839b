"""--profile smoke covers every rule, mode and format pair in under 500 requests; later runs reuse free leftovers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract_tests.harness import run_suite, write_target
from contract_tests.rule_setup import rule_cases, smoke_cases
from mock_server.serve import start_background
from promo_spec import load_spec

TOKEN = "smoke-token-not-a-secret"


def test_smoke_cases_cover_every_rule_mode_and_format_pair() -> None:
    cases = rule_cases(load_spec().rules)
    chosen = smoke_cases(cases)
    assert {(c.rule.id, c.rule.operation) for c in chosen} == {(c.rule.id, c.rule.operation) for c in cases}
    assert len(chosen) == len({(c.rule.id, c.rule.operation) for c in cases})  # once each
    for feature in (
        lambda c: (c.rule.operation, c.mode),
        lambda c: (c.rule.operation, c.body_format, c.response_format),
    ):
        assert {feature(c) for c in chosen} == {feature(c) for c in cases}


def _smoke(url: str, work: Path) -> dict[str, Any]:
    target = write_target(url, work / "target.yaml")
    run = run_suite(target, work, "--profile", "smoke", env={"ALTCRAFT_TOKEN": TOKEN})
    assert run.returncode == 0, run.stdout[-3000:]
    report: dict[str, Any] = json.loads((work / "reports" / "contract-report.json").read_text(encoding="utf-8"))
    return report


def test_smoke_stays_under_500_requests_and_reuses_leftovers(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        (tmp_path / "first").mkdir()
        (tmp_path / "second").mkdir()
        first = _smoke(server.url, tmp_path / "first")
        second = _smoke(server.url, tmp_path / "second")
    for report in (first, second):
        assert report["requests"] + report["preflight"]["requests"] < 500
        assert report["outcome"]["passed"] > len({(c.rule.id, c.rule.operation) for c in rule_cases(load_spec().rules)})
        assert not report["outcome"].get("failed") and not report["outcome"].get("error")
    assert first["reused_free_codes_of_earlier_runs"] == 0  # a fresh server holds no leftovers
    assert second["reused_free_codes_of_earlier_runs"] > 30

    def growth(report: dict[str, Any]) -> int:
        return sum(s["after"] - s["before"] for s in report["program_sizes"].values())

    assert growth(second) < growth(first) / 2  # new codes only where a rule must create one
    assert set(first["program_sizes"]) == {"11", "12", "13"}


def _collected(url: str, profile: str, work: Path) -> set[str]:
    """The test modules ``--profile`` runs against the mock at ``url`` (collection only: nothing is sent)."""
    target = write_target(url, work / "target.yaml")
    run = run_suite(target, work, "--profile", profile, "--collect-only", env={"ALTCRAFT_TOKEN": TOKEN})
    assert run.returncode == 0, run.stdout[-3000:]
    return {line.split("::", 1)[0] for line in run.stdout.splitlines() if "::" in line}


def test_smoke_and_mutation_profiles_leave_out_what_they_say(tmp_path: Path) -> None:
    """smoke leaves out both machines' long relatives, the pool drain and the rare states (over its 500 requests);
    mutation keeps the documented-steps machine, the drain and the rare states (they kill mutants nothing else
    sees) and leaves out the concurrent histories."""
    with start_background(port=0, token=TOKEN) as server:
        everything, smoke, mutation = (_collected(server.url, p, tmp_path) for p in ("default", "smoke", "mutation"))
    left_out_by_smoke = {
        "contract_tests/test_scoping.py",
        "contract_tests/test_stances.py",
        "contract_tests/test_state_machine.py",
        "contract_tests/test_histories_are_linearizable.py",
        "contract_tests/test_pool_drain.py",
        "contract_tests/test_rare_states.py",
    }
    kept_by_mutation = {
        "contract_tests/test_state_machine.py",
        "contract_tests/test_pool_drain.py",
        "contract_tests/test_rare_states.py",
    }
    assert left_out_by_smoke <= everything
    assert everything - smoke == left_out_by_smoke
    assert everything - mutation == left_out_by_smoke - kept_by_mutation
