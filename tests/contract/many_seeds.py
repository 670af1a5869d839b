"""The suite passes the faithful mock and the second server (every configuration) under many seeds.

``python -m tests.contract.many_seeds [--seeds 10] [--workers 2] [--pytest-workers N]`` (``make seeds``, part of
``make test``) runs the whole suite once per seed and target (``--pytest-workers N``: each run on N pytest-xdist
workers, which share the server: the workers' locks and scheduling under many seeds); it exits 1 when any run
fails and prints each failing run's seed, which reproduces it (``--hypothesis-seed``; the second server gets the
same seed as ``INDEP_SEED``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contract_tests.harness import ROOT, TOKEN, serving_mock, write_target
from contract_tests.harness import run_suite as run_contract_suite

SECOND = ROOT / "tests" / "contract" / "second_server"
SECOND_TOKEN = "second-server-token"
SECOND_CONFIGS: dict[str, dict[str, str]] = {
    # text/xml answers, HTTP 400/401 statuses, error envelopes without data, null and "" read as absent,
    # integer field_value accepted; the other reading of each contradiction the spec takes a stance on
    # (no matching: the identifier sent decides; integer format; matching email_profile), and of the code identity
    # the spec takes where the docs are silent (x-code-identity: case and whitespace around a code do not count)
    "text-xml-http-status": {
        "INDEP_HTTP_STATUS": "1",
        "INDEP_ERROR_NO_DATA": "1",
        "INDEP_READINGS": "1",
        "INDEP_CODE_IDENTITY": "case-insensitive-trimmed",
    },
    # application/xml, strict null, string-only field_value, unused identifiers ignored, other state choices,
    # HTTP 400/401 statuses
    "probe2-strict": {
        "INDEP_PROBE2": "1",
        "INDEP_XML_CTYPE": "application/xml",
        "INDEP_STRICT_EMPTY": "1",
        "INDEP_FV_STRING_ONLY": "1",
        "INDEP_IGNORE_UNUSED": "1",
        "INDEP_HTTP_STATUS": "1",
        "INDEP_CODE_IDENTITY": "case-insensitive",  # another reading of x-code-identity
    },
    # the Russian attach page's program setting, declared in the target file (program_settings): no program
    # creates codes (an unknown code is refused, an empty pool stays empty) ...
    "creation-off": {"INDEP_NO_CREATE": "11,12,13"},
    # ... or every program does, and an attach without a code creates one when none is free
    "creation-on": {"INDEP_CREATE_ON_EMPTY": "1", "INDEP_CODE_IDENTITY": "trimmed"},
}
_EVERY = ("personal", "universal", "exhausted")
SECOND_TARGET_EXTRAS: dict[str, dict[str, Any]] = {
    "text-xml-http-status": {"xml_content_type": "text/xml"},
    "creation-off": {"program_settings": {kind: {"creates_codes": False} for kind in _EVERY}},
    "creation-on": {"program_settings": {kind: {"creates_codes": True} for kind in _EVERY}},
}
TARGETS = ("mock", *sorted(SECOND_CONFIGS))
# ten fixed seeds: CI repeats the same runs, and a failure names the seed that reproduces it
SEEDS = ("20261126", "1", "42", "777", "31337", "271828", "314159", "8675309", "123456789", "987654321")


@contextmanager
def second_server(config: str, directory: Path, *, seed: str) -> Iterator[Path]:
    """Start the second server in ``config`` (seeded with ``seed``) and yield a target file for it."""
    env = {**os.environ, "ALTCRAFT_TOKEN": SECOND_TOKEN, "INDEP_SEED": seed, **SECOND_CONFIGS[config]}
    process = subprocess.Popen(
        [sys.executable, str(SECOND / "server.py"), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "http://" not in line:
            raise RuntimeError(f"the second server did not start: {line!r}")
        target = yaml.safe_load((SECOND / "target.yaml").read_text(encoding="utf-8"))
        target["base_url"] = line.split()[4]
        target["token_env"] = "SECOND_SERVER_TOKEN"
        target.update(SECOND_TARGET_EXTRAS.get(config, {}))
        path = directory / "target.yaml"
        path.write_text(yaml.safe_dump(target), encoding="utf-8")
        yield path
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def _target_file(target: str, directory: Path, seed: str) -> Iterator[Path]:
    if target == "mock":
        with serving_mock(()) as url:
            yield write_target(url, directory / "target.yaml")
    else:
        with second_server(target, directory, seed=seed) as path:
            yield path


@dataclass(frozen=True)
class Run:
    """One suite run: target, seed, exit code, the tail of its output, seconds."""

    target: str
    seed: str
    exit_code: int
    tail: str
    seconds: float


def run_suite(target: str, seed: str, directory: Path, *, pytest_workers: int = 0) -> Run:
    """Run the whole suite against ``target`` (``mock`` or a second-server configuration) with ``seed`` (on
    ``pytest_workers`` pytest-xdist workers when not 0)."""
    started = time.monotonic()
    env = {"ALTCRAFT_TOKEN": TOKEN, "SECOND_SERVER_TOKEN": SECOND_TOKEN}
    extra = ("-n", str(pytest_workers)) if pytest_workers else ()
    with _target_file(target, directory, seed) as path:
        run = run_contract_suite(path, directory, "--hypothesis-seed", seed, *extra, env=env)
    tail = "\n".join(run.stdout.splitlines()[-40:])
    return Run(target, seed, run.returncode, tail, time.monotonic() - started)


def run_all(seeds: tuple[str, ...], targets: tuple[str, ...], *, workers: int, pytest_workers: int = 0) -> list[Run]:
    """Every target × seed, ``workers`` at a time (each on ``pytest_workers`` pytest-xdist workers when not 0)."""
    jobs = [(t, s) for t in targets for s in seeds]
    with tempfile.TemporaryDirectory(prefix="seeds-") as tmp, ThreadPoolExecutor(max_workers=workers) as pool:
        dirs = [Path(tmp) / f"{t}-{s}" for t, s in jobs]
        for d in dirs:
            d.mkdir()
        return list(
            pool.map(
                lambda job: run_suite(job[0][0], job[0][1], job[1], pytest_workers=pytest_workers),
                zip(jobs, dirs, strict=True),
            )
        )


def main(argv: list[str] | None = None) -> int:
    """Print one line per run; exit 1 when any failed (with its output's tail and its seed)."""
    parser = argparse.ArgumentParser(prog="python -m tests.contract.many_seeds", description=__doc__)
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help=f"how many of the fixed seeds (max {len(SEEDS)})")
    parser.add_argument("--workers", type=int, default=2, help="suite runs at once (default 2)")
    parser.add_argument("--target", choices=TARGETS, action="append", help="only this target (repeatable)")
    parser.add_argument(
        "--pytest-workers", type=int, default=0, help="run each suite on N pytest-xdist workers (default: none)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.seeds <= len(SEEDS):
        parser.error(f"--seeds must be between 1 and {len(SEEDS)}")
    if args.workers < 1 or args.pytest_workers < 0:
        parser.error("--workers must be 1 or more, --pytest-workers 0 or more")
    started = time.monotonic()
    runs = run_all(
        SEEDS[: args.seeds], tuple(args.target or TARGETS), workers=args.workers, pytest_workers=args.pytest_workers
    )
    for r in runs:
        print(
            f"{r.target:22} seed {r.seed:>10}: {'passes' if r.exit_code == 0 else f'FAILS (exit {r.exit_code})'} "
            f"in {r.seconds:.0f} s"
        )
    failed = [r for r in runs if r.exit_code != 0]
    for r in failed:
        print(f"\n--- {r.target}, --hypothesis-seed {r.seed} ---\n{r.tail}")
    print(f"\n{len(runs) - len(failed)}/{len(runs)} runs pass; total {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
