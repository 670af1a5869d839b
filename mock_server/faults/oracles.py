"""Faults for the suite's oracles (issue 9): postconditions, the frame, invariants and wire labels must catch them.

Each replaces one part like the others (the part is in its declaration); they are kept together, after the rest,
because that is their place in ``REGISTRY`` and in ``--list-faults``.
"""

from __future__ import annotations

import html

from mock_server import clock, errors
from mock_server.errors import ApiError
from mock_server.faults.handlers import known_code, restricted_attach_accepted
from mock_server.faults.registry import Override, fault
from mock_server.faults.wrapping import (
    Encode,
    FindProfile,
    Record,
    encode_fault,
    handler_fault,
    matching_fault,
    records_edited,
)
from mock_server.handlers import Context, Envelope, Request, code_of, ok, program_of
from mock_server.parts import Handler, Parts
from mock_server.seed import Profile
from promo_spec.media import JSON_TYPE


def _success_without_effect(name: str, *, op: str, oracles: tuple[str, ...]) -> Override:
    """Register ``name``: ``op`` answers error 0 once the faithful checks of program and code pass, and changes
    nothing."""

    @handler_fault(name, f"{op} answers error 0 but changes nothing", op=op, oracles=oracles)
    def noop(_faithful: Handler, ctx: Context, request: Request) -> Envelope:
        if op in ("attach", "detach"):
            ctx.holder(request)  # the profile must still be found
        program = program_of(ctx, request)
        if op == "import":
            items = [{"code": c, "error": 0, "error_text": ""} for c in request["codes"]]
            envelope = ok(items)
            envelope.update(discarded_by_limit=0, duplicated=0, inserted=len(items))
            return envelope
        if op in ("activate", "update", "detach") and isinstance(request.get("code"), str):
            code_of(program, request["code"])
        return ok()

    return noop


# Each write operation answers error 0 and changes nothing: only the postcondition of its x-success catches it.
_success_without_effect("import-noop", op="import", oracles=("[postcondition items_agree_with_listing]",))
_success_without_effect("attach-noop", op="attach", oracles=("[postcondition matched_profile_holds_code]",))
_success_without_effect("detach-noop", op="detach", oracles=("[postcondition matched_profile_released_code]",))
_success_without_effect("activate-noop", op="activate", oracles=("[postcondition code_activated]",))
_success_without_effect("update-noop", op="update", oracles=("[postcondition requested_state_shown]",))


restricted_attach_accepted(
    "restricted-second-holder",
    "attach of a personal code held by another profile succeeds and adds a second holder",
    oracles=("[invariant restricted-single-holder]",),
    moves=False,
)


@matching_fault(
    "unknown-db-first-database",
    "attach and detach with a db_id the mock lacks match in the first database instead",
    oracles=("[postcondition matched_profile_holds_code]", "[frame]"),
)
def _unknown_db_first_database(faithful: FindProfile, parts: Parts, request: Request) -> Profile:
    known = request["db_id"] in parts.directory.databases
    return faithful(request if known else {**request, "db_id": min(parts.directory.databases)})


@handler_fault(
    "program-scope-ignored",
    "a code the named program lacks is looked up in every program",
    op="get",
    also=("activate", "update", "detach"),
    oracles=("[frame]", "[postcondition describes_listed_code]", "[invariant get-export-agree]"),
)
def _program_scope_ignored(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    # The request goes on with loyalty_id moved to a program holding its code, when the named one lacks it.
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is not None and isinstance(code, str) and code not in program.codes:
        other = next((p.id for p in ctx.store.programs.values() if code in p.codes), None)
        if other is not None:
            request = {**request, "loyalty_id": other}
    return faithful(ctx, request)


@encode_fault("json-labelled-text", "JSON answers are labelled text/plain", oracles=("[wire-label]",))
def _json_labelled_text(faithful: Encode, envelope: Envelope, fmt: str) -> tuple[bytes, str]:
    body, content_type = faithful(envelope, fmt)
    return body, "text/plain; charset=utf-8" if content_type == JSON_TYPE else content_type


@handler_fault(
    "refused-activate-applied",
    "activate of a free code is refused but the code is activated anyway",
    op="activate",
    oracles=("[frame] a refused request changed",),
)
def _refused_activate_applied(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = known_code(ctx, request)
    if found is not None and not found[1].holders and not found[1].activated:
        with ctx.store.lock:
            found[1].activated = ctx.store.now()
        raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
    return faithful(ctx, request)


@fault(
    "clock-backwards",
    "the clock runs backwards (every timestamp is earlier than the one before)",
    part="store",
    oracles=("[invariant timestamps]",),
)
def _clock_backwards(parts: Parts) -> None:
    parts.store.now = clock.backwards()


def _code_html_escaped(record: Record) -> None:
    record["code"] = html.escape(record["code"])


records_edited(
    "export-respells-markup",
    "export_all lists codes with markup characters HTML-escaped",
    op="export_all",
    oracles=("[invariant codes-persist]", "[invariant get-export-agree]"),
    edit=_code_html_escaped,
)
