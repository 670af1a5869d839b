"""The model's transition relation: every world the documented API allows after one answered call.

``Model(spec).step(world, call)`` returns each allowed world (empty: no allowed outcome explains the answer);
``explain`` says why. Where the spec's ``x-rules`` say ``zero`` only a success is allowed, ``nonzero`` only a
refusal, ``any`` both; a refusal never changes anything (every rule's ``effects`` of a refusal are empty), and a
success does what the operation's ``x-success`` means, in every branch, touching only what the request names.
Where the docs are silent about how (which free code a pool draw takes, whether a second attach to the same
profile restamps ``attached``, whether a detach clears an activation), every coherent choice is a branch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from contract_tests.model import identity
from contract_tests.model.call import Call
from contract_tests.model.rules import Requirement, RuleBook, situation
from contract_tests.model.state import ANY_TIME, Code, Draw, Holder, Program, Stamp, Window, World
from contract_tests.validity import verdict
from promo_spec import Spec

CLOCK_TOLERANCE = timedelta(seconds=5)  # how far the server's clock may be from the suite's (and its rounding)
SUCCESS_TEXT = "Successful operation"
MATCHING_KEYS = {"profile_id": ("profile_id",), "email": ("email",), "phone": ("phone",)}


@dataclass(frozen=True)
class Branch:
    """One way the server may have served the call: the world after it, or why the answer rules it out."""

    world: World | None
    why: str = ""


def instant(text: Any) -> datetime | None:
    """The instant of an RFC 3339 timestamp with an offset; None otherwise."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def same_second(a: str, b: str) -> bool:
    x, y = instant(a), instant(b)
    return x is not None and y is not None and x.replace(microsecond=0) == y.replace(microsecond=0)


class Model:
    """The documented semantics of one spec (an API version), with a clock tolerance for server timestamps."""

    def __init__(self, spec: Spec, *, tolerance: timedelta = CLOCK_TOLERANCE) -> None:
        self.spec = spec
        self.book = RuleBook(spec)
        self.validators = spec.request_validators
        self.tolerance = tolerance
        self.bearer = spec.bearer_auth
        marked = spec.code_identity
        self.readings: tuple[str, ...] = marked.readings if marked is not None else (identity.EXACT,)

    # the interface ---------------------------------------------------------------------------------------
    def step(self, world: World, call: Call) -> tuple[World, ...]:
        """Every world the model allows after ``call``, given its answer (empty: none explains it)."""
        seen: dict[World, None] = {}
        for branch in self.branches(world, call):
            if branch.world is not None:
                seen.setdefault(branch.world, None)
        return tuple(seen)

    def explain(self, world: World, call: Call) -> str:
        """Why the answer to ``call`` is not allowed in ``world`` (each branch the model considered)."""
        found = self.branches(world, call)
        if any(b.world is not None for b in found):
            return "the answer is allowed"
        reasons = list(dict.fromkeys(b.why for b in found if b.why)) or ["no outcome is allowed"]
        return "[model " + call.op + "] " + reasons[0] + "".join(f"\n  or: {r}" for r in reasons[1:4])

    # dispatch --------------------------------------------------------------------------------------------
    def branches(self, world: World, call: Call) -> list[Branch]:
        """Every branch the model considers for ``call``: allowed ones carry a world. A call that names a code by
        a spelling some reading of code identity equates with a known one, while the world's reading is open,
        splits the world: one per reading the server has not refuted (``contract_tests.model.identity``)."""
        if world.identity is None and len(self.readings) > 1 and identity.splits(world, call):
            found: list[Branch] = []
            for reading in self.readings:
                if not identity.refuted(world, reading):
                    found += self._read_as(replace(world, identity=reading), call, reading)
            return found
        if world.identity is not None:
            return self._read_as(world, call, world.identity)
        return self._judged(world, call)

    def _read_as(self, world: World, call: Call, reading: str) -> list[Branch]:
        """The branches of ``call`` respelled as ``reading`` reads it; reasons say which reading they are."""
        found = self._judged(*identity.respelled(world, call, reading))
        return [b if b.world is not None else Branch(None, f"(codes compared {reading}) {b.why}") for b in found]

    def _judged(self, world: World, call: Call) -> list[Branch]:
        """The branches of ``call`` with every code named byte-exact, as the model tracks it."""
        envelope = call.envelope
        if envelope is not None:
            shape = _envelope_problem(envelope, call)
            if shape:
                return [Branch(None, shape)]
        body = call.body if isinstance(call.body, dict) else {}
        header = "absent" if not self.bearer or call.bearer is None else call.bearer
        token = call.token or "missing"
        auth = self.book.auth(call.op, token, header)
        if auth.error == "nonzero":
            return self._refused(world, call, auth)
        found: list[Branch] = []
        if auth.error == "any":
            found += self._refused(world, call, auth, required=False)
        sent = dict(body, token="token") if call.token is not None and isinstance(call.body, dict) else call.body
        invalid = verdict(self.validators[call.op], sent) if call.op in self.validators else None
        if invalid is not None and invalid.documented:
            return found + self._refused(world, call, self.book.invalid(call.op))
        if invalid is not None and invalid.stances:  # breaks only a stance: a server may read it either way
            found += self._refused(world, call, Requirement("any", ()), required=False)
            found += self._served(world, call, body, lenient=True)
            return found
        return found + self._served(world, call, body)

    def _served(self, world: World, call: Call, body: dict[str, Any], *, lenient: bool = False) -> list[Branch]:
        handler: Callable[[World, Call, dict[str, Any]], list[Branch]] = getattr(self, "_" + call.op)
        found = []
        for start in self._split(world, call, body):
            found += handler(start, call, body)
        if lenient:
            found += [Branch(world)] if call.envelope is not None and call.error != 0 else []
        return found

    # refusals and requirements -----------------------------------------------------------------------------
    def _refused(self, world: World, call: Call, need: Requirement, *, required: bool = True) -> list[Branch]:
        """A refusal changes nothing; where ``need`` requires one, a success is no allowed outcome."""
        if call.envelope is None:
            return [Branch(world)]
        if call.error == 0:
            return [Branch(None, f"error 0, but {need.names} require(s) a refusal")] if required else []
        if need.error_code is not None and call.error != need.error_code:
            return [Branch(None, f"error {call.error}, but {need.names} require(s) error {need.error_code}")]
        return [Branch(world)]

    def _decide(self, world: World, call: Call, need: Requirement, success: Callable[[], list[Branch]]) -> list[Branch]:
        """The branches ``need`` allows: a refusal (nothing changes), and/or the success branches."""
        if call.envelope is None:  # no answer: either may have happened
            return [Branch(world), *success()]
        if call.error != 0:
            if need.error == "zero":
                return [Branch(None, f"error {call.error}, but {need.names} require(s) error 0")]
            return self._refused(world, call, need, required=False)
        if need.error == "nonzero":
            return [Branch(None, f"error 0, but {need.names} require(s) a refusal")]
        return success()

    # helpers -----------------------------------------------------------------------------------------------
    def window(self, call: Call) -> Window:
        return Window(call.invoked_at - self.tolerance, call.returned_at + self.tolerance)

    def _split(self, world: World, call: Call, body: dict[str, Any]) -> list[World]:
        """Resolve pending pool draws that may have taken the code ``call`` names: one world per draw that may have
        taken it (any of them, whatever their order: draws by different profiles are not interchangeable), and one
        where none did, while every draw keeps something it may have taken."""
        code, program = body.get("code"), world.program(body.get("loyalty_id"))
        if not isinstance(code, str) or program is None or not program.draws:
            return [world]
        holding = [i for i, draw in enumerate(program.draws) if code in draw.candidates]
        if not holding:
            return [world]
        worlds = [world.with_program(_resolve(program, i, code)) for i in holding]
        rest = tuple(replace(d, candidates=d.candidates - {code}) for d in program.draws)
        if all(d.candidates or d.untracked or d.may_create for d in rest):
            worlds.append(world.with_program(replace(program, draws=rest)))
        return list(dict.fromkeys(worlds))  # draws of one profile in one window resolve to the same world

    def expired(self, code: Code, call: Call) -> str:
        """``yes``, ``no`` or ``maybe`` (near the boundary, within the clock tolerance) at the time of ``call``."""
        if code.expire_date is None:
            return "maybe"  # not read yet
        when = instant(code.expire_date)
        if when is None:
            return "no"
        if when <= call.invoked_at - self.tolerance:
            return "yes"
        if when > call.returned_at + self.tolerance:
            return "no"
        return "maybe"

    def labels(
        self, program: Program, code: str | None, holder: Holder | None, call: Call, *, expiry: bool = True
    ) -> frozenset[str]:
        """The vocabulary's ``code`` values of ``code`` for ``holder``: an activated or (maybe) expired code is
        only that (what the docs say of it is open), otherwise free / attached to the profile / other / several."""
        if code is None:
            return frozenset(["omitted"])
        known = program.holds(code)
        if known is False:
            return frozenset(["unknown"])
        state = program.codes.get(code)
        if state is None:
            return frozenset(["untracked"])
        if expiry and self.expired(state, call) != "no":
            return frozenset(["expired"])
        if state.is_activated:
            return frozenset(["activated"])
        if not state.holders:
            return frozenset(["free"])
        found = set()
        if holder is None or holder in state.holders:
            found.add("attached_to_profile")
        if holder is not None and holder not in state.holders:
            found.add("attached_to_other")
        if len(state.holders) > 1:
            found.add("attached_to_several")
        return frozenset(found)

    def matched(self, world: World, body: dict[str, Any]) -> tuple[Holder, bool]:
        """The holder the body's identifiers name and whether it is a target profile (else an unknown one)."""
        db = body.get("db_id")
        db_id = db if isinstance(db, int) and not isinstance(db, bool) else -1
        mode = body.get("matching", "email")
        if db_id != world.db_id:
            return (db_id, ""), False
        for profile in world.profiles:
            if mode == "custom":
                hit = profile.field_name == body.get("field_name") and profile.field_value == body.get("field_value")
            elif mode == "email":
                sent = body.get("email")
                hit = isinstance(sent, str) and sent.lower() == profile.email.lower()
            elif mode in MATCHING_KEYS:
                hit = body.get(mode) == getattr(profile, mode)
            else:
                hit = False
            if hit:
                return (db_id, profile.profile_id), True
        return (db_id, ""), False

    # operations --------------------------------------------------------------------------------------------
    def _import(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program = world.program(body.get("loyalty_id"))
        codes = [c for c in body.get("codes") or [] if isinstance(c, str)]
        if program is None:  # a program the target does not list: any answer; nothing the model tracks changes
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        if any(program.holds(c) is None for c in codes):
            return self._decide(world, call, Requirement("any", ()), lambda: self._import_untracked(world, call, codes))
        kinds = {"new" if not program.holds(c) else "duplicate" for c in codes}
        facts = situation(codes=kinds, program=program.kind)
        need = self.book.require("import", facts)
        return self._decide(world, call, need, lambda: self._import_success(world, program, call, codes))

    def _import_success(self, world: World, program: Program, call: Call, codes: list[str]) -> list[Branch]:
        new_item = self.book.item_error("import", situation(codes="new", program=program.kind))
        held_item = self.book.item_error("import", situation(codes="duplicate", program=program.kind))
        created = self.window(call)
        after, seen = program, set()
        expected: list[str] = []  # per item: "new", "held" or "repeat"
        for code in codes:
            if code in seen:
                expected.append("repeat")
            elif program.holds(code):
                expected.append("held")
            else:
                expected.append("new")
                after = after.with_code(Code(code, created=created))
            seen.add(code)
        if call.envelope is None:
            return [Branch(world.with_program(after))]
        problem = _import_items(call.envelope, codes, expected, new_item, held_item)
        if problem:
            return [Branch(None, problem)]
        return [Branch(world.with_program(after))]

    def _import_untracked(self, world: World, call: Call, codes: list[str]) -> list[Branch]:
        """An import naming codes the model does not track: the answer's items say which are new."""
        program = world.program(call.body.get("loyalty_id"))
        assert program is not None
        data = (call.envelope or {}).get("data")
        if not isinstance(data, list) or len(data) != len(codes):
            return [Branch(world)]
        after = program
        for code, item in zip(codes, data, strict=True):
            if isinstance(item, dict) and item.get("error") == 0 and program.holds(code) is not True:
                after = after.with_code(Code(code, created=self.window(call)))
        return [Branch(world.with_program(after))]

    def _export_all(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program = world.program(body.get("loyalty_id"))
        if program is None:
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        facts = situation(code={"attached_to_profile", "free"}, program=program.kind)
        need = self.book.require("export_all", facts)
        return self._decide(world, call, need, lambda: self._listing(world, program, call))

    def _listing(self, world: World, program: Program, call: Call) -> list[Branch]:
        if call.envelope is None:
            return [Branch(world)]
        data = call.envelope.get("data")
        if not isinstance(data, list):
            return [Branch(None, "export_all answered error 0 without a list in data")]
        listed: dict[str, dict[str, Any]] = {}
        for item in data:
            code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(code, str):
                return [Branch(None, f"export_all item without a code: {item!r}")]
            if code in listed:
                return [Branch(None, f"export_all lists {code!r} twice")]
            listed[code] = item
        if world.identity is not None:
            twice = identity.listed_twice(program, list(listed), world.identity)
            if twice:
                return [Branch(None, f"export_all lists {twice[0]!r} and {twice[1]!r}, one code when compared so")]
        found: list[Branch] = []
        for world_after, draws_left in _assign_draws(program, listed):
            found.append(self._check_listing(world, world_after, draws_left, listed))
        return found or [Branch(None, "export_all shows no code a pending pool draw could have attached")]

    def _check_listing(
        self, world: World, program: Program, draws_left: tuple[Draw, ...], listed: dict[str, dict[str, Any]]
    ) -> Branch:
        held = program.codes
        changed: list[Code] = []
        for name, state in held.items():
            item = listed.get(name)
            if item is None:
                return Branch(None, f"export_all does not list {name!r}, which the program holds")
            if len(item) == 1 and not state.holders and state.activated is None:
                continue  # a free code listed bare (most of a big program): nothing to check or pin
            original = state
            for field_name, stamp, should in (
                ("attached", state.attached, state.is_attached),
                ("activated", state.activated, state.is_activated),
            ):
                shown = item.get(field_name)
                if bool(shown) != should:
                    return Branch(
                        None,
                        f"export_all shows {name!r} with {field_name} {shown!r}; the model has it "
                        f"{'set' if should else 'unset'}",
                    )
                if should:
                    pinned = _pin(stamp, shown)
                    if pinned is None:
                        return Branch(None, f"export_all {field_name} of {name!r} is {shown!r}, expected {_say(stamp)}")
                    state = (
                        replace(state, attached=pinned)
                        if field_name == "attached"
                        else replace(state, activated=pinned)
                    )
            if state is not original:
                changed.append(state)
        for name, item in listed.items():
            if name in held:
                continue
            if program.complete or name in program.absent:
                return Branch(None, f"export_all lists {name!r}, which the program does not hold")
            changed.append(
                Code(
                    name,
                    holders=frozenset([(0, "")]) if item.get("attached") else frozenset(),
                    attached=item.get("attached") or None,
                    activated=item.get("activated") or None,
                    expire_date=None,  # export_all does not show it
                )
            )
        after = replace(program, codes=held.with_codes(changed), complete=True, absent=frozenset(), draws=draws_left)
        return Branch(world.with_program(after))

    def _get(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program, code = world.program(body.get("loyalty_id")), body.get("code")
        if program is None or not isinstance(code, str):
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        held = program.holds(code)
        if held is None:
            return self._decide(world, call, Requirement("any", ()), lambda: self._learn(world, program, call, code))
        if not held:
            need = self.book.require("get", situation(code="unknown", program=program.kind))
            return self._decide(
                world,
                call,
                need,
                lambda: [Branch(None, f"get answered error 0 for {code!r}, which program {program.id} does not hold")],
            )
        state = program.codes.get(code)
        assert state is not None
        facts = situation(code="attached_to_profile" if state.holders else "free", program=program.kind)
        need = self.book.require("get", facts)
        if need.error == "any":  # every code the program holds is there to read (x-success of get)
            need = Requirement("zero", need.rules)
        return self._decide(world, call, need, lambda: [self._read(world, program, state, call)])

    def _learn(self, world: World, program: Program, call: Call, code: str) -> list[Branch]:
        """get of a code the model does not track: what the answer shows becomes known (under the spelling shown,
        which the world's reading of code identity must equate with the one asked for)."""
        data = (call.envelope or {}).get("data")
        if not isinstance(data, dict):
            return [Branch(world)]
        shown = data.get("code")
        if isinstance(shown, str):
            key = identity.KEYS[world.identity or identity.EXACT]
            if key(shown) != key(code):
                return [Branch(None, f"get answered code {shown!r}, asked for {code!r}")]
            code = shown
        holder = data.get("database_id"), data.get("profile_id")
        state = Code(
            code,
            created=data.get("created") or ANY_TIME,
            holders=frozenset([holder]) if data.get("is_attached") else frozenset(),  # type: ignore[list-item]
            attached=data.get("attached") or None,
            activated=data.get("activated") or None,
            expire_date=str(data.get("expire_date") or ""),
        )
        return [Branch(world.with_program(program.with_code(state)))]

    def _read(self, world: World, program: Program, state: Code, call: Call) -> Branch:
        """get's answer against the model's code; the times it shows are pinned."""
        if call.envelope is None:
            return Branch(world)
        data = call.envelope.get("data")
        name = state.code
        if not isinstance(data, dict):
            return Branch(None, f"get of {name!r} answered error 0 without an object in data")
        if data.get("code") != name:
            return Branch(
                None, f"get answered code {data.get('code')!r}, asked for {name!r} (a code keeps its spelling)"
            )
        if data.get("loyalty_id") != program.id:
            return Branch(None, f"get answered loyalty_id {data.get('loyalty_id')!r}, asked for {program.id}")
        if bool(data.get("is_attached")) != state.is_attached:
            return Branch(
                None, f"get of {name!r}: is_attached {data.get('is_attached')!r}, the model has {state.is_attached}"
            )
        if bool(data.get("is_activated")) != state.is_activated:
            return Branch(
                None, f"get of {name!r}: is_activated {data.get('is_activated')!r}, the model has {state.is_activated}"
            )
        changes: dict[str, Any] = {}
        for field_name in ("created", "attached", "activated"):
            stamp: Stamp = getattr(state, field_name)
            shown = data.get(field_name)
            if stamp is None:
                if shown not in ("", None):
                    return Branch(None, f"get of {name!r}: {field_name} is {shown!r}, but it is not set")
                continue
            pinned = _pin(stamp, shown)
            if pinned is None:
                return Branch(None, f"get of {name!r}: {field_name} is {shown!r}, expected {_say(stamp)}")
            changes[field_name] = pinned
        shown_expiry = data.get("expire_date")
        if state.expire_date is None:  # first read: learned
            state = replace(state, expire_date=str(shown_expiry or ""))
        elif state.expire_date:
            if not isinstance(shown_expiry, str) or not same_second(shown_expiry, state.expire_date):
                return Branch(None, f"get of {name!r}: expire_date {shown_expiry!r}, set to {state.expire_date!r}")
        elif shown_expiry not in ("", None):
            return Branch(None, f"get of {name!r}: expire_date {shown_expiry!r}, but none was set")
        expired = self.expired(state, call)
        if expired != "maybe" and bool(data.get("is_expired")) != (expired == "yes"):
            return Branch(
                None,
                f"get of {name!r}: is_expired {data.get('is_expired')!r}, but expire_date {state.expire_date!r} is "
                f"{'before' if expired == 'yes' else 'after'} the call ({call.invoked_at:%Y-%m-%dT%H:%M:%SZ})",
            )
        holder = data.get("database_id"), data.get("profile_id")
        if state.holders:
            unknown = [h for h in state.holders if h[1] == ""]
            if holder in state.holders:
                pass
            elif unknown and isinstance(holder[1], str) and holder[1]:
                someone = unknown[0][0] == 0  # seen attached in a listing: anybody; else an unmatched profile
                if not someone and (unknown[0][0] != holder[0] or holder in self._target_holders(world)):
                    return Branch(None, f"get of {name!r} names holder {holder!r}, not the profile the attach named")
                changes["holders"] = (state.holders - {unknown[0]}) | {holder}
            else:
                return Branch(None, f"get of {name!r} names holder {holder!r}; the model has {sorted(state.holders)!r}")
        elif data.get("profile_id") not in (None, "") or data.get("database_id") not in (None, 0):
            return Branch(None, f"get of {name!r} names holder {holder!r}, but the code is not attached")
        after = replace(state, **changes)
        return Branch(world.with_program(program.with_code(after)))

    def _target_holders(self, world: World) -> set[Holder]:
        return {(world.db_id, p.profile_id) for p in world.profiles}

    def _activate(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program, code = world.program(body.get("loyalty_id")), body.get("code")
        if program is None or not isinstance(code, str) or program.holds(code) is None:
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        facts = situation(code=self.labels(program, code, None, call), program=program.kind)
        need = self.book.require("activate", facts)
        state = program.codes.get(code)
        if state is None:  # unknown: a success would have to show an activated code the program does not hold
            return self._decide(world, call, need, lambda: [Branch(None, f"activate of unknown {code!r} succeeded")])
        return self._decide(world, call, need, lambda: self._activated(world, program, state, call))

    def _activated(self, world: World, program: Program, state: Code, call: Call) -> list[Branch]:
        stamps: list[Stamp] = [self.window(call)] if not state.is_activated else [state.activated, self.window(call)]
        return [Branch(world.with_program(program.with_code(replace(state, activated=s)))) for s in stamps]

    def _update(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program, code = world.program(body.get("loyalty_id")), body.get("code")
        if program is None or not isinstance(code, str) or program.holds(code) is None:
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        options = set()
        if body.get("activated") is True:
            options.add("activate")
        if body.get("activated") is False:
            options.add("deactivate")
        if isinstance(body.get("expire_date"), str):
            options.add("expire_date")
        # a new expiry date alone is judged whether or not the code has expired (only activation is open for it)
        labels = self.labels(program, code, None, call, expiry=options != {"expire_date"})
        facts = situation(code=labels, program=program.kind, options=options or {"none"})
        need = self.book.require("update", facts)
        state = program.codes.get(code)
        if state is None:
            return self._decide(world, call, need, lambda: [Branch(None, f"update of unknown {code!r} succeeded")])
        return self._decide(world, call, need, lambda: self._updated(world, program, state, body, call))

    def _updated(self, world: World, program: Program, state: Code, body: dict[str, Any], call: Call) -> list[Branch]:
        after = state
        expiry = body.get("expire_date")
        if isinstance(expiry, str):
            after = replace(after, expire_date=expiry)
        stamps: list[Stamp] = [after.activated]
        if body.get("activated") is True:
            stamps = [self.window(call)] if not state.is_activated else [state.activated, self.window(call)]
        elif body.get("activated") is False:
            stamps = [None]
        return [Branch(world.with_program(program.with_code(replace(after, activated=s)))) for s in stamps]

    def _attach(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program = world.program(body.get("loyalty_id"))
        holder, known = self.matched(world, body)
        code = body.get("code") if isinstance(body.get("code"), str) else None
        if program is None:
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        creation = "allowed" if program.creates_codes else "disallowed"
        if code is None:
            return self._draw(world, program, holder, known, creation, call)
        if program.holds(code) is None:
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        labels = self.labels(program, code, holder, call)
        facts = situation(
            code=labels,
            program=program.kind,
            creation=creation,
            profile="matched" if known else "unknown",
            matching="omitted" if "matching" not in body else "each",
        )
        need = self.book.require("attach", facts)
        return self._decide(world, call, need, lambda: self._attached(world, program, code, holder, call))

    def _attached(self, world: World, program: Program, code: str, holder: Holder, call: Call) -> list[Branch]:
        state = program.codes.get(code)
        when = self.window(call)
        if state is None:
            if not program.creates_codes:
                return [
                    Branch(
                        None,
                        f"attach of {code!r}, which the program does not hold, succeeded in a program "
                        "that does not create codes",
                    )
                ]
            made = Code(code, created=when, holders=frozenset([holder]), attached=when)
            return [Branch(world.with_program(program.with_code(made)))]
        if holder in state.holders:  # attached to this profile already: kept, or restamped
            stamps: list[Stamp] = [state.attached, when] if len(state.holders) == 1 else [state.attached]
            return [Branch(world.with_program(program.with_code(replace(state, attached=s)))) for s in stamps]
        if state.holders and program.personal:
            return [
                Branch(
                    None,
                    f"attach of {code!r} succeeded, but a personal code already held by another "
                    "profile cannot have a second holder",
                )
            ]
        stamps = [when] if not state.holders else [state.attached, when]
        holders = state.holders | {holder}
        return [
            Branch(world.with_program(program.with_code(replace(state, holders=holders, attached=s)))) for s in stamps
        ]

    def _draw(
        self, world: World, program: Program, holder: Holder, known: bool, creation: str, call: Call
    ) -> list[Branch]:
        codes = program.codes.values()
        free = [c for c in codes if not c.holders and not c.is_activated and self.expired(c, call) == "no"]
        unattached = frozenset(c.code for c in codes if not c.holders) - {
            x for d in program.draws for x in d.candidates if len(d.candidates) == 1
        }
        available = [c for c in codes if not c.holders and not c.is_activated]  # expired or not
        pool = "has_free" if free else ("empty" if program.complete and not available else "unknown")
        facts = situation(
            code="omitted",
            pool=pool,
            creation=creation,
            program=program.kind,
            profile="matched" if known else "unknown",
        )
        need = self.book.require("attach", facts)
        holds_one = any(holder in c.holders for c in codes) or not program.complete

        def success() -> list[Branch]:
            may_create = program.creates_codes and not free
            draw = Draw(holder, self.window(call), unattached, not program.complete, may_create)
            found: list[Branch] = []
            if unattached or draw.untracked or may_create:
                if len(unattached) == 1 and not draw.untracked and not may_create:
                    (only,) = unattached
                    found.append(
                        Branch(
                            world.with_program(
                                _resolve(replace(program, draws=(*program.draws, draw)), len(program.draws), only)
                            )
                        )
                    )
                else:
                    found.append(Branch(world.with_program(replace(program, draws=(*program.draws, draw)))))
            if holds_one:  # the profile already holds a code of the program: a success may attach nothing new
                found.append(Branch(world))
            return found or [
                Branch(
                    None,
                    "attach without a code succeeded, but the program has no unattached code, "
                    "creates none, and the profile holds none",
                )
            ]

        return self._decide(world, call, need, success)

    def _detach(self, world: World, call: Call, body: dict[str, Any]) -> list[Branch]:
        program = world.program(body.get("loyalty_id"))
        holder, known = self.matched(world, body)
        code = body.get("code") if isinstance(body.get("code"), str) else None
        if program is None or (code is not None and program.holds(code) is None):
            return self._decide(world, call, Requirement("any", ()), lambda: [Branch(world)])
        labels = self.labels(program, code, holder, call)
        facts = situation(code=labels, program=program.kind, profile="matched" if known else "unknown")
        need = self.book.require("detach", facts)
        state = program.codes.get(code) if code is not None else None

        def success() -> list[Branch]:
            if state is None or holder not in state.holders:
                return [Branch(world)]  # nothing held by the profile: a success leaves it so
            holders = state.holders - {holder}
            found = []
            activations: list[Stamp] = (
                [state.activated] if holders or not state.is_activated else [state.activated, None]
            )
            for activated in activations:
                after = replace(state, holders=holders, attached=ANY_TIME if holders else None, activated=activated)
                found.append(Branch(world.with_program(program.with_code(after))))
            return found

        return self._decide(world, call, need, success)


def _resolve(program: Program, index: int, code: str) -> Program:
    """``program`` with pending draw ``index`` resolved: it took ``code`` (a tracked one)."""
    draw = program.draws[index]
    state = program.codes.get(code)
    assert state is not None
    taken = replace(state, holders=state.holders | {draw.holder}, attached=state.attached or draw.attached)
    rest = tuple(replace(d, candidates=d.candidates - {code}) for i, d in enumerate(program.draws) if i != index)
    return replace(program, codes=program.codes.with_code(taken), draws=rest)


def _assign_draws(program: Program, listed: dict[str, dict[str, Any]]) -> list[tuple[Program, tuple[Draw, ...]]]:
    """Every way the pending draws explain the listing: each takes one code now listed as attached."""
    options: list[Program] = [replace(program, draws=())]
    for draw in program.draws:
        grown = []
        for p in options:
            for name, item in listed.items():
                if not item.get("attached"):
                    continue
                state = p.codes.get(name)
                if state is not None and not state.holders and name in draw.candidates:
                    taken = replace(state, holders=frozenset([draw.holder]), attached=draw.attached)
                    grown.append(replace(p, codes=p.codes.with_code(taken)))
                elif state is None and (draw.untracked or draw.may_create) and name not in p.absent:
                    stamp = instant(item.get("attached"))
                    if stamp is None or not (draw.attached.earliest <= stamp <= draw.attached.latest):
                        continue
                    if program.complete and not draw.may_create:
                        continue
                    made = Code(
                        name,
                        created=ANY_TIME,
                        holders=frozenset([draw.holder]),
                        attached=draw.attached,
                        expire_date=None if draw.untracked else "",
                    )
                    grown.append(replace(p, codes=p.codes.with_code(made)))
        options = grown
    return [(p, ()) for p in options]


def _pin(stamp: Stamp, shown: Any) -> str | None:
    """The shown time when it fits ``stamp`` (the same instant, or inside its window); None otherwise."""
    when = instant(shown)
    if when is None or stamp is None:
        return None
    if isinstance(stamp, Window):
        return str(shown) if stamp.earliest <= when <= stamp.latest else None
    return str(shown) if same_second(stamp, str(shown)) else None


def _say(stamp: Stamp) -> str:
    if isinstance(stamp, Window):
        if stamp == ANY_TIME:
            return "any RFC 3339 time"
        return f"a time between {stamp.earliest:%Y-%m-%dT%H:%M:%SZ} and {stamp.latest:%Y-%m-%dT%H:%M:%SZ}"
    return "unset" if stamp is None else repr(stamp)


def _envelope_problem(envelope: dict[str, Any], call: Call) -> str:
    error = envelope.get("error")
    if not isinstance(error, int) or isinstance(error, bool):
        return f"the answer's error is {error!r}, not an integer"
    if not isinstance(envelope.get("error_text"), str):
        return f"the answer's error_text is {envelope.get('error_text')!r}, not a string"
    if call.status is not None and call.status >= 500:
        return f"HTTP {call.status}: a server error is no outcome of the API"
    if error == 0 and call.status is not None and not 200 <= call.status < 300:
        return f"error 0 with HTTP {call.status}"
    return ""


def _import_items(
    envelope: dict[str, Any], codes: list[str], expected: list[str], new_item: Any, held_item: Any
) -> str:
    """What is wrong with a successful import's items and counters (empty: nothing)."""
    data = envelope.get("data")
    if not isinstance(data, list) or len(data) != len(codes):
        return f"import of {len(codes)} code(s) answered {len(data) if isinstance(data, list) else data!r} item(s)"
    good = bad500 = 0
    for index, (code, kind, item) in enumerate(zip(codes, expected, data, strict=True)):
        if not isinstance(item, dict) or item.get("code") != code:
            return f"import item {index} is {item!r}, for code {code!r} (request order, the spelling sent)"
        error = item.get("error")
        if kind == "new" and not _item_is(error, new_item):
            return f"import item {index} ({code!r}, new) has error {error!r}, the rules say {new_item!r}"
        if kind == "held" and not _item_is(error, held_item):
            return f"import item {index} ({code!r}, held) has error {error!r}, the rules say {held_item!r}"
        if kind == "repeat" and error == 0:
            return f"import item {index} repeats {code!r} of the same request, yet reports it imported (error 0)"
        good += error == 0
        bad500 += error == 500
    inserted, duplicated = envelope.get("inserted"), envelope.get("duplicated")
    if inserted is not None and inserted != good:
        return f"import: inserted is {inserted!r}, but {good} item(s) have error 0"
    if duplicated is not None and duplicated != bad500:
        return f"import: duplicated is {duplicated!r}, but {bad500} item(s) have error 500"
    return ""


def _item_is(error: Any, wanted: Any) -> bool:
    if wanted is None:
        return isinstance(error, int)
    if wanted == "zero":
        return bool(error == 0)
    if wanted == "nonzero":
        return isinstance(error, int) and error != 0
    return bool(error == wanted)


def utc(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime (for tests and builders)."""
    when = instant(text)
    if when is None:
        raise ValueError(f"not an RFC 3339 time with an offset: {text!r}")
    return when.astimezone(UTC)
