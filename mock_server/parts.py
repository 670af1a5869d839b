"""The parts of the mock that a fault may replace: handlers, profile matching, the wire, authentication,
schema validation, the HTTP status and the store. The app is built from them; faults (``mock_server/faults/``) swap one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.auth import TokenAuth
from mock_server.handlers import Context, Envelope, Request
from mock_server.matching import Directory
from mock_server.seed import Profile
from mock_server.store import Store

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

Handler = Callable[[Context, Request], Envelope]


@dataclass
class Parts:
    """One app's replaceable parts, faithful until a fault's override swaps one of them."""

    store: Store
    directory: Directory
    handlers: dict[str, Handler]  # operation id -> handler
    find_profile: Callable[[Request], Profile]  # matching: the profile a request names (ApiError if none)
    decode: Callable[[bytes, str, dict[str, Any]], Request]  # wire in: (body, "json"|"xml", schema) -> request
    encode: Callable[[Envelope, str], tuple[bytes, str]]  # wire out: (envelope, format) -> (body, content type)
    auth: TokenAuth  # the faithful check, kept for overrides that loosen it
    # (operation id, request, bearer token or None) -> None; raises ApiError unless the request is authenticated
    authenticate: Callable[[str, Request, str | None], None]
    schema_errors: Callable[[str, Request], Iterable[ValidationError]]  # (operation id, request) -> violations
    # (operation id, envelope) -> the HTTP status of the answer: 200 for every envelope (the spec's stance)
    status: Callable[[str, Envelope], int] = lambda _op_id, _envelope: 200
    blocking: bool = False  # requests may sleep: the server must run them on threads so they overlap

    def context(self) -> Context:
        """What the handlers work on, built from the current parts."""
        return Context(self.store, self.find_profile)
