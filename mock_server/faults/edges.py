"""Faults of issue 18's edges: documented constraints beside the spec's stances, the program settings of the
Russian attach page, and the answers the preflight reads before any test.

Each is there to prove one capability of the suite: the stance split requires refusal of what every page forbids
(and only that), the rules follow each program's declared ``creates_codes``, and the preflight tells a server fault
from a wrong target file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.faults.registry import fault
from mock_server.faults.wrapping import Decode, Encode, decode_fault, encode_fault, handler_fault
from mock_server.handlers import Context, Envelope, Request, ok, program_of
from mock_server.parts import Handler, Parts

CREATION_DISALLOWED_SEED = "creation_disallowed_seed.yaml"  # programs 12 and 13 do not create codes


@fault(
    "format-type-unchecked",
    "a format that is no string (true, a list, an object) is not refused: the request is served, in JSON",
    part="validation",
    oracles=("[rule request.invalid] a request that breaks a documented constraint got error 0",),
)
def _format_type_unchecked(parts: Parts) -> None:
    # an integer format is the other reading of stance 1 (typed int on four pages); the others break every page
    faithful = parts.schema_errors

    def schema_errors(op_id: str, request: Request) -> Iterable[ValidationError]:
        return [
            e
            for e in faithful(op_id, request)
            if not (list(e.absolute_path) == ["format"] and not isinstance(e.instance, str))
        ]

    parts.schema_errors = schema_errors


@handler_fault(
    "creation-disallowed-ignored",
    "attach of a code the program does not hold imports and attaches it also where the program does not create codes",
    op="attach",
    oracles=("[rule attach.code-unknown-creation-disallowed]",),
    seed=CREATION_DISALLOWED_SEED,
)
def _creation_disallowed_ignored(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is None or program.creates_codes or not isinstance(code, str) or code in program.codes:
        return faithful(ctx, request)
    holder = ctx.holder(request)  # the profile must still be found
    with ctx.store.lock:
        now = ctx.store.now()
        program.attach(program.add(code, now), holder, now)  # as the English page's programs do
    return ok()


# --- the preflight's reads: answers no target file can cause -------------------------------------------------


@fault(
    "attach-http-500",
    "attach answers HTTP 500 (the envelope it carries is the faithful one)",
    part="status",
    oracles=("[preflight] an HTTP 5xx answer",),
)
def _attach_http_500(parts: Parts) -> None:
    faithful = parts.status

    def status(op_id: str, envelope: Envelope) -> int:
        return 500 if op_id == "attach" else faithful(op_id, envelope)

    parts.status = status


@decode_fault(
    "json-requests-refused",
    "every JSON request is refused with error 400 'Incorrect request' (XML requests are served)",
    oracles=("[preflight] a valid request refused",),
)
def _json_requests_refused(faithful: Decode, body: bytes, kind: str, schema: dict[str, Any]) -> Request:
    if kind == "json":
        raise ApiError(errors.INCORRECT_REQUEST, "the body cannot be read")
    return faithful(body, kind, schema)


@encode_fault(
    "error-as-string",
    "JSON answers carry error as a string ('0' on success)",
    oracles=("[preflight] a broken envelope",),
)
def _error_as_string(faithful: Encode, envelope: Envelope, fmt: str) -> tuple[bytes, str]:
    return faithful({**envelope, "error": str(envelope["error"])} if fmt == "json" else envelope, fmt)


@handler_fault(
    "export-other-program",
    "export_all of a program without free codes lists the first program's codes instead",
    op="export_all",
    oracles=("[preflight] contradicting answers",),
)
def _export_other_program(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    if any(state.is_free for state in program.codes.values()):
        return faithful(ctx, request)
    return faithful(ctx, {**request, "loyalty_id": min(ctx.store.programs)})
