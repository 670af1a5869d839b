"""``Call``: one request and its answer, as the model judges it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a record of one exchange (its dicts unhashable)
class Call:
    """One request the suite sent and what came back.

    ``body`` is the request as a decoded dict (what JSON or XML carried), without the token; ``token`` and
    ``bearer`` say where a token travelled: ``"valid"``, ``"wrong"``, or None (absent). ``envelope`` is the
    decoded answer (None: no readable answer). ``invoked``/``returned`` are ``time.monotonic()`` readings,
    ``invoked_at``/``returned_at`` the wall clock (UTC) around the exchange: a time the server stamps during the
    call lies between them, give or take the model's clock tolerance.
    """

    op: str
    body: Any
    envelope: dict[str, Any] | None
    status: int | None = 200
    body_format: str = "json"
    response_format: str = "json"
    api_version: str = "72"
    token: str | None = "valid"
    bearer: str | None = None
    invoked: float = 0.0
    returned: float = 0.0
    invoked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    returned_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def error(self) -> int | None:
        """The envelope's ``error`` (None without an envelope or an integer error)."""
        value = (self.envelope or {}).get("error")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def succeeded(self) -> bool:
        return self.error == 0


class Stopwatch:
    """Times one exchange: ``with Stopwatch() as watch: ...`` then ``watch.call(...)``."""

    def __enter__(self) -> Stopwatch:
        self.invoked, self.invoked_at = time.monotonic(), datetime.now(UTC)
        return self

    def __exit__(self, *exc: object) -> None:
        self.returned, self.returned_at = time.monotonic(), datetime.now(UTC)

    def call(self, op: str, body: Any, envelope: dict[str, Any] | None, **fields: Any) -> Call:
        """The ``Call`` of the exchange just timed."""
        return Call(
            op,
            body,
            envelope,
            invoked=self.invoked,
            returned=self.returned,
            invoked_at=self.invoked_at,
            returned_at=self.returned_at,
            **fields,
        )
