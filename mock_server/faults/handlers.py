"""Broken operations: overrides that replace one or more of the seven handlers (``part="handler:<operation>"``)."""

from __future__ import annotations

import html
from collections.abc import Callable

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.faults.registry import Override
from mock_server.faults.wrapping import Record, handler_fault, records_edited
from mock_server.handlers import Context, Envelope, Request, code_of, ok, program_of
from mock_server.parts import Handler
from mock_server.store import CodeState, ProgramState


def _known_code(ctx: Context, request: Request) -> tuple[ProgramState, CodeState] | None:
    """The program and the state of the request's code when both exist (None otherwise, raising nothing)."""
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is None or not isinstance(code, str) or code not in program.codes:
        return None
    return program, program.codes[code]


# --- attach --------------------------------------------------------------------------------------------


def _restricted_attach_accepted(*, moves: bool) -> Override:
    """Attach of a personal code held by another profile succeeds: the code ``moves``, or gains a second holder."""

    @handler_fault("attach")
    def attach(faithful: Handler, ctx: Context, request: Request) -> Envelope:
        found = _known_code(ctx, request)
        if found is None or not found[0].personal or not found[1].holders:
            return faithful(ctx, request)
        holder = ctx.holder(request)
        program, state = found
        if holder in state.holders:
            return faithful(ctx, request)
        with ctx.store.lock:
            if moves:
                state.holders.clear()
            program.attach(state, holder, ctx.store.now())
        return ok()

    return attach


restricted_reattach = _restricted_attach_accepted(moves=True)
restricted_second_holder = _restricted_attach_accepted(moves=False)


@handler_fault("attach")
def unknown_code_rejected(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    code = request.get("code")
    program = ctx.store.programs.get(request["loyalty_id"])
    if code is not None and program is not None and code not in program.codes:
        ctx.holder(request)  # an unknown profile is still reported first
        raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")
    return faithful(ctx, request)


@handler_fault("attach")
def universal_single_use(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = _known_code(ctx, request)
    universal_held = found is not None and not found[0].personal and found[1].holders
    if universal_held and found is not None and ctx.holder(request) not in found[1].holders:
        raise ApiError(errors.CODE_RESTRICTED, "it is attached to another profile")
    return faithful(ctx, request)


@handler_fault("attach")
def pool_draw_noop(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    if request.get("code") is not None:
        return faithful(ctx, request)
    ctx.holder(request)
    program = program_of(ctx, request)
    with ctx.store.lock:
        if program.draw() is None:
            raise ApiError(errors.POOL_EMPTY, f"loyalty program {program.id}")
    return ok()


# --- detach --------------------------------------------------------------------------------------------


@handler_fault("detach")
def detach_several_allowed(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = _known_code(ctx, request)
    if found is None or len(found[1].holders) < 2:
        return faithful(ctx, request)
    holder = ctx.holder(request)
    program, state = found
    if holder not in state.holders:
        raise ApiError(errors.CODE_OTHER_PROFILE, "it is attached to another profile")
    with ctx.store.lock:
        program.detach(state, holder)
    return ok()


@handler_fault("detach")
def detach_without_code_ok(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    if request.get("code") is not None:
        return faithful(ctx, request)
    ctx.holder(request)
    program_of(ctx, request)
    return ok()


# --- activate ------------------------------------------------------------------------------------------


@handler_fault("activate")
def activate_unattached_ok(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
        if not state.holders and not state.activated:
            state.activated = ctx.store.now()
            return ok()
    return faithful(ctx, request)


@handler_fault("activate")
def activate_wrong_code(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
        if state.holders and not state.activated:  # the faithful handler would activate it
            others = (s for s in program.codes.values() if s.holders and not s.activated and s is not state)
            other = next(others, None)
            if other is not None:
                other.activated = ctx.store.now()
            return ok()
    return faithful(ctx, request)


@handler_fault("activate")
def refused_activate_applied(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = _known_code(ctx, request)
    if found is not None and not found[1].holders and not found[1].activated:
        with ctx.store.lock:
            found[1].activated = ctx.store.now()
        raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
    return faithful(ctx, request)


# --- import --------------------------------------------------------------------------------------------


@handler_fault("import")
def import_duplicate_overwrites(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    with ctx.store.lock:
        for code in request["codes"]:
            program.codes.pop(code, None)  # forgotten, so the faithful import inserts it anew
    return faithful(ctx, request)


# --- get, export_all: the faithful answer, edited ------------------------------------------------------


def _without(*keys: str) -> Callable[[Record], None]:
    """An edit that removes ``keys`` from a record."""

    def edit(record: Record) -> None:
        for key in keys:
            record.pop(key, None)

    return edit


def _code_html_escaped(record: Record) -> None:
    record["code"] = html.escape(record["code"])


get_hides_profile = records_edited("get", _without("profile_id", "database_id"))
export_omits_activated = records_edited("export_all", _without("activated"))
export_respells_markup = records_edited("export_all", _code_html_escaped)


# --- several operations --------------------------------------------------------------------------------


@handler_fault("get", "activate", "update", "detach")
def program_scope_ignored(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    # The request goes on with loyalty_id moved to a program holding its code, when the named one lacks it.
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is not None and isinstance(code, str) and code not in program.codes:
        other = next((p.id for p in ctx.store.programs.values() if code in p.codes), None)
        if other is not None:
            request = {**request, "loyalty_id": other}
    return faithful(ctx, request)


def success_without_effect(op: str) -> Override:
    """An override: ``op`` answers error 0 once the faithful checks of program and code pass, and changes nothing."""

    @handler_fault(op)
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
