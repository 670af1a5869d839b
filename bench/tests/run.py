"""Test time: ``make unit`` (the developer's loop) and ``make test`` (CI) beside one default ``make contract``.

Each round runs ``make contract``, ``make unit`` and ``make test`` (which runs every part, two at a time: lint,
typecheck, check-generated, typecheck-generated, unit, slow, contract, seeds, power) and prints their seconds, their
ratios to the ``make contract`` of the same round, their CPU seconds (user + system of every process they waited
for: on a machine shared with other jobs the wall time says how busy it was, the CPU time what the part costs) and
the goals: ``make unit`` under 4 minutes, ``make test`` under 10. ``--parts`` also times each part of ``make test``
alone. ``--repeat N`` runs N rounds and prints medians. mypy's caches are removed before every run that type-checks
(``--warm`` keeps them): CI type-checks a clean clone. Each
target's output (with its ``--durations``) is kept in ``reports/bench-tests/TARGET.log``.

Usage: python bench/tests/run.py [--repeat N] [--parts] [--only TARGET ...] [--warm]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("contract", "unit", "test")
PARTS = ("lint", "typecheck", "check-generated", "typecheck-generated", "unit", "slow", "contract", "seeds", "power")
KEEP = ROOT / "reports" / "bench-tests"  # the last run of each target's output
GOALS = {"unit": 240.0, "test": 600.0}  # seconds: issue 17


@dataclass(frozen=True)
class Timed:
    """One ``make TARGET``: seconds, CPU seconds and exit code; the output's tail when it failed."""

    target: str
    seconds: float
    cpu: float
    exit_code: int
    tail: str = ""


def _drop_mypy_caches() -> None:
    for cache in ROOT.rglob(".mypy_cache"):
        if ".venv" not in cache.parts and "node_modules" not in cache.parts:
            shutil.rmtree(cache, ignore_errors=True)


def run_make(target: str, *, warm: bool) -> Timed:
    """Run ``make TARGET`` from the repository's root and time it (wall and CPU)."""
    if target in ("test", "typecheck", "typecheck-generated") and not warm:
        _drop_mypy_caches()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    KEEP.mkdir(parents=True, exist_ok=True)  # every run's output, for its --durations and failures
    (KEEP / f"{target}.log").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr, encoding="utf-8")
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:]) if done.returncode else ""
    return Timed(target, seconds, cpu, done.returncode, tail)


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a target failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are printed (default 1)")
    parser.add_argument("--parts", action="store_true", help="also time each part of make test alone")
    parser.add_argument("--only", nargs="+", choices=TARGETS, help="only these (make contract always runs)")
    parser.add_argument("--warm", action="store_true", help="keep mypy's caches (default: removed, as in CI)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    targets = [t for t in TARGETS if not args.only or t in args.only or t == "contract"]
    if args.parts:
        targets += [f"part:{p}" for p in PARTS if p not in targets]
    load = os.getloadavg()[0]
    runs: dict[str, list[Timed]] = {t: [] for t in targets}
    for index in range(args.repeat):
        for target in targets:
            runs[target].append(run_make(target.removeprefix("part:"), warm=args.warm))
            print(f"round {index + 1}/{args.repeat}: make {target}: {runs[target][-1].seconds:.1f} s", file=sys.stderr)
    median = {t: statistics.median(r.seconds for r in runs[t]) for t in targets}
    cpu = {t: statistics.median(r.cpu for r in runs[t]) for t in targets}
    contract = median["contract"]
    print(f"test time, medians of {args.repeat} round(s) (the machine is shared with other jobs: noisy)")
    print(f"load average at the start: {load:.1f}, at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print("| make | median s | runs s | vs make contract | CPU s | goal | exit |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for target in targets:
        spread = ", ".join(f"{r.seconds:.1f}" for r in runs[target])
        codes = ",".join(str(r.exit_code) for r in runs[target])
        goal = GOALS.get(target)
        verdict = "-" if goal is None else f"< {goal:.0f} s: {'met' if median[target] < goal else 'NOT MET'}"
        print(
            f"| {target} | {median[target]:.1f} | {spread} | {median[target] / contract:.2f}x | {cpu[target]:.0f} "
            f"| {verdict} | {codes} |"
        )
    failed = [r for target in targets for r in runs[target] if r.exit_code]
    for r in failed:
        print(f"\nmake {r.target} exited {r.exit_code}:\n{r.tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
