"""pytest-xdist workers: one merged report and JUnit file, each worker its own code namespace, the token masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from defusedxml.ElementTree import parse as parse_xml_file

from contract_tests.harness import run_suite, serving_mock, write_target
from tests.contract import many_seeds

CANARY = "CANARY-workers-4c1d-token"


@pytest.mark.slow
def test_two_workers_merge_one_report_and_mask_the_token(tmp_path: Path) -> None:
    with serving_mock(("auth-prefix-token",), token=CANARY) as url:
        target = write_target(url, tmp_path / "target.yaml")
        selection = "token-wrong or test_concurrency or get.code-attached"
        trace = tmp_path / "trace" / "requests.txt"
        trace.parent.mkdir()
        (trace.parent / "requests.txt.gw7.part").write_text("stale part of an earlier run\n", encoding="utf-8")
        run = run_suite(
            target,
            tmp_path,
            *("-n", "2", "-k", selection, "-rA", "--trace-requests", str(trace)),
            env={"ALTCRAFT_TOKEN": CANARY},
        )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]  # the fault is caught by a worker
    junit = parse_xml_file(tmp_path / "junit.xml").getroot()
    cases = list(junit.iter("testcase"))
    failed = [c for c in cases if c.find("failure") is not None]
    assert failed and len(cases) > len(failed)
    report = json.loads((tmp_path / "reports" / "contract-report.json").read_text(encoding="utf-8"))
    assert len(report["requests_per_test"]) == len(cases)  # every worker's tests, in one report
    in_tests = sum(t["requests"] for t in report["requests_per_test"].values())
    assert 0 < in_tests <= report["requests"]  # the workers' counts, summed (cleanup adds a few)
    tests_of = {o["test_id"] for o in report["observations"]}
    assert "concurrency" in tests_of and any(t.startswith("get.code-attached") for t in tests_of)
    prefixes = {p for o in report["not_cleaned"] for p in ("gw0-", "gw1-") if p in o}
    assert prefixes == {"gw0-", "gw1-"}, report["not_cleaned"]  # each worker imported under its own prefix
    # one trace file: each worker's requests under its own header, no part left behind, no stale part merged
    assert sorted(p.name for p in trace.parent.iterdir()) == ["requests.txt"]
    traced = trace.read_text(encoding="utf-8")
    headers = [line for line in traced.splitlines() if line.startswith("# worker ")]
    assert headers == ["# worker gw0", "# worker gw1"], headers
    sections = traced.split("# worker gw1\n")
    assert "gw0-" in sections[0] and "gw1-" in sections[1] and "stale part" not in traced
    assert len(traced.splitlines()) - 2 >= report["requests"] - 20  # every request (the preflight's are not traced)
    outputs = [run.stdout, run.stderr] + [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    for secret in (CANARY, CANARY[:-1]):
        assert not [o for o in outputs if secret in o], "the token leaked from a worker"
    assert "***" in run.stdout


@pytest.mark.slow
def test_four_workers_pass_the_embedded_mock(tmp_path: Path) -> None:
    """The whole default run on four workers sharing one embedded mock: no worker judges another's codes."""
    run = run_suite(None, tmp_path, "-n", "4")  # no --target: the embedded mock, started once by the controller
    assert run.returncode == 0, run.stdout[-4000:]
    cases = list(parse_xml_file(tmp_path / "junit.xml").getroot().iter("testcase"))
    assert len(cases) > 400 and not [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    # the pool drain ran before any other worker imported codes into the small programs (scheduling: first_of_run)
    drained = [c for c in cases if c.get("name", "").startswith("test_small_pool_drains_and_refills")]
    assert len(drained) == 2 and not [c for c in drained if c.find("skipped") is not None], run.stdout[-4000:]


@pytest.mark.slow
def test_four_workers_pass_the_second_server(tmp_path: Path) -> None:
    """Four workers against the independent second server (one program setting, null read as absent): long tests run
    beside other workers' batches, so a request that draws unannounced (an attach whose code is null) fails them."""
    run = many_seeds.run_suite("creation-off", "1", tmp_path, pytest_workers=4)
    assert run.exit_code == 0, run.tail
