"""The rule history: one run's lines, compaction into streaks, summaries, merging CI runs' files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract_tests import history

T0 = datetime.now(UTC).replace(microsecond=0)  # dates from the clock, one day apart


def _date(day: int) -> str:
    return (T0 + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _runs(path: Path, verdicts: list[str], *, start: int = 0, target: str = "s") -> None:
    for day, verdict in enumerate(verdicts, start):
        lines = history.run_streaks(
            {"attach.code-free": verdict, "get.code-free": "pass", "x.skipped": "not run"},
            target=target,
            api_version="74",
            date=_date(day),
            run_id=f"run{day}",
        )
        history.append(path, lines)


def test_streaks_keep_the_file_small_and_the_summary_exact(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    _runs(path, ["pass", "pass", "fail", "fail", "pass", "pass", "pass"])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4  # attach: pass, fail, pass streaks; get: one streak. Not run: no line
    assert all(len(line) < 300 for line in lines)
    found = history.summary(history.read(path), "attach.code-free", "s", "74")
    assert found == history.Summary(
        runs=7, first_failed=_date(2), last_passed=_date(6), last_failed=_date(3), flips=2, last_verdict="pass"
    )
    steady = history.summary(history.read(path), "get.code-free", "s", "74")
    assert steady is not None and (steady.runs, steady.flips, steady.first_failed) == (7, 0, None)
    assert history.summary(history.read(path), "get.code-free", "other", "74") is None


def test_merging_a_history_with_an_older_copy_of_itself_counts_no_run_twice(tmp_path: Path) -> None:
    older, newer = tmp_path / "older.jsonl", tmp_path / "newer.jsonl"
    _runs(older, ["pass", "fail", "pass"])
    newer.write_bytes(older.read_bytes())
    _runs(newer, ["pass", "fail"], start=3)  # the next two nightly runs, appended to a copy
    merged = tmp_path / "merged.jsonl"
    history.merge([older, newer, newer], merged)
    assert history.read(merged) == history.read(newer)
    found = history.summary(history.read(merged), "attach.code-free", "s", "74")
    # pass fail pass, then pass fail: five runs, three flips
    assert found is not None and (found.runs, found.flips, found.last_failed) == (5, 3, _date(4))


def test_merging_histories_of_other_targets_keeps_both(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _runs(a, ["pass", "pass"], target="cloud")
    _runs(b, ["fail"], target="on-prem")
    out = tmp_path / "out.jsonl"
    assert history.main(["merge", str(a), str(b), "-o", str(out)]) == 0
    streaks = history.read(out)
    assert {s.target for s in streaks} == {"cloud", "on-prem"}
    cloud = history.summary(streaks, "attach.code-free", "cloud", "74")
    assert cloud is not None and cloud.runs == 2


def test_a_bad_history_line_is_named_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    _runs(good, ["pass"])
    bad.write_text(good.read_text(encoding="utf-8") + json.dumps({"rule": "x"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert history.main(["merge", str(good), str(bad), "-o", str(out)]) == 2
    assert f"{bad}:3" in capsys.readouterr().err
    assert not out.exists()
    assert history.main(["merge", str(tmp_path / "missing.jsonl"), "-o", str(out)]) == 2


def test_only_changes_between_failing_and_not_failing_are_flips(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    _runs(path, ["recorded", "pass", "recorded", "fail"])  # e.g. the rule's status changed between versions
    found = history.summary(history.read(path), "attach.code-free", "s", "74")
    assert found is not None and (found.flips, found.first_failed, found.last_passed) == (1, _date(3), _date(2))
