"""Test time: ``make unit`` (the developer's loop) and ``make test`` (CI) beside one default ``make contract``.

Runs every part of ``make test`` once per round, each as its own ``make PART`` (lint, typecheck, check-generated,
typecheck-generated, unit, slow, contract, seeds, power: ``make test`` is exactly these, one after another), and
prints each part's seconds, its ratio to the ``make contract`` run of the same round, and the totals against the
goals: ``make unit`` under 4 minutes, ``make test`` under 10. ``--repeat N`` runs N rounds and prints medians.
mypy's caches are removed before the type checks (``--warm`` keeps them): CI type-checks a clean clone. Each part's
CPU seconds (its processes' user + system time) are printed too: on a machine shared with other jobs they say what
the part costs when the wall time says how busy the machine was.

Usage: python bench/tests/run.py [--repeat N] [--only PART ...] [--warm]
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
PARTS = ("lint", "typecheck", "check-generated", "typecheck-generated", "unit", "slow", "contract", "seeds", "power")
LOAD: list[float] = []  # the load average when the bench started (other jobs share the machine)
GOALS = {"unit": 240.0, "test": 600.0}  # seconds: issue 17


@dataclass(frozen=True)
class Timed:
    """One ``make PART``: seconds and exit code; the output's tail when it failed."""

    part: str
    seconds: float
    exit_code: int
    tail: str = ""
    cpu: float = 0.0  # CPU seconds (user + system) of the part and every process it waited for


def _caches() -> list[Path]:
    return [p for p in ROOT.rglob(".mypy_cache") if ".venv" not in p.parts and "node_modules" not in p.parts]


def run_part(part: str, *, warm: bool) -> Timed:
    """Run ``make PART`` from the repository's root and time it."""
    if part.startswith("typecheck") and not warm:
        for cache in _caches():
            shutil.rmtree(cache, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", part], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:]) if done.returncode else ""
    return Timed(part, seconds, done.returncode, tail, cpu)


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a part failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are printed (default 1)")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="only these parts (make contract always runs)")
    parser.add_argument("--warm", action="store_true", help="keep mypy's caches (default: removed, as in CI)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    LOAD[:] = list(os.getloadavg())
    parts = [p for p in PARTS if not args.only or p in args.only or p == "contract"]
    runs: dict[str, list[Timed]] = {p: [] for p in parts}
    for index in range(args.repeat):  # one round: every part once, in make test's order
        for part in parts:
            runs[part].append(run_part(part, warm=args.warm))
            print(f"round {index + 1}/{args.repeat}: make {part}: {runs[part][-1].seconds:.1f} s", file=sys.stderr)
    median = {p: statistics.median(t.seconds for t in runs[p]) for p in parts}
    contract = median["contract"]
    cpu = {p: statistics.median(t.cpu for t in runs[p]) for p in parts}
    print(f"test time, medians of {args.repeat} round(s); each part is `make PART` (the machine is shared: noisy)")
    print(f"load average before: {LOAD[0]:.1f}, after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print("| part | median s | runs s | vs make contract | CPU s | exit |")
    print("| --- | --- | --- | --- | --- | --- |")
    for part in parts:
        spread = ", ".join(f"{t.seconds:.1f}" for t in runs[part])
        codes = ",".join(str(t.exit_code) for t in runs[part])
        print(
            f"| {part} | {median[part]:.1f} | {spread} | {median[part] / contract:.1f}x | {cpu[part]:.0f} | {codes} |"
        )
    print()
    totals = {"unit": median.get("unit"), "test": sum(median.values()) if set(parts) == set(PARTS) else None}
    cpu_total = sum(cpu.values())
    for name, total in totals.items():
        if total is None:
            continue
        used = cpu["unit"] if name == "unit" else cpu_total
        verdict = "within" if total <= GOALS[name] else "OVER"
        print(
            f"make {name}: {total:.0f} s = {total / contract:.1f}x make contract ({contract:.1f} s); "
            f"goal {GOALS[name]:.0f} s: {verdict} ({used:.0f} CPU s)"
        )
    failed = [t for part in parts for t in runs[part] if t.exit_code]
    for t in failed:
        print(f"\nmake {t.part} exited {t.exit_code}:\n{t.tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
