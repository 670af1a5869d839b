"""How a fault wraps the faithful part it replaces: one registering decorator per part, so a fault says only what
it breaks.

Each decorator takes a broken function, which receives the faithful part as its first argument (and the ``Parts``
where it needs them), and registers as the fault ``name`` the override that binds the faithful part when applied.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from mock_server.faults.registry import Override, fault
from mock_server.handlers import Context, Envelope, Request
from mock_server.parts import Handler, Parts
from mock_server.seed import Profile

FindProfile = Callable[[Request], Profile]
Decode = Callable[[bytes, str, dict[str, Any]], Request]
Encode = Callable[[Envelope, str], tuple[bytes, str]]
Authenticate = Callable[[str, Request, str | None], None]

BrokenHandler = Callable[[Handler, Context, Request], Envelope]  # (faithful handler, ctx, request) -> envelope
BrokenMatching = Callable[[FindProfile, Parts, Request], Profile]
BrokenDecode = Callable[[Decode, bytes, str, dict[str, Any]], Request]
BrokenEncode = Callable[[Encode, Envelope, str], tuple[bytes, str]]
BrokenAuth = Callable[[Authenticate, Parts, str, Request, str | None], None]
Record = dict[str, Any]  # one object of an answer's data: get's code, or an item of export_all's list

B = TypeVar("B")  # a broken function of one part


def handler_fault(
    name: str,
    breaks: str,
    *,
    op: str,
    oracles: tuple[str, ...],
    also: tuple[str, ...] = (),
    seed: str | None = None,
) -> Callable[[BrokenHandler], Override]:
    """Decorator: register ``broken`` (given the faithful handler) as ``name``, in place of ``op`` and ``also``
    (on the seed file ``seed`` of mock_server/, when the fault needs one)."""

    def register(broken: BrokenHandler) -> Override:
        def override(parts: Parts) -> None:
            for each in (op, *also):
                parts.handlers[each] = functools.partial(broken, parts.handlers[each])

        return fault(name, breaks, part=f"handler:{op}", oracles=oracles, seed=seed)(override)

    return register


def records_edited(
    name: str, breaks: str, *, op: str, oracles: tuple[str, ...], edit: Callable[[Record], None]
) -> Override:
    """Register ``name``: ``op`` answers as the faithful handler does, with ``edit`` applied to each data record."""

    @handler_fault(name, breaks, op=op, oracles=oracles)
    def edited(faithful: Handler, ctx: Context, request: Request) -> Envelope:
        envelope = faithful(ctx, request)
        data = envelope["data"]
        for record in [data] if isinstance(data, dict) else data:
            edit(record)
        return envelope

    return edited


class PartFault(Generic[B]):
    """The registering decorator of one part other than the handlers (matching, decode, encode, authenticate)."""

    def __init__(self, part: str, swap: Callable[[Parts, B], None]) -> None:
        self.part = part
        self.swap = swap  # puts the broken function, bound to the faithful part, in the faithful part's place

    def __call__(
        self, name: str, breaks: str, *, oracles: tuple[str, ...], api_version: str | None = None
    ) -> Callable[[B], Override]:
        """Decorator: register ``broken`` as the fault ``name`` of this part (of the mock of ``api_version``)."""

        def register(broken: B) -> Override:
            def override(parts: Parts) -> None:
                self.swap(parts, broken)

            return fault(name, breaks, part=self.part, oracles=oracles, api_version=api_version)(override)

        return register


def _swap_matching(parts: Parts, broken: BrokenMatching) -> None:
    parts.find_profile = functools.partial(broken, parts.find_profile, parts)


def _swap_decode(parts: Parts, broken: BrokenDecode) -> None:
    parts.decode = functools.partial(broken, parts.decode)


def _swap_encode(parts: Parts, broken: BrokenEncode) -> None:
    parts.encode = functools.partial(broken, parts.encode)


def _swap_auth(parts: Parts, broken: BrokenAuth) -> None:
    parts.authenticate = functools.partial(broken, parts.authenticate, parts)


matching_fault = PartFault[BrokenMatching]("matching", _swap_matching)
decode_fault = PartFault[BrokenDecode]("wire:decode", _swap_decode)
encode_fault = PartFault[BrokenEncode]("wire:encode", _swap_encode)
auth_fault = PartFault[BrokenAuth]("auth", _swap_auth)
