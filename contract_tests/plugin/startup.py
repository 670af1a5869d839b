"""Starting and ending a run: the target, the embedded mock, the preflight, the run's facts in the stash.

The controller (or a lone process) starts the embedded mock when no ``--target`` is given, runs the preflight
and chooses the run's prefix and seed; an xdist worker takes them from the controller (``workers.py``).
"""

from __future__ import annotations

import dataclasses
import os
import random
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from contract_tests.client import Client
from contract_tests.diagnosis import ServerFault
from contract_tests.errors import TOOL_ERROR_EXIT, ToolError, TransportError
from contract_tests.masking import Masker
from contract_tests.plugin.keys import LOCK_DIR_KEY, MASK_KEY, REPORT_KEY, RUN_KEY, SERVER_KEY, STATE_KEY, TARGET_KEY
from contract_tests.plugin.options import only_looking
from contract_tests.plugin.recording import record_rules
from contract_tests.plugin.workers import Controller, trace_parts
from contract_tests.preflight import PreflightError, free_suite_codes, preflight
from contract_tests.report import Report
from contract_tests.session import Run, lock_file
from contract_tests.suite import spec_for
from contract_tests.target import Target, TargetError, load_target
from contract_tests.world import snapshot

MOCK_TARGET = Path(__file__).resolve().parent.parent / "targets" / "mock.yaml"
LEFTOVERS_MAX = 2000  # free codes of earlier runs reused per program at most (far more than a run needs)
PREFLIGHT_TIMEOUT = 5.0  # seconds per preflight request: a wrong target must be named within a few seconds


def pytest_configure(config: pytest.Config) -> None:
    """Read the target, mask its token from now on, and start the run (controller) or join it (worker)."""
    target = load(config)
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "short"  # a contract failure's message holds the evidence; long source listings do not
    profile = config.getoption("--profile")
    masker = Masker([target.token, *target.near_miss_tokens])
    config.stash[MASK_KEY] = masker  # before anything can fail: every output is masked
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        run = Run.from_controller(workerinput["contract"])
    else:
        run = start(config, target, masker)
        # whatever name xdist is registered under (its entry point "xdist", or "-p xdist.plugin"): optional hooks
        config.pluginmanager.register(Controller(), "contract-controller")
        if config.getoption("--trace-requests"):  # an earlier run's worker parts must not be merged into this one
            for stale in trace_parts(Path(config.getoption("--trace-requests"))):
                stale.unlink()
    config.option.hypothesis_seed = run.seed
    forced: Any = int(run.seed) if run.seed.isdigit() else run.seed
    hypothesis.core.global_force_seed = forced  # what --hypothesis-seed does, also for a seed chosen here
    config.stash[TARGET_KEY] = dataclasses.replace(target, base_url=run.base_url)
    config.stash[RUN_KEY] = run
    config.stash[REPORT_KEY] = Report(
        target=target.label,
        prefix=run.code_prefix if not getattr(config.option, "numprocesses", None) else f"{run.run_prefix}*-",
        seed=run.seed,
        profile=profile,
        mask=masker,
    )
    config.stash[STATE_KEY] = {"budget": "", "started": time.monotonic()}
    record_rules(config, config.stash[REPORT_KEY], target=target, run=run, mask=masker)  # verdicts, history


def pytest_unconfigure(config: pytest.Config) -> None:
    stop(config)


def load(config: pytest.Config) -> Target:
    target_file = config.getoption("--target")
    try:
        if target_file:
            return load_target(target_file)
        from mock_server import DEFAULT_TOKEN

        embedded = load_target(MOCK_TARGET, require_token=False)
        token = os.environ.get(embedded.token_env) or DEFAULT_TOKEN
        return dataclasses.replace(embedded, token=token, source="embedded mock")
    except TargetError as exc:
        raise pytest.UsageError(
            f"{exc}\n(see contract_tests/targets/staging.example.yaml for a complete example)"
        ) from None


def start(config: pytest.Config, target: Target, masker: Masker) -> Run:
    """The controller's (or a lone process's) part: start the embedded mock, preflight, choose prefix and seed."""
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = str(random.SystemRandom().randrange(10**9))
    run = Run(
        base_url=target.base_url,
        run_prefix=f"ct{time.strftime('%y%m%d%H%M%S')}{secrets.token_hex(2)}",
        seed=str(seed),
    )
    if only_looking(config):
        return run
    if target.source == "embedded mock":
        from mock_server.serve import start_background

        # one mock for every worker: they share the programs, as they would share a staging server
        server = start_background(port=0, token=target.token, api_version=target.api_version)
        config.stash[SERVER_KEY] = server
        run.base_url = server.url
    if getattr(config.option, "numprocesses", None):
        directory = Path(tempfile.mkdtemp(prefix="contract-run-"))
        config.stash[LOCK_DIR_KEY] = directory
        run.lock_path = lock_file(directory)
    client = Client(
        run.base_url,
        target.token,
        spec_for(target.api_version),
        timeout=min(target.timeout_seconds, PREFLIGHT_TIMEOUT),
        xml_type=target.xml_content_type,
        mask=masker,
    )
    where = target.source if target.source != "embedded mock" else str(MOCK_TARGET)
    try:
        found = preflight(
            client,
            dataclasses.replace(target, base_url=run.base_url),
            where=where,
            new_code=f"{run.code_prefix}preflight",
        )
    except ServerFault as exc:  # not the target file's: a contract violation, the run's one failing test (exit 1)
        run.preflight_violation = masker(f"preflight against {target.label}: {exc.message}")
        run.preflight_requests = client.count
        return run
    except TransportError as exc:  # it answered, then stopped answering: neither the file's fault nor a verdict
        stop(config)
        pytest.exit(
            masker(
                f"preflight against {target.label}: the server stopped answering during the preflight ({exc}); "
                "a tool error, not a verdict: check the server and the network, rerun"
            ),
            returncode=TOOL_ERROR_EXIT,
        )
    except PreflightError as exc:  # what the target file can fix (exit 4)
        stop(config)
        raise pytest.UsageError(
            masker(
                f"preflight against {target.label}: {exc}\n(the run stopped before any test; fix the target file "
                f"{where} or the server)"
            )
        ) from None
    run.sizes_before = found.sizes()
    run.leftovers = {  # the preflight's own code stays out: the next run's preflight reuses it
        program: [c for c in free_suite_codes(found.programs[program]) if c != found.profile_code][:LEFTOVERS_MAX]
        for program in (target.personal, target.universal)
        if program in found.programs
    }
    run.preflight_notes = found.notes
    run.preflight_requests = client.count
    return run


def stop(config: pytest.Config) -> None:
    server = config.stash.get(SERVER_KEY, None)
    if server is not None:
        server.stop()
        del config.stash[SERVER_KEY]
    directory = config.stash.get(LOCK_DIR_KEY, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        del config.stash[LOCK_DIR_KEY]


def sizes_after(config: pytest.Config, run: Run) -> dict[int, int]:
    """Codes per program after the run (one export_all each), for the report."""
    target = config.stash[TARGET_KEY]
    client = Client(
        run.base_url,
        target.token,
        spec_for(target.api_version),
        timeout=target.timeout_seconds,
        xml_type=target.xml_content_type,
        mask=config.stash[MASK_KEY],
    )
    try:
        return {program: len(codes) for program, codes in snapshot(client, target.programs).items()}
    except (AssertionError, ToolError):  # unreachable or refusing by now: the report says so by leaving it out
        return {}
