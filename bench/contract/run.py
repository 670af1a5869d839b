"""The contract suite's wall time by target: program size and network round trip, sequential and with workers.

Runs the default profile (``python -m pytest contract_tests --target FILE``) against a fresh promo-mock per run:

* ``default seed``: the baseline;
* ``20,000 codes``: programs 11 and 12 each hold 20,000 more codes (goal: within 1.5x of the baseline);
* ``20 ms RTT``: the default seed behind bench/contract/delay_proxy.py (10 ms each way), sequential and with
  ``-n 4`` (goal with workers: within 60 s).

Runs the settings in alternating rounds (one run of each per round, so a busy spell of the shared machine hits
every setting alike) and prints medians of ``--repeat`` rounds, ratios to the baseline, requests and bytes
received per run. A run that does not pass keeps its output under ``--keep`` (default reports/bench-contract)
and the table names its failing tests.
Usage: python bench/contract/run.py [--repeat N] [--only NAME ...] [--workers N] [--codes N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from delay_proxy import delayed

from contract_tests.harness import run_suite, serving_mock, write_target
from mock_server.seed import default_seed_path

TOKEN = "bench-contract-token"
BIG = 20_000  # codes added to each of programs 11 and 12 (the goal: within 1.5x of the default seed)


@dataclass(frozen=True)
class Setting:
    """One way to run the suite: which seed, how much delay, how many workers."""

    name: str
    big: bool = False
    delay_ms: float = 0.0
    workers: int = 0


@dataclass(frozen=True)
class Outcome:
    """One run: seconds, exit code, requests and bytes received (from the report)."""

    seconds: float
    exit_code: int
    requests: int
    received: int
    failed: tuple[str, ...] = ()  # the failing tests' ids (pytest's FAILED/ERROR lines)


def big_seed(path: Path, size: int = BIG) -> Path:
    """The default seed plus ``size`` free codes in each of programs 11 and 12."""
    seed = yaml.safe_load(default_seed_path().read_text(encoding="utf-8"))
    for program in seed["programs"]:
        if program["id"] in (11, 12):
            program["codes"] = list(program["codes"]) + [f"B{program['id']}-{n:06d}" for n in range(size)]
    path.write_text(yaml.safe_dump(seed), encoding="utf-8")
    return path


def run_once(setting: Setting, work: Path, seed: Path, keep: Path) -> Outcome:
    """Run the suite once in ``setting`` against a fresh mock; a failing run leaves its output in ``keep``."""
    with serving_mock((), token=TOKEN, seed=seed if setting.big else None) as url, contextlib.ExitStack() as stack:
        if setting.delay_ms:
            url = stack.enter_context(delayed(url, delay_ms=setting.delay_ms / 2))
        target = write_target(url, work / "target.yaml")
        extra = ["-n", str(setting.workers)] if setting.workers else []
        started = time.monotonic()
        done = run_suite(target, work, *extra, env={"ALTCRAFT_TOKEN": TOKEN}, timeout=3600)
        seconds = time.monotonic() - started
    report_path = work / "reports" / "contract-report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    failed: tuple[str, ...] = ()
    if done.returncode != 0:
        keep.mkdir(parents=True, exist_ok=True)
        log = keep / f"{work.name}.log"
        log.write_text(done.stdout + "\n--- stderr ---\n" + done.stderr, encoding="utf-8")
        if report_path.exists():
            (keep / f"{work.name}.report.json").write_text(report_path.read_text(encoding="utf-8"), encoding="utf-8")
        failed = tuple(
            line.split(" - ")[0] for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))
        ) or (f"exit {done.returncode}, see {log}",)
    return Outcome(
        seconds, done.returncode, int(report.get("requests", 0)), int(report.get("bytes_received", 0)), failed
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a run did not pass."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting; medians are printed (default 1)")
    parser.add_argument("--workers", type=int, default=4, help="workers of the parallel setting (default 4)")
    parser.add_argument("--only", nargs="*", default=None, help="setting names to run (default: all)")
    parser.add_argument(
        "--codes", type=int, default=BIG, help=f"codes added to programs 11 and 12 in the big setting (default {BIG})"
    )
    parser.add_argument(
        "--keep", type=Path, default=Path("reports/bench-contract"), help="where failing runs' output goes"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.workers < 1 or not 0 < args.codes < 1_000_000:
        parser.error("--repeat and --workers must be at least 1, --codes between 1 and 999,999")
    settings = [
        Setting("default seed"),
        Setting(f"{args.codes:,} codes in programs 11 and 12", big=True),
        Setting("default seed, 20 ms RTT", delay_ms=20),
        Setting(f"default seed, 20 ms RTT, -n {args.workers}", delay_ms=20, workers=args.workers),
    ]
    names = {s.name for s in settings}
    if args.only:
        # a name selects its setting; a part of a name, every setting whose name holds it
        settings = [s for s in settings if any(o == s.name or (o in s.name and o not in names) for o in args.only)]
        if not settings:
            parser.error(f"--only {' '.join(args.only)} names no setting")
    outcomes: dict[str, list[Outcome]] = {s.name: [] for s in settings}
    with tempfile.TemporaryDirectory(prefix="bench-contract-") as tmp:
        seed = big_seed(Path(tmp) / "big-seed.yaml", args.codes)
        for index in range(args.repeat):  # alternating rounds: every setting once per round
            for setting in settings:
                work = Path(tmp) / f"{setting.name}-{index}".replace(" ", "_").replace(",", "")
                work.mkdir()
                outcomes[setting.name].append(run_once(setting, work, seed, args.keep))
                print(
                    f"round {index + 1}/{args.repeat}: {setting.name}: {outcomes[setting.name][-1].seconds:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    print(f"contract suite, default profile, medians of {args.repeat} alternating round(s)")
    print("(the machine is shared with other jobs: timings are noisy; the ratio is the figure to compare)")
    print("| target | median s | runs s | vs default seed | requests | MB received | exit |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    baseline = (
        statistics.median(o.seconds for o in outcomes[settings[0].name]) if settings[0].name == "default seed" else None
    )
    failed = False
    for setting in settings:
        runs = outcomes[setting.name]
        median = statistics.median(o.seconds for o in runs)
        ratio = f"{median / baseline:.2f}x" if baseline else "-"
        last = runs[-1]
        codes = ",".join(str(o.exit_code) for o in runs)
        spread = ", ".join(f"{o.seconds:.1f}" for o in runs)
        failed |= any(o.exit_code for o in runs)
        print(
            f"| {setting.name} | {median:.1f} | {spread} | {ratio} | {last.requests} | {last.received / 1e6:.1f} "
            f"| {codes} |",
            flush=True,
        )
    for setting in settings:
        for index, outcome in enumerate(outcomes[setting.name]):
            if outcome.exit_code:
                print(f"run {index + 1} of {setting.name!r} did not pass: " + "; ".join(outcome.failed[:5]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
