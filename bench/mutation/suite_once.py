"""Cosmic Ray's test command: the contract suite's mutation profile against the mock of this tree, once per mutant.

Runs from the root of a worker's copy of the tree (bench/mutation/run.py starts the workers there), so the
promo-mock it starts imports the mutated module of that copy. Two phases, each a fixed-seed ``--profile mutation``
run (smoke's cases with the default profile's state machine, contract_tests/budgets.py) that stops at its first
failure (``-x``):

1. the embedded mock as ``make contract`` starts it: API v72, the default seed (every rule, every matching mode,
   every request x response format pair once, the state machine, Schemathesis, the race);
2. only when phase 1 passes: a promo-mock serving API v74 (the bearer header) on the seed whose programs do not create
   codes (``creation_disallowed_seed.yaml``, declared in the target file's ``program_settings``), which phase 1
   cannot reach, and only that (``-k``): the v74 bearer-header rules and the creation-disallowed attach rules.

Exit 0 when both pass (the mutant survived), else the failing phase's exit code (the mutant is killed). The last
line of the output says which phase ended the run, its exit code and the first failing test: run.py reads it into
RESULTS.md. Usage: python bench/mutation/suite_once.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))  # this copy's packages before the editable install's (the mutated module is here)

from contract_tests.harness import TOKEN, run_suite, seed_path, serving_mock, write_target  # noqa: E402

SEED = "1"  # --hypothesis-seed: every run of a mutant sends the same requests
PROFILE = ("--profile", "mutation", "-x", f"--hypothesis-seed={SEED}")
CREATION_DISALLOWED = "creation_disallowed_seed.yaml"
# phase 2 runs what phase 1 cannot reach: the bearer-header rules (v74) and the creation-disallowed attach rules
PHASE_2 = "auth.header or creation-disallowed"
MARK = "mutation-phase:"  # run.py finds the verdict line by this prefix


def first_failure(stdout: str) -> str:
    """The first ``FAILED``/``ERROR`` line of pytest's short summary ('' when none)."""
    return next((line for line in stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))), "")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        work = Path(tmp)
        started = time.monotonic()
        run = run_suite(None, work / "p1", *PROFILE)  # the embedded mock: v72, default seed
        print(run.stdout[-4000:])
        if run.returncode != 0:
            print(f"{MARK} 1 exit {run.returncode} {time.monotonic() - started:.1f}s {first_failure(run.stdout)}")
            return run.returncode
        with serving_mock(api_version="74", seed=seed_path(CREATION_DISALLOWED)) as url:
            target = write_target(url, work / "target.yaml", api_version="74", seed=CREATION_DISALLOWED)
            run = run_suite(target, work / "p2", *PROFILE, "-k", PHASE_2, env={"ALTCRAFT_TOKEN": TOKEN})
        print(run.stdout[-4000:])
        phase = 2 if run.returncode != 0 else 0
        print(f"{MARK} {phase} exit {run.returncode} {time.monotonic() - started:.1f}s {first_failure(run.stdout)}")
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
