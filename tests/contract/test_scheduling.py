"""The workers' scheduling (contract_tests/plugin/scheduling.py): drawing tests together on one worker, the others
held back while a first_of_run test runs, two tests queued per worker in the suite's order."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from contract_tests.plugin.scheduling import DrawsTogether, read_plan

COLLECTION = [
    "t.py::drain[personal]",
    "t.py::drain[universal]",
    "t.py::histories",
    "t.py::draw_case",
    "t.py::long_a",
    "t.py::long_b",
    *(f"t.py::short_{n}" for n in range(10)),
]
DRAWS = COLLECTION[:4]
FIRST = COLLECTION[:2]


class Node:
    """A pytest-xdist worker controller as the scheduler sees it: what it was sent, whether it was shut down."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices

    def shutdown(self) -> None:
        self.shutting_down = True


class Config:
    def __init__(self, workers: int) -> None:
        self.values: dict[str, Any] = {"tx": [f"{workers}*popen"], "maxschedchunk": None}

    def getvalue(self, name: str) -> Any:
        return self.values[name]

    getoption = getvalue


def _scheduler(tmp_path: Path, plan: dict[str, list[str]] | None, workers: int = 4) -> tuple[DrawsTogether, list[Node]]:
    path = tmp_path / "schedule.json"
    if plan is not None:
        path.write_text(json.dumps(plan), encoding="utf-8")
    sched = DrawsTogether(Config(workers), plan=path)  # type: ignore[arg-type]
    nodes = [Node(f"gw{n}") for n in range(workers)]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, COLLECTION)
    sched.schedule()
    return sched, nodes


def _names(indices: list[int]) -> list[str]:
    return [COLLECTION[i].split("::")[1] for i in indices]


def test_drawing_tests_go_to_one_worker_and_the_rest_waits_for_the_first(tmp_path: Path) -> None:
    sched, (lead, *others) = _scheduler(tmp_path, {"draws": DRAWS, "first": FIRST})
    assert _names(lead.sent) == ["drain[personal]", "drain[universal]", "histories", "draw_case"]
    for node in others:
        sched.check_schedule(node)  # as pytest-xdist asks when a worker is added or a test is pending again
    assert all(node.sent == [] for node in others), "a worker got a test while the pool drain had not finished"
    sched.mark_test_complete(lead, 0)
    assert all(node.sent == [] for node in others), "one drain of two done: the others still wait"
    sched.mark_test_complete(lead, 1)
    handed = [_names(node.sent) for node in others]
    # in the suite's order, two per worker: the long tests spread over the workers, not queued behind each other
    assert handed == [["long_a", "long_b"], ["short_0", "short_1"], ["short_2", "short_3"]]


def test_each_worker_gets_one_more_test_as_it_finishes_one(tmp_path: Path) -> None:
    sched, (_lead, first, *_) = _scheduler(tmp_path, {"draws": DRAWS, "first": []})
    assert len(first.sent) == 2  # no first_of_run test: the others start at once
    sched.mark_test_complete(first, first.sent[0])
    assert len(first.sent) == 3 and len(sched.node2pending[first]) == 2


def test_without_a_plan_the_scheduling_is_pytest_xdists_load(tmp_path: Path) -> None:
    _, nodes = _scheduler(tmp_path, None)
    assert all(node.sent for node in nodes)
    assert sorted(i for node in nodes for i in node.sent) == sorted({i for node in nodes for i in node.sent})


def test_a_lead_worker_that_dies_does_not_leave_the_others_waiting(tmp_path: Path) -> None:
    sched, (lead, *others) = _scheduler(tmp_path, {"draws": DRAWS, "first": FIRST})
    sched.remove_node(lead)
    assert all(node.sent for node in others)
    given = {i for node in others for i in node.sent}
    assert {1, 2, 3} <= given | set(sched.pending), "the lead's tests after the crashed one go to the others"


def test_a_plan_that_is_not_one_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "schedule.json"
    path.write_text("{not json", encoding="utf-8")
    assert read_plan(path) == ([], [])
    path.write_text(json.dumps({"draws": "x"}), encoding="utf-8")
    assert read_plan(path) == ([], [])
