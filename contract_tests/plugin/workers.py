"""pytest-xdist: the controller hands each worker the run and merges what each reports back; the workers'
``--trace-requests`` parts merged into one file; the request budget shared out.

The controller starts the embedded mock and runs the preflight once (``startup.py``); every worker joins that
run (``Run.from_controller``): one server, one prefix and one seed for all of them.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import pytest

from contract_tests.plugin.keys import REPORT_KEY, RUN_KEY, STATE_KEY


class Controller:
    """xdist hooks of the controller: hand each worker the run, merge what each reports back."""

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        run = node.config.stash[RUN_KEY]
        worker = node.workerinput["workerid"]
        index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
        node.workerinput["contract"] = run.for_worker(worker, index, int(node.workerinput["workercount"]))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        part = getattr(node, "workeroutput", {}).get("contract")
        if part:
            node.config.stash[REPORT_KEY].merge(part)
            if part.get("budget"):
                node.config.stash[STATE_KEY]["budget"] = part["budget"]


def worker_count(config: pytest.Config) -> int:
    """How many workers share the run (1 without xdist)."""
    return int(getattr(config, "workerinput", {}).get("workercount", 1))


def share(budget: int | None, workers: int) -> int | None:
    """Each of ``workers`` workers gets an equal share of the request budget (rounded up)."""
    return None if budget is None else -(-budget // max(1, workers))


def trace_path(config: pytest.Config) -> Path:
    """Where this process writes --trace-requests: the file itself, or a worker's part the controller merges."""
    path = Path(config.getoption("--trace-requests"))
    worker = getattr(config, "workerinput", {}).get("workerid")
    return path.with_name(f"{path.name}.{worker}.part") if worker else path


def trace_parts(path: Path) -> list[Path]:
    """The workers' parts of the --trace-requests file ``path``, in worker order."""
    return sorted(path.parent.glob(f"{glob.escape(path.name)}.gw*.part"), key=lambda p: _worker_number(p.name))


def _worker_number(name: str) -> int:
    digits = name.rsplit(".gw", 1)[-1].removesuffix(".part")
    return int(digits) if digits.isdigit() else 0


def merge_traces(path: Path) -> None:
    """The controller's --trace-requests file: every worker's requests, a ``# worker gwN`` line before each part."""
    parts = trace_parts(path)
    if not parts:
        return
    with path.open("w", encoding="utf-8") as out:
        for part in parts:
            out.write(f"# worker {part.name.rsplit('.', 2)[-2]}\n")
            out.write(part.read_text(encoding="utf-8"))
    for part in parts:
        part.unlink()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if config.getoption("--trace-requests") and getattr(config, "workerinput", None) is None:
        merge_traces(Path(config.getoption("--trace-requests")))
