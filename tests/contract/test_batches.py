"""The batch frame check: export_all once per batch still sees what no case named, and where export and get differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.batches import FrameWatch, TakenLog
from contract_tests.client import Client
from contract_tests.world import ContractViolation, get_code
from mock_server.serve import start_background
from promo_spec import load_spec

TOKEN = "frame-token"


def _attach(client: Client, program: int, code: str) -> None:
    body = {"db_id": 1, "loyalty_id": program, "profile_id": "65a1f0c2e4b0a1b2c3d4e5f1", "matching": "profile_id"}
    assert client.call("attach", dict(body, code=code)).error == 0


def test_a_change_no_case_named_fails_the_batch() -> None:
    with start_background(port=0, token=TOKEN) as server:
        client = Client(server.url, TOKEN, load_spec())
        watch = FrameWatch(client, (11, 12), size=10)
        watch.begin()
        _attach(client, 11, "P11-0003")  # named by the case below
        watch.note("case-a", 11, {"P11-0003": get_code(client, 11, "P11-0003")})
        watch.check(ignore=set(), foreign=lambda code: False)  # only named codes changed: passes
        watch.begin()
        _attach(client, 12, "U12-0005")  # named by nobody
        watch.note("case-b", 11, {})
        with pytest.raises(ContractViolation, match="codes no case named changed") as caught:
            watch.check(ignore=set(), foreign=lambda code: False)
        assert "U12-0005" in str(caught.value) and "case-b" in str(caught.value)


def test_a_change_another_worker_announced_is_not_this_batchs_business() -> None:
    with start_background(port=0, token=TOKEN) as server:
        client = Client(server.url, TOKEN, load_spec())
        watch = FrameWatch(client, (11,), size=10)
        watch.begin()
        _attach(client, 11, "P11-0004")
        watch.note("case-c", 11, {})
        log = TakenLog(None)
        log.add([(11, "P11-0004")])
        watch.check(ignore=log.all(), foreign=lambda code: False)


def test_export_and_get_must_agree() -> None:
    with start_background(port=0, token=TOKEN, faults=frozenset({"export-omits-activated"})) as server:
        client = Client(server.url, TOKEN, load_spec())
        watch = FrameWatch(client, (11,), size=10)
        watch.begin()
        _attach(client, 11, "P11-0006")
        assert client.call("activate", {"loyalty_id": 11, "code": "P11-0006"}).error == 0
        watch.note("activate-case", 11, {"P11-0006": get_code(client, 11, "P11-0006")})
        with pytest.raises(ContractViolation, match="export_all and get disagree") as caught:
            watch.check(ignore=set(), foreign=lambda code: False)
        assert "activated=False, get says attached=True activated=True" in str(caught.value)
        # the invariant's failure, named as such (make power counts it for export-omits-activated), not the frame's
        assert str(caught.value).startswith("[invariant get-export-agree] check of a batch"), str(caught.value)[:200]


def test_a_case_may_name_codes_of_both_programs() -> None:
    """A scoping case names its code in both programs (note_keys): those changes are its own, the rest is not."""
    with start_background(port=0, token=TOKEN) as server:
        client = Client(server.url, TOKEN, load_spec())
        watch = FrameWatch(client, (11, 12), size=10)
        watch.begin()
        _attach(client, 11, "P11-0002")
        _attach(client, 12, "U12-0002")
        seen = {(11, "P11-0002"): get_code(client, 11, "P11-0002"), (12, "U12-0002"): get_code(client, 12, "U12-0002")}
        watch.note_keys("scoping case", seen)
        watch.check(ignore=set(), foreign=lambda code: False)  # both named: passes
        watch.begin()
        _attach(client, 12, "U12-0003")
        watch.note_keys("scoping case 2", {(11, "U12-0003"): None})  # the same spelling in the other program
        with pytest.raises(ContractViolation, match=r"\[frame\].*codes no case named changed") as caught:
            watch.check(ignore=set(), foreign=lambda code: False)
        assert "U12-0003" in str(caught.value) and "scoping case 2" in str(caught.value)


def test_a_code_both_workers_took_in_turn_is_the_others_business_too(tmp_path: Path) -> None:
    """A pool hands the same code to several workers in turn: one worker drew P11-0004 and gave it back, another
    draws it during the first one's batch. The first worker's frame check must ignore it (found with four workers
    on the embedded mock: a [frame] false alarm)."""
    shared = tmp_path / "taken.jsonl"
    first, second = TakenLog(str(shared)), TakenLog(str(shared))
    first.add([(11, "P11-0004")])  # drawn by the first worker, given back later
    assert first.others() == set() and second.others() == {(11, "P11-0004")}
    with start_background(port=0, token=TOKEN) as server:
        client = Client(server.url, TOKEN, load_spec())
        watch = FrameWatch(client, (11,), size=10)
        watch.begin()  # the first worker's batch opens
        _attach(client, 11, "P11-0004")  # the second worker draws it meanwhile, and announces it
        second.add([(11, "P11-0004")])
        watch.note("case-c", 11, {})
        assert first.others() == {(11, "P11-0004")}
        watch.check(ignore=first.others(), foreign=lambda code: False)
