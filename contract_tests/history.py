"""Each rule's verdicts over many runs: a JSON Lines file of streaks, kept small, merged from several CI runs.

One line per streak: a rule's verdict against one target and API version over consecutive runs,

    {"rule": "attach.code-free", "target": "staging", "api_version": "74", "verdict": "pass",
     "first": "2026-12-01T03:17:02Z", "last": "2026-12-02T03:17:05Z", "runs": 2,
     "first_run": "ct2612010317...", "last_run": "ct2612020317..."}

A contract run appends one line per rule it judged (verdict ``pass``, ``fail`` or ``recorded``; rules not
run leave no line), then the file is compacted: consecutive runs with the same verdict become one line, so
the file grows with the number of verdict changes, not of runs. ``python -m contract_tests.history merge
-o OUT IN...`` merges the histories of several CI runs (artifacts) into one; a history merged with itself,
or with an older copy of itself, counts no run twice (streaks from one chain of runs share their first run).

Nothing here imports pytest: the documentation site (``docsite``) reads the history through ``summary``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

FAILED = "fail"
VERDICTS = ("pass", FAILED, "recorded")
MAX_STREAKS = 400  # per rule, target and version: a rule flipping every night keeps a year and more
_FIELDS = ("rule", "target", "api_version", "verdict", "first", "last", "runs", "first_run", "last_run")


class HistoryError(ValueError):
    """A history file that cannot be read: names the file and line, says what to do."""


@dataclass(frozen=True)
class Streak:
    """One rule's verdict against one target and API version over ``runs`` consecutive runs."""

    rule: str
    target: str
    api_version: str
    verdict: str
    first: str  # ISO 8601 UTC date-time of the streak's first run
    last: str
    runs: int
    first_run: str  # the runs' ids (their code prefixes)
    last_run: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What a streak is the history of: (rule, target, API version)."""
        return (self.rule, self.target, self.api_version)


@dataclass(frozen=True)
class Summary:
    """What a rule page shows of a rule's history against one target and version."""

    runs: int
    first_failed: str | None  # date of the first failing run
    last_passed: str | None  # date of the last run that did not fail
    last_failed: str | None
    flips: int  # changes between failing and not failing, run to run
    last_verdict: str


def run_streaks(verdicts: dict[str, str], *, target: str, api_version: str, date: str, run_id: str) -> list[Streak]:
    """The lines one run adds: each judged rule's verdict as a streak of one run."""
    return [
        Streak(rule, target, api_version, verdict, date, date, 1, run_id, run_id)
        for rule, verdict in verdicts.items()
        if verdict in VERDICTS
    ]


def read(path: Path) -> list[Streak]:
    """Every streak of a history file ([] when it does not exist); HistoryError naming a bad line."""
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                streak = Streak(**{name: data[name] for name in _FIELDS})
            except (ValueError, KeyError, TypeError) as exc:
                raise HistoryError(
                    f"{path}:{number}: not a history line ({type(exc).__name__}: {exc}); each line needs "
                    f"{', '.join(_FIELDS)} (remove or fix the line, or start a new history)"
                ) from None
            if streak.verdict not in VERDICTS or not isinstance(streak.runs, int) or streak.runs < 1:
                raise HistoryError(f"{path}:{number}: verdict must be one of {VERDICTS} and runs a positive integer")
            found.append(streak)
    return found


def compact(streaks: Iterable[Streak]) -> list[Streak]:
    """One line per streak: same-verdict neighbours in time joined, copies of one streak counted once."""
    grouped: dict[tuple[str, str, str], list[Streak]] = {}
    for streak in streaks:
        grouped.setdefault(streak.key, []).append(streak)
    out: list[Streak] = []
    for key in sorted(grouped):
        joined: list[Streak] = []
        for streak in sorted(grouped[key], key=lambda s: (s.first, s.last, s.first_run)):
            if joined and joined[-1].verdict == streak.verdict:
                joined[-1] = _join(joined[-1], streak)
            else:
                joined.append(streak)
        if len(joined) > MAX_STREAKS:  # keep the first failure (a rule page shows it) and the newest streaks
            first_failure = [s for s in joined if s.verdict == FAILED][:1]
            joined = [*first_failure, *[s for s in joined[-MAX_STREAKS:] if s not in first_failure]]
        out += joined
    return out


def _join(a: Streak, b: Streak) -> Streak:
    """Two streaks of one verdict: one of them again (a copy, or an older copy of a longer one), or adjacent."""
    overlapping = b.first <= a.last
    same_origin = a.first_run == b.first_run or a.last_run == b.last_run
    runs = max(a.runs, b.runs) if overlapping and same_origin else a.runs + b.runs
    last, last_run = (b.last, b.last_run) if b.last >= a.last else (a.last, a.last_run)
    return replace(a, runs=runs, last=last, last_run=last_run)


def write(path: Path, streaks: Iterable[Streak]) -> None:
    """Write a history file whole (a temporary file, then renamed: never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps({name: getattr(s, name) for name in _FIELDS}, ensure_ascii=False, separators=(",", ":")) + "\n"
        for s in streaks
    )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def append(path: Path, streaks: Iterable[Streak]) -> None:
    """Add one run's lines to the history file and compact it."""
    write(path, compact([*read(path), *streaks]))


def merge(paths: Sequence[Path], out: Path) -> int:
    """Merge several history files into ``out`` (which may be one of them); the number of lines written."""
    streaks = compact(s for path in paths for s in read(path))
    write(out, streaks)
    return len(streaks)


def by_key(streaks: Iterable[Streak]) -> dict[tuple[str, str, str], list[Streak]]:
    """Streaks grouped by (rule, target, API version), oldest first: read once, summarised per rule page."""
    grouped: dict[tuple[str, str, str], list[Streak]] = {}
    for streak in streaks:
        grouped.setdefault(streak.key, []).append(streak)
    for mine in grouped.values():
        mine.sort(key=lambda s: (s.first, s.last))
    return grouped


def summary(streaks: Iterable[Streak], rule: str, target: str, api_version: str) -> Summary | None:
    """First failure, last pass, flips and run count of one rule against one target and version."""
    return summarise(by_key(streaks).get((rule, target, api_version), []))


def summarise(mine: Sequence[Streak]) -> Summary | None:
    """The summary of one key's streaks, oldest first (``by_key``)."""
    if not mine:
        return None
    flips = sum(1 for a, b in pairwise(mine) if (a.verdict == FAILED) != (b.verdict == FAILED))
    failing = [s for s in mine if s.verdict == FAILED]
    passing = [s for s in mine if s.verdict != FAILED]
    return Summary(
        runs=sum(s.runs for s in mine),
        first_failed=failing[0].first if failing else None,
        last_passed=max(s.last for s in passing) if passing else None,
        last_failed=max(s.last for s in failing) if failing else None,
        flips=flips,
        last_verdict=mine[-1].verdict,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m contract_tests.history merge -o OUT IN...``."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.history", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    joining = commands.add_parser("merge", help="merge history files (e.g. several CI runs' artifacts) into one")
    joining.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="history files (JSON Lines)")
    joining.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="the merged file")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.inputs if not p.is_file()]
    if missing:
        print(f"error: no such history file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        count = merge(args.inputs, args.output)
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.output}: {count} line(s) from {len(args.inputs)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
