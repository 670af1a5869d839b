"""Broken authentication and validation: faults that replace ``Parts.authenticate`` (``part="auth"``) or
``Parts.schema_errors`` (``part="validation"``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from mock_server.faults.registry import Override, fault
from mock_server.faults.wrapping import Authenticate, auth_fault
from mock_server.handlers import Request
from mock_server.parts import Parts

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

# The bearer header of v74 (facts sheet section 5): the faults reading it are for a mock serving v74.
HEADER_OPERATIONS = ("import", "get", "activate")  # auth-header-some-operations honours the header only here


Accepts = Callable[[Parts, Request, str | None], bool]  # (parts, request, bearer) -> pass without the check


def _accepted_when(
    name: str, breaks: str, *, oracles: tuple[str, ...], api_version: str | None = None
) -> Callable[[Accepts], Override]:
    """Decorator: register ``name``, under which the requests that the predicate accepts pass unchecked."""

    def register(accepts: Accepts) -> Override:
        @auth_fault(name, breaks, oracles=oracles, api_version=api_version)
        def authenticate(
            faithful: Authenticate, parts: Parts, op_id: str, request: Request, bearer: str | None
        ) -> None:
            if not accepts(parts, request, bearer):
                faithful(op_id, request, bearer)

        return authenticate

    return register


def _header_read_only_on(name: str, breaks: str, *, oracles: tuple[str, ...], ops: tuple[str, ...]) -> Override:
    """Register the v74 fault ``name``: the bearer header counts on ``ops`` only (as if absent elsewhere)."""

    @auth_fault(name, breaks, oracles=oracles, api_version="74")
    def authenticate(faithful: Authenticate, _parts: Parts, op_id: str, request: Request, bearer: str | None) -> None:
        faithful(op_id, request, bearer if op_id in ops else None)

    return authenticate


def _body_token(request: Request) -> str:
    """The body's token when it is a string ('' otherwise)."""
    token = request.get("token")
    return token if isinstance(token, str) else ""


@auth_fault("auth-missing-accepted", "requests without a token are served", oracles=("[rule auth.token-missing]",))
def _auth_missing_accepted(
    faithful: Authenticate, _parts: Parts, op_id: str, request: Request, bearer: str | None
) -> None:
    if request.get("token") in (None, "") and bearer is None:
        request["token"] = "absent"  # noqa: S105 - a stand-in so that schema validation lets it through
        return
    faithful(op_id, request, bearer)


@_accepted_when("auth-any-token", "any non-empty token is accepted", oracles=("[rule auth.token-wrong]",))
def _auth_any_token(_parts: Parts, request: Request, _bearer: str | None) -> bool:
    return _body_token(request) != ""


@_accepted_when(
    "auth-prefix-token",
    "a token that the real one starts with, or that starts with the real one, is accepted",
    oracles=("[rule auth.token-wrong]",),
)
def _auth_prefix_token(parts: Parts, request: Request, _bearer: str | None) -> bool:
    return parts.auth.related(_body_token(request))


_header_read_only_on(
    "auth-header-ignored",
    "v74: the Authorization header is ignored (only the body token counts), as in v72",
    oracles=("[rule auth.header-token]",),
    ops=(),
)


@_accepted_when(
    "auth-header-any-token",
    "v74: any non-empty token in the Authorization header is accepted",
    oracles=("[rule auth.header-token-wrong]",),
    api_version="74",
)
def _auth_header_any_token(_parts: Parts, request: Request, bearer: str | None) -> bool:
    return bearer is not None and request.get("token") in (None, "")


_header_read_only_on(
    "auth-header-some-operations",
    f"v74: the Authorization header is honoured on {', '.join(HEADER_OPERATIONS)} only, ignored elsewhere",
    oracles=("[rule auth.header-token]",),
    ops=HEADER_OPERATIONS,
)


@fault(
    "update-no-options-ok",
    "update without activated and expire_date answers error 0",
    part="validation",
    oracles=("[rule update.no-options]", "[rule request.invalid]"),
)
def _update_no_options_ok(parts: Parts) -> None:
    faithful = parts.schema_errors

    def schema_errors(op_id: str, request: Request) -> Iterable[ValidationError]:
        found = faithful(op_id, request)
        if op_id != "update":
            return found
        return [e for e in found if not (e.validator == "anyOf" and not e.absolute_path)]

    parts.schema_errors = schema_errors
