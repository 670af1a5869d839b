"""The workers' lock (contract_tests.session.RunLock): readers share, a writer is alone, a kept hold is reused."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from contract_tests.session import RunLock


def _try_in_thread(lock: RunLock, *, exclusive: bool) -> tuple[threading.Thread, threading.Event]:
    got = threading.Event()

    def take() -> None:
        lock.acquire(exclusive=exclusive)
        got.set()
        lock.release()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread, got


def test_an_exclusive_hold_keeps_readers_out_until_released(tmp_path: Path) -> None:
    path = str(tmp_path / "run.lock")
    writer, reader = RunLock(path), RunLock(path)
    writer.acquire(exclusive=True)
    thread, got = _try_in_thread(reader, exclusive=False)
    time.sleep(0.2)
    assert not got.is_set(), "a shared hold was granted while another process held the lock exclusively"
    writer.release()
    thread.join()
    assert got.is_set()


def test_readers_share_and_a_writer_waits_for_them(tmp_path: Path) -> None:
    path = str(tmp_path / "run.lock")
    first, second, writer = RunLock(path), RunLock(path), RunLock(path)
    first.acquire(exclusive=False)
    second.acquire(exclusive=False)  # would block forever if shared holds excluded each other
    assert (first.held, second.held) == ("shared", "shared")
    thread, got = _try_in_thread(writer, exclusive=True)
    time.sleep(0.2)
    assert not got.is_set()
    first.release()
    second.release()
    thread.join()
    assert got.is_set()


def test_a_kept_exclusive_hold_is_reused_and_covers_shared(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path / "run.lock"))
    lock.acquire(exclusive=True)
    lock.acquire(exclusive=True)  # the next drawing test: kept, not taken again (a second flock would deadlock)
    with lock.hold(exclusive=False):  # within the exclusive hold: nothing taken, nothing released
        assert lock.held == "exclusive"
    assert lock.held == "exclusive"
    lock.release()
    assert lock.held is None
    other = RunLock(str(tmp_path / "run.lock"))
    other.acquire(exclusive=True)  # released for real
    other.release()


def test_shared_becomes_exclusive_and_a_hold_block_releases(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path / "run.lock"))
    lock.acquire(exclusive=False)
    lock.acquire(exclusive=True)
    assert lock.held == "exclusive"
    lock.release()
    with lock.hold(exclusive=True):
        assert lock.held == "exclusive"
    assert lock.held is None


def test_alone_the_lock_is_a_no_op() -> None:
    lock = RunLock(None)
    lock.acquire(exclusive=True)
    assert lock.held is None
    with lock.hold(exclusive=True):
        pass
