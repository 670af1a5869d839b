"""RESULTS.md from a Cosmic Ray session (bench/mutation/run.py) and the survivors' verdicts (verdicts.yaml).

Every surviving mutant needs a verdict in verdicts.yaml: ``equivalent`` (no server that behaves like it breaks the
documented contract, with the reason) or ``hole`` (the suite should have caught it, with the check that does or
will). A key names one mutant (``FILE:LINE:OPERATOR:OCCURRENCE``), every mutant of an operator on a line
(``FILE:LINE:OPERATOR``) or every mutant of a line (``FILE:LINE``); the most specific key wins. A survivor without a
verdict is listed as ``UNCLASSIFIED`` and the report exits 1.

The score: killed / (mutants run - equivalent survivors), timeouts counted as killed (as Cosmic Ray counts them)
and shown apart.

Usage: python bench/mutation/report.py [--session FILE] [--verdicts FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
MARK = re.compile(r"^mutation-phase: (\d) exit (-?\d+) ([\d.]+)s ?(.*)$", re.M)
EXITS = {
    "1": "contract failure (exit 1)",
    "2": "stopped early (exit 2)",
    "3": "internal error: the embedded mock did not start (exit 3)",
    "4": "refused to start: preflight (exit 4)",
    "5": "no test selected (exit 5)",
    "6": "tool error: the server stopped answering (exit 6)",
}


@dataclass(frozen=True)
class Mutant:
    job_id: str
    path: str
    line: int
    operator: str  # without core/
    occurrence: int
    worker_outcome: str
    test_outcome: str
    output: str
    diff: str

    @property
    def change(self) -> str:
        """The mutated line as the diff shows it (- old / + new), shortened."""
        old = [ln[1:].strip() for ln in self.diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
        new = [ln[1:].strip() for ln in self.diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
        if not old and not new:
            return ""
        return f"`{' '.join(old)[:70]}` → `{' '.join(new)[:70]}`"

    @property
    def first_failure(self) -> str:
        """The first failing test the verdict line names ('' when none)."""
        found = MARK.search(self.output)
        words = found.group(4).split() if found else []
        return words[1].split("::")[-1] if len(words) > 1 else ""

    @property
    def how_killed(self) -> str:
        """Which phase and exit code ended the mutant's run."""
        if self.output.strip() == "timeout":
            return "timeout"
        found = MARK.search(self.output)
        if found is None:
            return "no verdict line (the test command crashed)"
        phase, code = found.group(1), found.group(2)
        return f"phase {phase}: {EXITS.get(code, f'exit {code}')}"


def load(session: Path) -> list[Mutant]:
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT m.job_id, m.module_path, m.start_pos_row, m.operator_name, m.occurrence, "
            "r.worker_outcome, r.test_outcome, r.output, r.diff "
            "FROM mutation_specs m LEFT JOIN work_results r ON r.job_id = m.job_id"
        ).fetchall()
    return [
        Mutant(j, p, int(ln), op.removeprefix("core/"), int(occ), w or "PENDING", t or "", o or "", d or "")
        for j, p, ln, op, occ, w, t, o, d in rows
    ]


def verdict_of(m: Mutant, verdicts: dict[str, dict[str, str]]) -> dict[str, str] | None:
    for key in (
        f"{m.path}:{m.line}:{m.operator}:{m.occurrence}",
        f"{m.path}:{m.line}:{m.operator}",
        f"{m.path}:{m.line}",
    ):
        if key in verdicts:
            return verdicts[key]
    return None


def esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def key(m: Mutant) -> tuple[str, str, int]:
    """A mutant's identity across sessions of the same source: module, operator, occurrence."""
    return (m.path, m.operator, m.occurrence)


def before_section(mutants: list[Mutant], before: list[Mutant], before_campaign: dict[str, str]) -> list[str]:
    """The survivors of an earlier campaign (before the suite's new checks) and what became of them in this one."""
    now = {key(m): m for m in mutants}
    old_run = [m for m in before if m.worker_outcome == "NORMAL"]
    old_killed = [m for m in old_run if m.test_outcome == "KILLED"]
    old_survivors = sorted((m for m in old_run if m.test_outcome == "SURVIVED"), key=lambda m: (m.path, m.line))
    rows = []
    for m in old_survivors:
        n = now.get(key(m))
        fate = "not run" if n is None or n.worker_outcome != "NORMAL" else n.test_outcome.lower()
        if n is not None and n.test_outcome == "KILLED":
            fate += f" ({n.how_killed}{'; ' + n.first_failure if n.first_failure else ''})"
        rows.append(f"| {m.path}:{m.line} | {m.operator} | {m.occurrence} | {esc(m.change)} | {esc(fate)} |")
    newly = sum(1 for r in rows if "| killed" in r)
    return [
        "## Before the new checks: the first campaign's survivors, re-run",
        "",
        *[f"- first campaign {k}: {v}" for k, v in before_campaign.items()],
        f"- first campaign: {len(before)} mutants, {len(old_run)} run, {len(old_killed)} killed, "
        f"{len(old_survivors)} survived",
        f"- of its survivors, this campaign kills {newly}:",
        "",
        "| file:line | operator | occ. | mutation | in this campaign |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def render(
    mutants: list[Mutant],
    verdicts: dict[str, dict[str, str]],
    campaign: dict[str, str],
    before: list[str] | None = None,
) -> tuple[str, int]:
    """The Markdown report and the number of unclassified survivors."""
    skipped = [m for m in mutants if m.worker_outcome == "SKIPPED"]
    run = [m for m in mutants if m.worker_outcome == "NORMAL"]
    pending = [m for m in mutants if m.worker_outcome == "PENDING"]
    broken = [m for m in mutants if m.worker_outcome not in ("SKIPPED", "NORMAL", "PENDING")]
    killed = [m for m in run if m.test_outcome == "KILLED"]
    timeouts = [m for m in killed if m.how_killed == "timeout"]
    survived = sorted((m for m in run if m.test_outcome == "SURVIVED"), key=lambda m: (m.path, m.line, m.operator))
    incompetent = [m for m in run if m.test_outcome not in ("KILLED", "SURVIVED")]
    classified = [(m, verdict_of(m, verdicts)) for m in survived]
    equivalent = [m for m, v in classified if v is not None and v.get("verdict") == "equivalent"]
    holes = [m for m, v in classified if v is not None and v.get("verdict") == "hole"]
    unclassified = [m for m, v in classified if v is None or v.get("verdict") not in ("equivalent", "hole")]
    denominator = len(run) - len(equivalent)
    score = 100.0 * len(killed) / denominator if denominator else 0.0

    skip_reasons = Counter((m.output or "pragma or operator filter").split(":")[0] for m in skipped)
    kill_ways = Counter(m.how_killed for m in killed)
    out = [
        "# Mutation score of the contract suite",
        "",
        "Generated by `bench/mutation/report.py` from the Cosmic Ray session of `make mutation` and the survivors'",
        "verdicts in `bench/mutation/verdicts.yaml`. Do not edit by hand: classify survivors there, rerun the report.",
        "",
        "## The figure",
        "",
        f"**{score:.1f}% of non-equivalent mutants killed** ({len(killed)} killed / ({len(run)} run - "
        f"{len(equivalent)} equivalent survivors) = {len(killed)}/{denominator}).",
        "",
        "| mutants | count |",
        "| --- | --- |",
        f"| generated (cosmic-ray init) | {len(mutants)} |",
        *[f"| skipped: {esc(reason)} | {n} |" for reason, n in sorted(skip_reasons.items())],
        f"| run | {len(run)} |",
        f"| killed (timeouts included) | {len(killed)} |",
        f"| of which timed out | {len(timeouts)} |",
        f"| survived | {len(survived)} |",
        f"| survived: equivalent | {len(equivalent)} |",
        f"| survived: hole | {len(holes)} |",
        f"| survived: unclassified | {len(unclassified)} |",
        f"| incompetent / worker errors | {len(incompetent) + len(broken)} |",
        *([f"| not run yet (campaign unfinished) | {len(pending)} |"] if pending else []),
        "",
        "How the killed mutants were killed (the phase of `suite_once.py` and the suite's exit code):",
        "",
        "| how | mutants |",
        "| --- | --- |",
        *[f"| {esc(way)} | {n} |" for way, n in kill_ways.most_common()],
        "",
        "Any run that does not pass kills a mutant, as in Cosmic Ray. Exit 4 is the preflight refusing to start: the",
        "mutant answers as if the target file were wrong (an unknown profile, a refused token), so the user is told to",
        "fix the file rather than the server; exit 3 is a mutant that keeps the mock from starting at all. Phase 2",
        "kills are the v74 bearer-header and creation-disallowed rules. A timeout would be counted as killed and",
        "shown apart (`cosmic-ray.toml`: 180 s per mutant).",
        "",
        "## The campaign",
        "",
        *[f"- {k}: {v}" for k, v in campaign.items()],
        "",
        "## Reproduce",
        "",
        "```sh",
        "make setup                      # the dev extra pulls the mutation extra: cosmic-ray (pyproject.toml)",
        "make mutation                   # = .venv/bin/python bench/mutation/run.py --workers 2: init, filters, exec,",
        "                                #   this file (session: reports/mutation/session.sqlite, not committed)",
        ".venv/bin/python bench/mutation/report.py [--before OLD_SESSION]   # only the report, after new verdicts",
        ".venv/bin/cosmic-ray dump reports/mutation/session.sqlite          # every mutant, diff and test output",
        ".venv/bin/python bench/mutation/run.py --rerun-survivors OLD_SESSION --session NEW  # OLD's survivors only",
        "```",
        "",
        "One mutant by hand: `cosmic-ray apply` it in a copy of the tree, then `python bench/mutation/suite_once.py` "
        "there (its last line: phase, exit code, first failure).",
        "",
        "## Survivors",
        "",
        "One row per surviving mutant. *equivalent*: no server behaving like the mutant breaks what the docs say "
        "(the reason says why); *hole*: the suite should catch it (the test that does or will).",
        "",
        "| file:line | operator | occ. | mutation | verdict | reason / test |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m, v in classified:
        verdict = v.get("verdict", "UNCLASSIFIED") if v else "UNCLASSIFIED"
        why = (v.get("reason", "") + (f" Test: {v['test']}" if v.get("test") else "")) if v else ""
        out.append(
            f"| {m.path}:{m.line} | {m.operator} | {m.occurrence} | {esc(m.change)} | {verdict} | {esc(why.strip())} |"
        )
    if before:
        out += ["", *before]
    if incompetent or broken:
        out += ["", "## Incompetent mutants and worker errors", ""]
        out += [
            f"- {m.path}:{m.line} {m.operator} #{m.occurrence}: {m.worker_outcome} {m.test_outcome}"
            for m in [*incompetent, *broken]
        ]
    return "\n".join(out) + "\n", len(unclassified)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/mutation/report.py", description=__doc__)
    parser.add_argument("--session", type=Path, default=ROOT / "reports" / "mutation" / "session.sqlite")
    parser.add_argument("--verdicts", type=Path, default=HERE / "verdicts.yaml")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--before", type=Path, metavar="OLD_SESSION", help="an earlier campaign: its survivors' fate")
    args = parser.parse_args(argv)
    if not args.session.is_file():
        parser.error(f"{args.session} is no session database: run make mutation first")
    verdicts = yaml.safe_load(args.verdicts.read_text(encoding="utf-8")) if args.verdicts.is_file() else {}
    meta = args.session.parent / "campaign.json"
    campaign = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
    mutants = load(args.session)
    before = None
    if args.before is not None:
        old_meta = args.before.with_suffix(".json")
        old_campaign = json.loads(old_meta.read_text(encoding="utf-8")) if old_meta.is_file() else {}
        before = before_section(mutants, load(args.before), old_campaign)
    text, unclassified = render(mutants, verdicts or {}, campaign, before)
    args.out.write_text(text, encoding="utf-8")
    print(text.split("## The campaign")[0])
    if unclassified:
        print(f"{unclassified} survivor(s) without a verdict in {args.verdicts}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
