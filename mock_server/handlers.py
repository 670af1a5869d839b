"""The seven operations on the state: each takes a validated request dict and returns the envelope.

Refusals raise ApiError; the app turns them into the envelope. Every read-modify-write
runs under ``store.lock``. This is the faithful behaviour only: faults replace a handler
(or another part) from ``mock_server/faults/`` and never appear here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server import clock, errors
from mock_server.errors import SUCCESS_TEXT, ApiError
from mock_server.seed import Profile
from mock_server.store import CodeState, Holder, ProgramState, Store

Request = dict[str, Any]
Envelope = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What a handler works on: the state, and how a request's identifiers find a profile."""

    store: Store
    find_profile: Callable[[Request], Profile]

    def holder(self, request: Request) -> Holder:
        """The (database, profile) that the request's ``db_id`` and identifiers name; ApiError if none."""
        profile = self.find_profile(request)
        return (profile.db_id, profile.profile_id)


def ok(data: Any = None) -> Envelope:
    """The success envelope."""
    return {"data": data, "error": 0, "error_text": SUCCESS_TEXT}


def program_of(ctx: Context, request: Request) -> ProgramState:
    program = ctx.store.programs.get(request["loyalty_id"])
    if program is None:
        raise ApiError(errors.PROGRAM_NOT_FOUND, f"loyalty_id {request['loyalty_id']}")
    return program


def code_of(program: ProgramState, code: str) -> CodeState:
    state = program.codes.get(code)
    if state is None:
        raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")
    return state


def do_import(ctx: Context, request: Request) -> Envelope:
    """Add new codes as free codes; report duplicates per item (error 500) and count them."""
    program = program_of(ctx, request)
    items: list[dict[str, Any]] = []
    inserted = duplicated = 0
    with ctx.store.lock:
        now = ctx.store.now()
        codes = program.codes
        for code in request["codes"]:
            state = codes.get(code)
            if state is None:
                program.add(code, now)
                inserted += 1
                items.append({"code": code, "error": 0, "error_text": ""})
            else:
                duplicated += 1
                items.append({"code": code, "error": errors.DUPLICATED.code, "error_text": errors.DUPLICATED.text})
    envelope = ok(items)
    envelope.update(discarded_by_limit=0, duplicated=duplicated, inserted=inserted)
    return envelope


def do_get(ctx: Context, request: Request) -> Envelope:
    """Report one code: every PromoCodeInfo field, "" for unset times, its profile only while attached."""
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
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
        if state.holders:
            db_id, profile_id = next(iter(state.holders))
            data["database_id"] = db_id
            data["profile_id"] = profile_id
    return ok(data)


def do_activate(ctx: Context, request: Request) -> Envelope:
    """Activate a code that is attached to a profile."""
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
        if not state.holders:
            raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
        if state.activated:
            raise ApiError(errors.CODE_ACTIVATED, f"since {state.activated}")
        state.activated = ctx.store.now()
    return ok()


def do_update(ctx: Context, request: Request) -> Envelope:
    """Set expire_date and/or (de)activate; activation needs an attached code, as in activate."""
    program = program_of(ctx, request)
    with ctx.store.lock:
        state = code_of(program, request["code"])
        activated = request.get("activated")
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
    """Attach the given code (importing it if unknown, where the program creates codes), or the oldest free code
    when no code is given."""
    holder = ctx.holder(request)
    program = program_of(ctx, request)
    code = request.get("code")
    store = ctx.store
    with store.lock:
        state = program.draw() if code is None else program.codes.get(code)
        if code is None and state is None:
            raise ApiError(errors.POOL_EMPTY, f"loyalty program {program.id}")
        if state is not None and holder in state.holders:
            if program.personal:
                raise ApiError(errors.CODE_RESTRICTED, "it is already attached to this profile")
            return ok()
        if state is not None and state.holders and program.personal:
            raise ApiError(errors.CODE_RESTRICTED, "it is attached to another profile")
        if state is None and not program.creates_codes:
            raise ApiError(errors.CODE_NOT_CREATED, f"{code!r} is not in loyalty program {program.id}")
        now = store.now()
        if state is None:
            state = program.add(str(code), now)  # an unknown code is imported by attaching it
        program.attach(state, holder, now)
    return ok()


def do_detach(ctx: Context, request: Request) -> Envelope:
    """Detach a code from the matched profile; refuse without code and for a code held by several profiles."""
    holder = ctx.holder(request)
    program = program_of(ctx, request)
    code = request.get("code")
    if code is None:
        raise ApiError(errors.CODE_REQUIRED, "detach needs the code to remove")
    with ctx.store.lock:
        state = code_of(program, code)
        if not state.holders:
            raise ApiError(errors.CODE_NOT_ATTACHED, f"{code!r} is attached to no profile")
        if len(state.holders) > 1:
            raise ApiError(errors.CODE_SEVERAL, f"{code!r} is attached to {len(state.holders)} profiles")
        if holder not in state.holders:
            raise ApiError(errors.CODE_OTHER_PROFILE, f"{code!r} is attached to another profile")
        program.detach(state, holder)
    return ok()


def do_export_all(ctx: Context, request: Request) -> Envelope:
    """List every code of the program; attached and activated only when set."""
    program = program_of(ctx, request)
    items: list[dict[str, str]] = []
    with ctx.store.lock:
        for state in program.codes.values():
            item = {"code": state.code}
            if state.attached:
                item["attached"] = state.attached
            if state.activated:
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
