"""Broken operations: faults that replace a handler (``part="handler:<operation>"``), one refusal or effect each."""

from __future__ import annotations

from collections.abc import Callable

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.faults.registry import Override
from mock_server.faults.wrapping import Record, handler_fault, records_edited
from mock_server.handlers import Context, Envelope, Request, code_of, ok, program_of
from mock_server.parts import Handler
from mock_server.store import CodeState, ProgramState


def known_code(ctx: Context, request: Request) -> tuple[ProgramState, CodeState] | None:
    """The program and the state of the request's code when both exist (None otherwise, raising nothing)."""
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is None or not isinstance(code, str) or code not in program.codes:
        return None
    return program, program.codes[code]


def restricted_attach_accepted(name: str, breaks: str, *, oracles: tuple[str, ...], moves: bool) -> Override:
    """Register ``name``: attach of a personal code held by another profile succeeds; the code ``moves``, or not."""

    @handler_fault(name, breaks, op="attach", oracles=oracles)
    def attach(faithful: Handler, ctx: Context, request: Request) -> Envelope:
        found = known_code(ctx, request)
        if found is None or not found[0].personal or not found[1].holders:
            return faithful(ctx, request)
        holder = ctx.holder(request)
        program, state = found
        if holder in state.holders:
            return faithful(ctx, request)
        with ctx.store.lock:
            if moves:
                state.holders.clear()
            program.attach(state, holder, ctx.store.now())  # without the clear, the first holder keeps it too
        return ok()

    return attach


def without(*keys: str) -> Callable[[Record], None]:
    """An edit of a record that removes ``keys``."""

    def edit(record: Record) -> None:
        for key in keys:
            record.pop(key, None)

    return edit


# --- attach --------------------------------------------------------------------------------------------

restricted_attach_accepted(
    "restricted-reattach",
    "attach of a personal code held by another profile succeeds and moves the code",
    oracles=("[rule attach.code-attached-restricted]", "[invariant restricted-single-holder]"),
    moves=True,
)


@handler_fault(
    "unknown-code-rejected",
    "attach with a code the program does not hold errs instead of importing it",
    op="attach",
    oracles=("[rule attach.code-unknown]",),
)
def _unknown_code_rejected(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    code = request.get("code")
    program = ctx.store.programs.get(request["loyalty_id"])
    if code is not None and program is not None and code not in program.codes:
        ctx.holder(request)  # an unknown profile is still reported first
        raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")
    return faithful(ctx, request)


@handler_fault(
    "universal-single-use",
    "a universal code held by one profile cannot be attached to another",
    op="attach",
    oracles=("[rule attach.code-attached-universal]",),
)
def _universal_single_use(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = known_code(ctx, request)
    universal_held = found is not None and not found[0].personal and found[1].holders
    if universal_held and found is not None and ctx.holder(request) not in found[1].holders:
        raise ApiError(errors.CODE_RESTRICTED, "it is attached to another profile")
    return faithful(ctx, request)


@handler_fault(
    "pool-draw-noop",
    "attach without a code answers error 0 but attaches nothing",
    op="attach",
    oracles=("[rule attach.no-code-free-available]", "[postcondition matched_profile_holds_code]"),
)
def _pool_draw_noop(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    if request.get("code") is not None:
        return faithful(ctx, request)
    ctx.holder(request)
    program = program_of(ctx, request)
    with ctx.store.lock:
        if program.draw() is None:
            raise ApiError(errors.POOL_EMPTY, f"loyalty program {program.id}")
    return ok()


# --- detach, activate, import, get, export_all ---------------------------------------------------------


@handler_fault(
    "detach-several-allowed",
    "detach of a code attached to several profiles succeeds",
    op="detach",
    oracles=("[rule detach.code-attached-several]",),
)
def _detach_several_allowed(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    found = known_code(ctx, request)
    if found is None or len(found[1].holders) < 2:
        return faithful(ctx, request)
    holder = ctx.holder(request)
    program, state = found
    if holder not in state.holders:
        raise ApiError(errors.CODE_OTHER_PROFILE, "it is attached to another profile")
    with ctx.store.lock:
        program.detach(state, holder)
    return ok()


@handler_fault(
    "detach-without-code-ok",
    "detach without a code answers error 0",
    op="detach",
    oracles=("[rule detach.code-omitted]",),
)
def _detach_without_code_ok(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    if request.get("code") is not None:
        return faithful(ctx, request)
    ctx.holder(request)
    program_of(ctx, request)
    return ok()


@handler_fault(
    "activate-unattached-ok",
    "activate of a free code succeeds and activates it",
    op="activate",
    oracles=("[rule activate.code-free]",),
)
def _activate_unattached_ok(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
        if not state.holders and not state.activated:
            state.activated = ctx.store.now()
            return ok()
    return faithful(ctx, request)


@handler_fault(
    "activate-wrong-code",
    "activate activates another attached code of the program instead of the requested one",
    op="activate",
    oracles=("[rule activate.code-attached]", "[frame]", "[postcondition code_activated]"),
)
def _activate_wrong_code(faithful: Handler, ctx: Context, request: Request) -> Envelope:
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


@handler_fault(
    "import-duplicate-overwrites",
    "importing a code the program holds resets it to free and counts it as inserted",
    op="import",
    oracles=("[rule import.codes-duplicate]",),
)
def _import_duplicate_overwrites(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    with ctx.store.lock:
        for code in request["codes"]:
            program.codes.pop(code, None)  # forgotten, so the faithful import inserts it anew
    return faithful(ctx, request)


records_edited(
    "get-hides-profile",
    "get omits profile_id and database_id of an attached code",
    op="get",
    oracles=("[rule get.code-attached]", "[postcondition matched_profile_holds_code]"),
    edit=without("profile_id", "database_id"),
)
records_edited(
    "export-omits-activated",
    "export_all never shows activated",
    op="export_all",
    oracles=(
        "[rule export_all.lists-program]",
        "[rule activate.code-attached]",
        "[invariant get-export-agree]",
        "[postcondition code_activated]",
    ),
    edit=without("activated"),
)
