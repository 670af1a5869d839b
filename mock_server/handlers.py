"""The seven operations on the state: each takes a validated request dict and returns the envelope.

Refusals raise ApiError; the app turns them into the envelope. Every read-modify-write
runs under ``store.lock`` (except under the fault ``attach-race``, which exists to show
what the lock prevents).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server import clock, errors
from mock_server.errors import SUCCESS_TEXT, ApiError
from mock_server.matching import Directory
from mock_server.store import CodeState, Holder, ProgramState, Store

Request = dict[str, Any]
Envelope = dict[str, Any]

RACE_SLEEP = 0.02


@dataclass(frozen=True)
class Context:
    """What a handler works on: the state, the profiles, and the faults switched on."""

    store: Store
    directory: Directory
    faults: frozenset[str]


def ok(data: Any = None) -> Envelope:
    """The success envelope."""
    return {"data": data, "error": 0, "error_text": SUCCESS_TEXT}


def _program(ctx: Context, request: Request) -> ProgramState:
    program = ctx.store.programs.get(request["loyalty_id"])
    if program is None:
        raise ApiError(errors.PROGRAM_NOT_FOUND, f"loyalty_id {request['loyalty_id']}")
    return program


def _code(program: ProgramState, code: str, ctx: Context | None = None) -> CodeState:
    state = program.codes.get(code)
    if state is None and ctx is not None and "program-scope-ignored" in ctx.faults:
        state = next((p.codes[code] for p in ctx.store.programs.values() if code in p.codes), None)
    if state is None:
        raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")
    return state


def do_import(ctx: Context, request: Request) -> Envelope:
    """Add new codes as free codes; report duplicates per item (error 500) and count them."""
    program = _program(ctx, request)
    if "import-noop" in ctx.faults:
        envelope = ok([{"code": c, "error": 0, "error_text": ""} for c in request["codes"]])
        envelope.update(discarded_by_limit=0, duplicated=0, inserted=len(request["codes"]))
        return envelope
    overwrite = "import-duplicate-overwrites" in ctx.faults
    items: list[dict[str, Any]] = []
    inserted = duplicated = 0
    with ctx.store.lock:
        now = ctx.store.now()
        codes = program.codes
        for code in request["codes"]:
            state = codes.get(code)
            if state is None:
                program.add(code, now)
            elif overwrite:
                state.holders.clear()
                state.attached = state.activated = state.expire_date = ""
                program.release(state)
            else:
                duplicated += 1
                items.append({"code": code, "error": errors.DUPLICATED.code, "error_text": errors.DUPLICATED.text})
                continue
            inserted += 1
            items.append({"code": code, "error": 0, "error_text": ""})
    envelope = ok(items)
    envelope.update(discarded_by_limit=0, duplicated=duplicated, inserted=inserted)
    return envelope


def do_get(ctx: Context, request: Request) -> Envelope:
    """Report one code: every PromoCodeInfo field, "" for unset times, its profile only while attached."""
    program = _program(ctx, request)
    with ctx.store.lock:
        state = _code(program, request["code"], ctx)
        now = ctx.store.now()
        expired = clock.is_past(state.expire_date, now)
        data: dict[str, Any] = {
            "activated": state.activated,
            "attached": state.attached,
            "code": state.code,
            "created": state.created,
            "expire_date": state.expire_date,
            "expired": state.expire_date if expired else "",
            "is_activated": bool(state.activated),
            "is_attached": bool(state.holders),
            "is_expired": expired,
            "loyalty_id": program.id,
        }
        if "program-scope-ignored" in ctx.faults:
            data["loyalty_id"] = next(p.id for p in ctx.store.programs.values() if p.codes.get(state.code) is state)
        if state.holders and "get-hides-profile" not in ctx.faults:
            db_id, profile_id = next(iter(state.holders))
            data["database_id"] = db_id
            data["profile_id"] = profile_id
    return ok(data)


def do_activate(ctx: Context, request: Request) -> Envelope:
    """Activate a code that is attached to a profile."""
    program = _program(ctx, request)
    with ctx.store.lock:
        state = _code(program, request["code"], ctx)
        if "activate-noop" in ctx.faults:
            return ok()
        if not state.holders and "activate-unattached-ok" not in ctx.faults:
            if "refused-activate-applied" in ctx.faults:
                state.activated = ctx.store.now()
            raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
        if state.activated:
            raise ApiError(errors.CODE_ACTIVATED, f"since {state.activated}")
        if "activate-wrong-code" in ctx.faults:
            other = next((s for s in program.codes.values() if s.holders and not s.activated and s is not state), None)
            if other is None:
                return ok()
            state = other
        state.activated = ctx.store.now()
    return ok()


def do_update(ctx: Context, request: Request) -> Envelope:
    """Set expire_date and/or (de)activate; activation needs an attached code, as in activate."""
    program = _program(ctx, request)
    with ctx.store.lock:
        state = _code(program, request["code"], ctx)
        if "update-noop" in ctx.faults:
            return ok()
        activated = request.get("activated")  # neither option reaches here only under update-no-options-ok
        if activated is True and not state.holders and not state.activated:
            raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
        if "expire_date" in request:
            state.expire_date = request["expire_date"]
        if activated is True and not state.activated:
            state.activated = ctx.store.now()
        elif activated is False and state.activated:
            state.activated = ""
            program.release(state)
    return ok()


def do_attach(ctx: Context, request: Request) -> Envelope:
    """Attach the given code (importing it if unknown), or a free code of the program when no code is given."""
    profile = ctx.directory.find(request, ctx.faults)
    holder: Holder = (profile.db_id, profile.profile_id)
    program = _program(ctx, request)
    code = request.get("code")
    if "attach-noop" in ctx.faults:
        return ok()
    if "attach-race" in ctx.faults:
        apply = _attach_check(ctx, program, code, holder)
        time.sleep(RACE_SLEEP)
        apply()
        return ok()
    with ctx.store.lock:
        _attach_check(ctx, program, code, holder)()
    return ok()


def _attach_check(ctx: Context, program: ProgramState, code: str | None, holder: Holder) -> Callable[[], None]:
    """Decide what attach does (or raise), and return the change to apply."""
    faults = ctx.faults
    store = ctx.store
    if code is None:
        drawn = program.draw()
        if drawn is None:
            raise ApiError(errors.POOL_EMPTY, f"loyalty program {program.id}")
        if "pool-draw-noop" in faults:
            return lambda: None
        return lambda: program.attach(drawn, holder, store.now())
    state = program.codes.get(code)
    if state is None:
        if "unknown-code-rejected" in faults:
            raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")

        def import_and_attach() -> None:
            now = store.now()
            program.attach(program.codes.get(code) or program.add(code, now), holder, now)

        return import_and_attach
    if holder in state.holders:
        if program.personal:
            raise ApiError(errors.CODE_RESTRICTED, "it is already attached to this profile")
        return lambda: None
    if state.holders:
        if program.personal and "restricted-second-holder" in faults:
            return lambda: program.attach(state, holder, store.now())
        if program.personal and "restricted-reattach" in faults:

            def move() -> None:
                state.holders.clear()
                program.attach(state, holder, store.now())

            return move
        if program.personal or "universal-single-use" in faults:
            raise ApiError(errors.CODE_RESTRICTED, "it is attached to another profile")
    return lambda: program.attach(state, holder, store.now())


def do_detach(ctx: Context, request: Request) -> Envelope:
    """Detach a code from the matched profile; refuse without code and for a code held by several profiles."""
    profile = ctx.directory.find(request, ctx.faults)
    holder: Holder = (profile.db_id, profile.profile_id)
    program = _program(ctx, request)
    code = request.get("code")
    if code is None:
        if "detach-without-code-ok" in ctx.faults:
            return ok()
        raise ApiError(errors.CODE_REQUIRED, "detach needs the code to remove")
    with ctx.store.lock:
        state = _code(program, code, ctx)
        if "detach-noop" in ctx.faults:
            return ok()
        if not state.holders:
            raise ApiError(errors.CODE_NOT_ATTACHED, f"{code!r} is attached to no profile")
        if len(state.holders) > 1 and "detach-several-allowed" not in ctx.faults:
            raise ApiError(errors.CODE_SEVERAL, f"{code!r} is attached to {len(state.holders)} profiles")
        if holder not in state.holders:
            raise ApiError(errors.CODE_OTHER_PROFILE, f"{code!r} is attached to another profile")
        program.detach(state, holder)
    return ok()


def do_export_all(ctx: Context, request: Request) -> Envelope:
    """List every code of the program; attached and activated only when set."""
    program = _program(ctx, request)
    hide_activated = "export-omits-activated" in ctx.faults
    respell = "export-respells-markup" in ctx.faults
    items: list[dict[str, str]] = []
    with ctx.store.lock:
        for state in program.codes.values():
            item = {"code": html.escape(state.code) if respell else state.code}
            if state.attached:
                item["attached"] = state.attached
            if state.activated and not hide_activated:
                item["activated"] = state.activated
            items.append(item)
    return ok(items)


HANDLERS: dict[str, Callable[[Context, Request], Envelope]] = {
    "import": do_import,
    "get": do_get,
    "activate": do_activate,
    "update": do_update,
    "attach": do_attach,
    "detach": do_detach,
    "export_all": do_export_all,
}
