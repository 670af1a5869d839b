"""Broken authentication and validation: overrides of ``Parts.authenticate`` (``part="auth"``) and of
``Parts.schema_errors`` (``part="validation"``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jsonschema.exceptions import ValidationError

from mock_server.faults.registry import Override
from mock_server.faults.wrapping import Authenticate, auth_fault
from mock_server.handlers import Request
from mock_server.parts import Parts

# The bearer header of v74 (facts sheet section 5): the faults reading it are for a mock serving v74.
HEADER_OPERATIONS = ("import", "get", "activate")  # auth-header-some-operations honours the header only here


@auth_fault
def auth_missing_accepted(
    faithful: Authenticate, _parts: Parts, op_id: str, request: Request, bearer: str | None
) -> None:
    if request.get("token") in (None, "") and bearer is None:
        request["token"] = "absent"  # noqa: S105 - a stand-in so that schema validation lets it through
        return
    faithful(op_id, request, bearer)


def _accepted_when(accepts: Callable[[Parts, Request, str | None], bool]) -> Override:
    """Requests that ``accepts`` (parts, request, bearer) pass unchecked; the others meet the faithful check."""

    @auth_fault
    def authenticate(faithful: Authenticate, parts: Parts, op_id: str, request: Request, bearer: str | None) -> None:
        if not accepts(parts, request, bearer):
            faithful(op_id, request, bearer)

    return authenticate


def _body_token(request: Request) -> str:
    """The body's token when it is a string ('' otherwise)."""
    token = request.get("token")
    return token if isinstance(token, str) else ""


auth_any_token = _accepted_when(lambda _parts, request, _bearer: _body_token(request) != "")
auth_prefix_token = _accepted_when(lambda parts, request, _bearer: parts.auth.related(_body_token(request)))
auth_header_any_token = _accepted_when(
    lambda _parts, request, bearer: bearer is not None and request.get("token") in (None, "")
)


def _header_read_only_on(ops: tuple[str, ...]) -> Override:
    """The override under which the bearer header counts on ``ops`` only (as if absent elsewhere)."""

    @auth_fault
    def authenticate(faithful: Authenticate, _parts: Parts, op_id: str, request: Request, bearer: str | None) -> None:
        faithful(op_id, request, bearer if op_id in ops else None)

    return authenticate


auth_header_ignored = _header_read_only_on(())
auth_header_some_operations = _header_read_only_on(HEADER_OPERATIONS)


def update_no_options_ok(parts: Parts) -> None:
    """Drop update's top-level ``anyOf`` violation (neither activated nor expire_date) from schema validation."""
    faithful = parts.schema_errors

    def schema_errors(op_id: str, request: Request) -> Iterable[ValidationError]:
        found = faithful(op_id, request)
        if op_id != "update":
            return found
        return [e for e in found if not (e.validator == "anyOf" and not e.absolute_path)]

    parts.schema_errors = schema_errors
