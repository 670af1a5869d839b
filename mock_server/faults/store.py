"""Broken state: overrides of the store's lock and clock (``part="store"``)."""

from __future__ import annotations

import contextlib
import time

from mock_server import clock
from mock_server.parts import Parts

RACE_SLEEP = 0.02  # attach-race: long enough for concurrent requests to interleave every time


def attach_race(parts: Parts) -> None:
    """The lock excludes nothing and the clock takes 20 ms, so attaches of one code interleave."""
    # Attach reads the clock between its check and its set: concurrent attaches of one code all pass the check
    # before any of them sets it.
    faithful_now = parts.store.now

    def slow_now() -> str:
        time.sleep(RACE_SLEEP)
        return faithful_now()

    parts.store.lock = contextlib.nullcontext()
    parts.store.now = slow_now
    parts.blocking = True


def clock_backwards(parts: Parts) -> None:
    """Every reading of the clock is one minute before the previous one."""
    parts.store.now = clock.backwards()
