"""One run's shared facts (prefix, seed, profile, where the server is) and the lock that keeps workers apart."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RunLock:
    """A readers-writer lock shared by the run's pytest-xdist workers (flock on one file); a no-op alone.

    A request that may draw a free code from a pool (attach without a code) can take any free code of the
    program, another worker's too; so tests that may draw hold it exclusively, every other test shared. A worker
    whose next test draws too keeps its exclusive hold (``acquire`` then finds it held): the other workers wait
    once for a run of drawing tests, not once per test.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fd: int | None = None  # the open lock file while this process holds the lock
        self._exclusive = False

    @property
    def held(self) -> str | None:
        """How this process holds the lock: "exclusive", "shared", or None."""
        if self._fd is None:
            return None
        return "exclusive" if self._exclusive else "shared"

    def covers(self, *, exclusive: bool) -> bool:
        """Whether the hold this process has already allows what a hold of that kind would."""
        return self._fd is not None and (self._exclusive or not exclusive)

    def acquire(self, *, exclusive: bool) -> None:
        """Hold the lock (shared or exclusive) until ``release``; a hold that already covers it is kept."""
        if self.path is None or self.covers(exclusive=exclusive):
            return
        self.release()  # shared to exclusive: flock's conversion is not atomic either, so let go first
        # a turnstile in front: a writer waiting at it stops new readers, so three busy workers cannot starve it
        gate = os.open(self.path + ".gate", os.O_RDWR | os.O_CREAT, 0o600)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            finally:
                fcntl.flock(gate, fcntl.LOCK_UN)
        except BaseException:
            os.close(fd)
            raise
        finally:
            os.close(gate)
        self._fd, self._exclusive = fd, exclusive

    def release(self) -> None:
        """Let go of the lock (nothing when not held)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing releases the lock

    def pause(self) -> None:
        """Let a writer waiting for the lock go first, then hold it shared again (a long test holding it shared,
        between steps that keep nothing of each other's, e.g. Schemathesis' examples); nothing unless held shared."""
        if self.held == "shared":
            self.release()
            self.acquire(exclusive=False)  # through the gate: behind a writer already waiting there

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Hold the lock exclusively for the block, then as before: a test holding it shared (``pool_draws(steps=
        True)``) draws alone. Only a test holding ``Suite.drawers`` may: no other drawer can slip in between."""
        if self.path is None or self.held == "exclusive":
            yield
            return
        before = self.held
        self.acquire(exclusive=True)
        try:
            yield
        finally:
            self.release()
            if before == "shared":
                self.acquire(exclusive=False)

    @contextmanager
    def hold(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the lock (shared or exclusive) for the ``with`` block; within a hold that covers it, keep that."""
        if self.covers(exclusive=exclusive):
            yield
            return
        self.acquire(exclusive=exclusive)
        try:
            yield
        finally:
            self.release()


@dataclass
class Run:
    """What every process of one run agrees on; the controller decides, workers receive it."""

    base_url: str
    run_prefix: str  # ct + time + random: every code of this run starts with it
    seed: str
    worker: str = ""  # "" when alone, else the xdist worker id (gw0, gw1, ...)
    lock_path: str | None = None
    sizes_before: dict[int, int] = field(default_factory=dict)
    preflight_notes: list[str] = field(default_factory=list)
    preflight_requests: int = 0
    leftovers: dict[int, list[str]] = field(default_factory=dict)  # free codes earlier runs left, per program
    preflight_violation: str = ""  # the contract violation the preflight saw (masked): the run's only test fails

    @property
    def code_prefix(self) -> str:
        """This process's code namespace: the run prefix, plus the worker's tag when there are workers."""
        return f"{self.run_prefix}-" if not self.worker else f"{self.run_prefix}{self.worker}-"

    def foreign(self, code: str) -> bool:
        """True for a code another worker of this run created (its namespace, not ours)."""
        return code.startswith(self.run_prefix) and not code.startswith(self.code_prefix)

    def for_worker(self, worker: str, index: int, count: int) -> dict[str, Any]:
        """What worker ``index`` of ``count`` receives (plain data: xdist sends it over a channel)."""
        return {
            "leftovers": {str(p): codes[index::count] for p, codes in self.leftovers.items()},  # disjoint shares
            "base_url": self.base_url,
            "run_prefix": self.run_prefix,
            "seed": self.seed,
            "worker": worker,
            "lock_path": self.lock_path,
            "sizes_before": {str(k): v for k, v in self.sizes_before.items()},
            "preflight_violation": self.preflight_violation,
        }

    @classmethod
    def from_controller(cls, data: dict[str, Any]) -> Run:
        """The Run a worker builds from what ``for_worker`` sent."""
        return cls(
            base_url=data["base_url"],
            run_prefix=data["run_prefix"],
            seed=data["seed"],
            worker=data["worker"],
            lock_path=data["lock_path"],
            sizes_before={int(k): v for k, v in data["sizes_before"].items()},
            leftovers={int(k): v for k, v in data["leftovers"].items()},
            preflight_violation=data.get("preflight_violation", ""),
        )


def lock_file(directory: Path) -> str:
    """The path of the run's lock file inside ``directory`` (the taken-codes log lies next to it)."""
    return str(directory / "pool-draw.lock")


def drawers_file(lock_path: str | None) -> str | None:
    """The lock a test that may draw holds for its whole run, beside the run's lock (None when alone)."""
    return None if lock_path is None else str(Path(lock_path).with_name("drawers.lock"))


def taken_file(lock_path: str | None) -> str | None:
    """The path of the run's log of codes taken outside the workers' namespaces (None when alone)."""
    return None if lock_path is None else str(Path(lock_path).with_name("taken.jsonl"))
