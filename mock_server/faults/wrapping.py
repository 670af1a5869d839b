"""How a fault wraps the faithful part it replaces: one decorator per part, so each fault says only what it breaks.

Each decorator turns a broken function, which receives the faithful part as its first argument (and the
``Parts`` where it needs them), into an override; the override binds the faithful part when it is applied.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mock_server.faults.registry import Override
from mock_server.handlers import Context, Envelope, Request
from mock_server.parts import Handler, Parts
from mock_server.seed import Profile

BrokenHandler = Callable[[Handler, Context, Request], Envelope]  # (faithful handler, ctx, request) -> envelope
FindProfile = Callable[[Request], Profile]
Decode = Callable[[bytes, str, dict[str, Any]], Request]
Encode = Callable[[Envelope, str], tuple[bytes, str]]
Authenticate = Callable[[str, Request, str | None], None]
Record = dict[str, Any]  # one object of an answer's data: get's code, or an item of export_all's list


def handler_fault(*ops: str) -> Callable[[BrokenHandler], Override]:
    """Decorator: the override that puts ``broken`` (given the faithful handler) in place of each of ``ops``."""

    def to_override(broken: BrokenHandler) -> Override:
        def override(parts: Parts) -> None:
            for op in ops:
                parts.handlers[op] = functools.partial(broken, parts.handlers[op])

        return override

    return to_override


def records_edited(op: str, edit: Callable[[Record], None]) -> Override:
    """The override under which ``op`` answers as the faithful handler, with ``edit`` applied to each record."""

    def edited(faithful: Handler, ctx: Context, request: Request) -> Envelope:
        envelope = faithful(ctx, request)
        data = envelope["data"]
        for record in [data] if isinstance(data, dict) else data:
            edit(record)
        return envelope

    return handler_fault(op)(edited)


def matching_fault(broken: Callable[[FindProfile, Parts, Request], Profile]) -> Override:
    """Decorator: the override that makes ``broken`` (given faithful matching and the parts) find profiles."""

    def override(parts: Parts) -> None:
        parts.find_profile = functools.partial(broken, parts.find_profile, parts)

    return override


def decode_fault(broken: Callable[[Decode, bytes, str, dict[str, Any]], Request]) -> Override:
    """Decorator: the override that makes ``broken`` (given the faithful decoder) read request bodies."""

    def override(parts: Parts) -> None:
        parts.decode = functools.partial(broken, parts.decode)

    return override


def encode_fault(broken: Callable[[Encode, Envelope, str], tuple[bytes, str]]) -> Override:
    """Decorator: the override that makes ``broken`` (given the faithful encoder) write answers."""

    def override(parts: Parts) -> None:
        parts.encode = functools.partial(broken, parts.encode)

    return override


def auth_fault(broken: Callable[[Authenticate, Parts, str, Request, str | None], None]) -> Override:
    """Decorator: the override that makes ``broken`` (given the faithful check and the parts) authenticate."""

    def override(parts: Parts) -> None:
        parts.authenticate = functools.partial(broken, parts.authenticate, parts)

    return override
