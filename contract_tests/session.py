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
    program, another worker's too; so tests that may draw hold it exclusively, every other test shared.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path

    @contextmanager
    def hold(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the lock (shared or exclusive) for the ``with`` block."""
        if self.path is None:
            yield
            return
        # a turnstile in front: a writer waiting at it stops new readers, so three busy workers cannot starve it
        gate = os.open(self.path + ".gate", os.O_RDWR | os.O_CREAT, 0o600)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            finally:
                fcntl.flock(gate, fcntl.LOCK_UN)
            yield
        finally:
            os.close(fd)  # closing releases the lock
            os.close(gate)


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


def taken_file(lock_path: str | None) -> str | None:
    """The path of the run's log of codes taken outside the workers' namespaces (None when alone)."""
    return None if lock_path is None else str(Path(lock_path).with_name("taken.jsonl"))
