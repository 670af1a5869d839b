"""Each rule's verdict in contract-report.json and in the history, also when pytest-xdist workers judged it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from contract_tests import history
from contract_tests.harness import run_suite, serving_mock, write_target

TOKEN = "verdicts-token-not-a-secret"
SELECTED = "test_rule and (attach.code-free[ or activate.code-free[ or get.code-unknown[)"


def test_verdicts_evidence_and_history_of_a_run_on_two_workers(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    earlier = history.run_streaks(
        {"attach.code-free": "fail"}, target="two workers", api_version="72", date="2000-01-01T00:00:00Z", run_id="old"
    )
    history.write(reports / "contract-history.jsonl", earlier)  # an earlier run: attach.code-free failed then
    before = datetime.now(UTC).replace(microsecond=0)
    with serving_mock(("activate-unattached-ok",), token=TOKEN) as url:
        target = write_target(url, tmp_path / "target.yaml")
        with target.open("a", encoding="utf-8") as out:
            out.write("name: two workers\n")
        workers = ("--profile", "smoke", "-n", "2", "-k", SELECTED)
        done = run_suite(target, tmp_path, *workers, env={"ALTCRAFT_TOKEN": TOKEN})
    after = datetime.now(UTC)
    assert done.returncode == 1, done.stdout[-3000:]
    report = json.loads((reports / "contract-report.json").read_text(encoding="utf-8"))
    for key in ("target", "hypothesis_seed", "outcome", "error_numbers_per_rule", "observations", "failures"):
        assert key in report  # the existing report keeps its fields
    run = report["run"]
    assert run["target"] == "two workers" and run["api_version"] == "72" and run["profile"] == "smoke"
    assert before <= datetime.strptime(run["date"], "%Y-%m-%dT%H:%M:%S%z") <= after
    rules = report["rules"]
    failing, passing, recorded = rules["activate.code-free"], rules["attach.code-free"], rules["get.code-unknown"]
    assert failing["verdict"] == "fail" and "[rule activate.code-free]" in failing["problem"]
    shown = failing["evidence"][0]
    assert shown["case"] in failing["failed_cases"] and shown["outcome"] == "failed"
    assert shown["request"]["url"].endswith("/api/v1.1/promocodes/activate")
    assert TOKEN not in json.dumps(shown) and ("***" in shown["request"]["body"])
    assert shown["response"]["status"] == 200 and shown["response"]["body"]
    assert failing["reproduce"].endswith("-k 'test_rule and activate.code-free['")
    assert f"--hypothesis-seed {report['hypothesis_seed']}" in failing["reproduce"]
    assert passing["verdict"] == "pass" and passing["cases"]["failed"] == 0 and passing["cases"]["passed"] >= 1
    assert {case_format(e["case"]) for e in passing["evidence"]} <= {"json", "xml"}
    assert recorded["verdict"] == "recorded" and recorded["status"] == "undocumented"
    assert "error" in recorded["silent"] and sum(recorded["answers"]["error"].values()) >= 1
    assert recorded["answers"]["http_status"] and recorded["answers"]["content_type"]
    assert rules["detach.code-free"]["verdict"] == "not run"  # not selected
    streaks = history.read(reports / "contract-history.jsonl")
    judged = {s.rule for s in streaks}
    assert judged == {"attach.code-free", "activate.code-free", "get.code-unknown"}  # not-run rules leave no line
    found = history.summary(streaks, "attach.code-free", "two workers", "72")
    assert found is not None and (found.runs, found.flips, found.last_verdict) == (2, 1, "pass")
    assert found.first_failed == "2000-01-01T00:00:00Z" and found.last_passed == run["date"]


def case_format(case: str) -> str:
    """The request format of a case id."""
    return case.rsplit("[", 1)[-1].rstrip("]").split("-")[-2]
