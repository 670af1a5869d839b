"""The token never leaves the process: run the suite against a faulty mock with a canary token and grep everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.harness import run_suite, serving_mock, write_target

CANARY = "CANARY-7f3a9c51-token"


@pytest.mark.slow
def test_canary_token_appears_nowhere(tmp_path: Path) -> None:
    faults = ("xml-response-wrong-shape", "activate-unattached-ok", "auth-prefix-token")
    env = {"ALTCRAFT_TOKEN": CANARY}
    outputs = []
    with serving_mock(faults, token=CANARY) as url:
        target = write_target(url, tmp_path / "target.yaml")
        for name, extra in (
            ("rules", ("--maxfail=4", "-k", "activate.code or get.code")),
            ("api", ("--maxfail=2", "-k", "test_api")),
            ("auth", ("--maxfail=2", "-k", "token-wrong")),  # failures show the near-miss wrong tokens
        ):
            work = tmp_path / name
            work.mkdir()
            run = run_suite(target, work, *extra, "-v", "-rA", env=env)
            assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
            assert "***" in run.stdout, "failures should show requests with the token masked"
            outputs += [run.stdout, run.stderr]
            outputs += [p.read_text(encoding="utf-8") for p in sorted(work.rglob("*")) if p.is_file()]
    assert len(outputs) >= 12  # stdout, stderr, JUnit XML, two reports, per run
    for secret in (CANARY, CANARY[:-1]):  # the token, and a near miss the wrong-token rule sends
        leaks = [text[max(0, text.find(secret) - 200) : text.find(secret) + 50] for text in outputs if secret in text]
        assert not leaks, f"the canary token leaked: {leaks[:2]}"
