"""Cost independent of program size: cases that need no listing read their codes with get, not export_all."""

from __future__ import annotations

from pathlib import Path

from contract_tests.harness import run_suite, serving_mock, write_target

TOKEN = "economy-token-not-a-secret"


def test_scoping_and_refused_export_all_cases_export_only_at_the_batch_edges(tmp_path: Path) -> None:
    """14 scoping cases and 4 refused export_all cases: the batch's two exports of each program, nothing per case."""
    with serving_mock((), token=TOKEN) as url:
        target = write_target(url, tmp_path / "target.yaml")
        trace = tmp_path / "requests.txt"
        selection = "test_scoping or (token-wrong and export_all)"
        extra = ("-k", selection, "--trace-requests", str(trace))
        run = run_suite(target, tmp_path, *extra, env={"ALTCRAFT_TOKEN": TOKEN})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "18 passed" in run.stdout, run.stdout[-2000:]
    lines = trace.read_text(encoding="utf-8").splitlines()
    exports = [line for line in lines if line.startswith("POST export_all ")]
    gets = [line for line in lines if line.startswith("POST get ")]
    programs = 3  # the mock target's personal, universal and exhausted programs
    under_test = 4 + 1  # the refused export_all rule cases' own requests, the unknown-program export_all case's
    run_end = 2 * 2  # cleanup reads programs 11 and 12, and the report their sizes afterwards
    # one batch: every program at its start and its end; per case nothing (whole-program reads per case: ~90)
    assert len(exports) <= 2 * programs + under_test + run_end, f"{len(exports)} export_all requests for 18 cases"
    assert len(gets) >= 14 * 4  # each scoping case reads its code in both programs, before and after
