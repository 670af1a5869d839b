"""The printed seed reproduces a run: two runs with one --hypothesis-seed send the same requests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contract_tests.harness import TOKEN, run_suite, serving_mock, write_target

RUN_PREFIX = re.compile(r"ct\d{12}[0-9a-f]{4}-")  # the per-run code prefix: codes must be new on every run
# Schemathesis cases and the rule cases that draw random values (wrong tokens, unknown profiles)
SELECTION = "test_api or token-wrong or profile-unknown or scoping"


def _trace(tmp: Path, name: str, seed: str) -> list[str]:
    work = tmp / name
    work.mkdir()
    with serving_mock(()) as url:
        target = write_target(url, work / "target.yaml")
        trace = work / "requests.txt"
        run = run_suite(
            target,
            work,
            *("--hypothesis-seed", seed, "-k", SELECTION, "--trace-requests", str(trace)),
            env={"ALTCRAFT_TOKEN": TOKEN},
        )
    assert run.returncode == 0, run.stdout[-3000:]
    return RUN_PREFIX.sub("<run>-", trace.read_text(encoding="utf-8")).splitlines()


@pytest.mark.slow
def test_one_seed_sends_the_same_requests(tmp_path: Path) -> None:
    first, second = _trace(tmp_path, "a", "424242"), _trace(tmp_path, "b", "424242")
    assert len(first) > 200
    differ = [(a, b) for a, b in zip(first, second, strict=False) if a != b]
    assert len(first) == len(second) and not differ, f"first difference: {differ[:1]}"
    other = _trace(tmp_path, "c", "7")
    assert other != first, "another seed should send other requests"
