"""Broken state: faults that break the store's atomicity: attaches that race (``part="store"``: the lock and the clock
replaced), a pool draw that is not one transaction (it replaces the attach handler)."""

from __future__ import annotations

import contextlib
import time

from mock_server.faults.registry import fault
from mock_server.handlers import Context, Envelope, Request, ok, program_of
from mock_server.parts import Parts

RACE_SLEEP = 0.02  # attach-race, pool-draw-race: long enough for concurrent requests to interleave every time


@fault(
    "attach-race",
    "attach checks and sets without the lock, sleeping 20 ms in between",
    part="store",
    oracles=("[invariant restricted-single-holder]",),
)
def _attach_race(parts: Parts) -> None:
    # The store's lock excludes nothing, and its clock (read by attach between the check and the set)
    # takes 20 ms: concurrent attaches of one code all pass the check before any of them sets it.
    faithful_now = parts.store.now

    def slow_now() -> str:
        time.sleep(RACE_SLEEP)
        return faithful_now()

    parts.store.lock = contextlib.nullcontext()
    parts.store.now = slow_now
    parts.blocking = True


@fault(
    "pool-draw-race",
    "attach without a code reads the oldest free code and attaches it in two critical sections, 20 ms apart",
    part="handler:attach",
    oracles=("[linearizability]",),
)
def _pool_draw_race(parts: Parts) -> None:
    # A draw that is not one transaction: it picks the oldest free code under the lock, lets go of it while it
    # does something slow, and attaches the code it picked without looking again. Two overlapping draws pick
    # the same code and both attach it: a personal code with two holders, and each draw answered error 0.
    # Sequential draws (every rule case, both state machines) are served faithfully.
    faithful = parts.handlers["attach"]

    def attach(ctx: Context, request: Request) -> Envelope:
        if request.get("code") is not None:
            return faithful(ctx, request)
        holder = ctx.holder(request)
        program = program_of(ctx, request)
        with ctx.store.lock:
            picked = program.draw()
        if picked is None:
            return faithful(ctx, request)  # the empty pool: answered faithfully
        time.sleep(RACE_SLEEP)
        with ctx.store.lock:
            if holder not in picked.holders:
                program.attach(picked, holder, ctx.store.now())
        return ok()

    parts.handlers["attach"] = attach
    parts.blocking = True  # requests run on threads, so concurrent draws overlap
