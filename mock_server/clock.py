"""Time as the API writes it: RFC 3339 UTC to the second."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable


def now() -> str:
    """Return the current time, e.g. ``2024-04-01T12:39:34Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_past(stamp: str, reference: str) -> bool:
    """Whether ``stamp`` (RFC 3339) is at or before ``reference``; False when ``stamp`` is empty or unreadable."""
    if not stamp:
        return False
    try:
        when = dt.datetime.fromisoformat(stamp)
        ref = dt.datetime.fromisoformat(reference)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when <= ref


def backwards() -> Callable[[], str]:
    """A broken clock for the fault ``clock-backwards``: each reading is one minute before the previous one."""
    start = dt.datetime.now(dt.UTC)
    readings = itertools.count()

    def read() -> str:
        return (start - dt.timedelta(minutes=next(readings))).strftime("%Y-%m-%dT%H:%M:%SZ")

    return read
