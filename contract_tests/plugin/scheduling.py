"""pytest-xdist's ``load`` scheduling, with the pool-drawing tests kept together: every test that may draw from a
pool goes to the first worker, in the suite's order, as one chunk (the worker keeps the exclusive lock from one to
the next: the others wait once, not once per test); and while a test marked ``first_of_run`` (the pool drain: it
needs the programs before any other test imports codes into them) has not finished, no other worker gets a test.
After that, each worker has two tests queued, no more: tests go out in the suite's order as workers free up, so the
long ones ordered early (plugin/ordering.py) spread over the workers instead of waiting in one worker's queue.

Each worker writes which tests draw and which come first (``schedule.json`` in the run's lock directory) as its
collection finishes, before pytest-xdist sends the collection on: the controller collects nothing itself. Without
that file (or with another ``--dist`` mode) the scheduling is pytest-xdist's own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScheduling

from contract_tests.plugin.keys import LOCK_DIR_KEY, RUN_KEY
from contract_tests.plugin.ordering import draws

PLAN_FILE = "schedule.json"
QUEUED = 2  # tests queued per worker


def plan_path(lock_path: str) -> Path:
    """Where the workers write the plan, next to the run's lock file."""
    return Path(lock_path).with_name(PLAN_FILE)


def write_plan(path: Path, items: Sequence[pytest.Item]) -> None:
    """The drawing tests and the ones that must run first, by node id (written whole: a reader never sees half)."""
    plan = {
        "draws": [item.nodeid for item in items if draws(item)],
        "first": [item.nodeid for item in items if item.get_closest_marker("first_of_run") is not None],
    }
    part = path.with_name(f"{path.name}.{os.getpid()}")
    part.write_text(json.dumps(plan), encoding="utf-8")
    part.replace(path)


def read_plan(path: Path) -> tuple[list[str], list[str]]:
    """(drawing tests, tests that run first) from ``path``; nothing when it is missing or not a plan."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
        found = [str(n) for n in plan["draws"]], [str(n) for n in plan["first"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [], []
    return found


class DrawsTogether(LoadScheduling):  # type: ignore[misc]  # pytest-xdist is untyped
    """``load`` scheduling; drawing tests as one chunk on the first worker; the others start after the first ones."""

    collection: list[str] | None  # LoadScheduling's: the node ids every worker collected, in order
    maxschedchunk: int | None

    def __init__(self, config: pytest.Config, log: Any = None, *, plan: Path) -> None:
        super().__init__(config, log)
        self.plan = plan
        self.waiting_for: set[int] = set()  # indices of the first_of_run tests still running
        self.lead: Any = None  # the worker that runs the drawing tests

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None or not self._check_nodes_have_same_collection():
            super().schedule()
            return
        collection = list(next(iter(self.node2collection.values())))
        drawing, first = read_plan(self.plan)
        index = {nodeid: i for i, nodeid in enumerate(collection)}
        lead_items = [index[n] for n in drawing if n in index]
        if not lead_items or len(self.nodes) < 2:
            super().schedule()
            return
        self.collection = collection
        led = set(lead_items)
        self.pending[:] = lead_items + [i for i in range(len(collection)) if i not in led]
        if self.maxschedchunk is None:
            self.maxschedchunk = len(collection)
        self.lead = self.nodes[0]
        self.waiting_for = {index[n] for n in first if n in index}
        self._send_tests(self.lead, max(len(lead_items), QUEUED))
        if not self.waiting_for:
            self._start_others()

    def _start_others(self) -> None:
        for node in self.nodes:
            if node is not self.lead:
                self.check_schedule(node)

    def check_schedule(self, node: Any, duration: float = 0) -> None:
        """Two tests queued per worker, no more (a worker starts a test once it knows the next): the tests are
        handed out in the suite's order as workers free up, so a long one never waits in a busy worker's queue."""
        if self.lead is None:  # no drawing tests, or one worker: pytest-xdist's own load scheduling
            super().check_schedule(node, duration=duration)
            return
        if node.shutting_down or (self.waiting_for and node is not self.lead):
            return  # a first_of_run test is still running: this worker gets nothing yet
        if not self.pending:
            node.shutdown()
            return
        short = QUEUED - len(self.node2pending[node])
        if short > 0:
            self._send_tests(node, short)

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        super().mark_test_complete(node, item_index, duration)
        if item_index in self.waiting_for:
            self.waiting_for.discard(item_index)
            if not self.waiting_for:
                self._start_others()

    def remove_node(self, node: Any) -> str | None:
        lead_gone = node is self.lead and bool(self.waiting_for)
        crashed: str | None = super().remove_node(node)
        if lead_gone:
            self.waiting_for.clear()  # the lead worker is gone: nobody waits for it
            self._start_others()
        return crashed


class Scheduler:
    """The controller's pytest-xdist hook: ``DrawsTogether`` for ``--dist load`` (what ``-n N`` means by default)."""

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> LoadScheduling | None:
        directory = config.stash.get(LOCK_DIR_KEY, None)
        if config.getvalue("dist") != "load" or directory is None:
            return None
        return DrawsTogether(config, log, plan=Path(directory) / PLAN_FILE)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker writes the plan before pytest-xdist sends its collection to the controller."""
    run = session.config.stash.get(RUN_KEY, None)
    if hasattr(session.config, "workerinput") and run is not None and run.lock_path is not None:
        write_plan(plan_path(run.lock_path), session.items)


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Scheduler(), "contract-scheduler")
