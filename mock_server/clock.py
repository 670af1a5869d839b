"""Time as the API writes it: RFC 3339 UTC to the second."""

from __future__ import annotations

import datetime as dt


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
