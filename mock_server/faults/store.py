"""Broken state: the fault that replaces the store's lock and clock so attaches race (``part="store"``)."""

from __future__ import annotations

import contextlib
import time

from mock_server.faults.registry import fault
from mock_server.parts import Parts

RACE_SLEEP = 0.02  # attach-race: long enough for concurrent requests to interleave every time


@fault(
    "attach-race",
    "attach checks and sets without the lock, sleeping 20 ms in between",
    part="store",
    oracles=("[invariant restricted-single-holder]",),
)
def _attach_race(parts: Parts) -> None:
    # The store's lock excludes nothing, and its clock (read by attach between the check and the set)
    # takes 20 ms: concurrent attaches of one code all pass the check before any of them sets it.
    faithful_now = parts.store.now

    def slow_now() -> str:
        time.sleep(RACE_SLEEP)
        return faithful_now()

    parts.store.lock = contextlib.nullcontext()
    parts.store.now = slow_now
    parts.blocking = True
