"""The model of the documented API (contract_tests/model) against the spec's own rules, without a server.

For every ``x-rule`` of every API version: the model, in a world where the rule's ``given`` holds, allows the
rule's ``expect`` (and the effects it names) and rejects the contrary answer. Then the silent areas: where the
docs leave the outcome open, the model allows each coherent outcome and nothing incoherent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contract_tests.model import Call, Code, Codes, Model, Window, World, identity, initial_world
from contract_tests.model.state import Program
from contract_tests.target import parse_target
from promo_spec import load_spec
from promo_spec.code_identity import reading_names
from promo_spec.rules import Rule

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
T0 = "2026-01-01T00:00:00Z"
PERSONAL, UNIVERSAL, EXHAUSTED = 11, 12, 13
A, B = (1, "pa"), (1, "pb")
TARGET = {
    "base_url": "http://127.0.0.1:1",
    "token_env": "T",
    "db_id": 1,
    "profiles": [
        {
            "profile_id": "pa",
            "email": "a@example.com",
            "phone": "+1",
            "custom": {"field_name": "F", "field_value": "a"},
        },
        {
            "profile_id": "pb",
            "email": "b@example.com",
            "phone": "+2",
            "custom": {"field_name": "F", "field_value": "b"},
        },
    ],
    "loyalty_programs": {"personal": PERSONAL, "universal": UNIVERSAL, "exhausted": EXHAUSTED},
}
SPECS = {"72": load_spec(), "74": load_spec(api_version="74")}
MODELS = {version: Model(spec) for version, spec in SPECS.items()}
OK: dict[str, Any] = {"data": None, "error": 0, "error_text": "Successful operation"}
REFUSED: dict[str, Any] = {"data": None, "error": 400, "error_text": "Incorrect request"}


def world(version: str = "72", *, creates: bool = True, codes: dict[int, list[Code]] | None = None) -> World:
    data = dict(TARGET, api_version=version)
    if not creates:
        data["program_settings"] = {k: {"creates_codes": False} for k in ("personal", "universal", "exhausted")}
    target = parse_target(data, where="test", environ={"T": "secret"})
    start = initial_world(target, listings={PERSONAL: {}, UNIVERSAL: {}, EXHAUSTED: {}})
    for pid, found in (codes or {}).items():
        program = start.program(pid)
        assert program is not None
        start = start.with_program(replace(program, codes=Codes({c.code: c for c in found})))
    return start


def call(op: str, body: dict[str, Any], envelope: dict[str, Any] | None, version: str = "72", **kw: Any) -> Call:
    kw.setdefault("invoked_at", NOW)
    kw.setdefault("returned_at", NOW + timedelta(milliseconds=20))
    return Call(op, body, envelope, api_version=version, **kw)


def attached(name: str, *holders: tuple[int, str], **fields: Any) -> Code:
    return Code(name, created=T0, holders=frozenset(holders), attached=T0 if holders else None, **fields)


# the rules' given, as a world and a request -------------------------------------------------------------------
def arrange(rule: Rule, version: str) -> tuple[World, dict[str, Any], dict[str, Any]]:
    """A world where ``rule.given`` holds, the request (body and token placement), and the profile's holder."""
    given = rule.given_value
    pid = UNIVERSAL if given("program") == "universal" else PERSONAL
    code: Code | None = None
    name: str | None = "K-1"
    others: list[Code] = []
    kind = given("code")
    if kind == "free":
        code = attached("K-1")
    elif kind == "attached_to_profile":
        code = attached("K-1", A)
    elif kind == "attached_to_other":
        code = attached("K-1", B)
    elif kind == "attached_to_several":
        code = attached("K-1", A, B)
    elif kind == "activated":
        code = attached("K-1", A, activated=T0)
    elif kind == "omitted":
        name = None
        others = [attached("F-1")] if given("pool") == "has_free" else [attached("H-1", B)]
    elif kind is None and rule.operation not in ("import", "export_all"):
        code = attached("K-1", A)
    if rule.operation == "export_all":
        code = attached("K-1", A)
    state = world(version, creates=given("creation") != "disallowed", codes={pid: [c for c in [code, *others] if c]})
    body: dict[str, Any] = {"loyalty_id": pid}
    if rule.operation == "import":
        body["codes"] = ["K-1"]
        if given("codes") == "duplicate":
            state = world(version, codes={pid: [attached("K-1")]})
    elif rule.operation in ("attach", "detach"):
        body.update(db_id=1, matching="email", email="a@example.com")
        if given("matching") == "omitted":
            del body["matching"]
        if given("profile") == "unknown":
            body["email"] = "nobody@example.com"
        if name is not None:
            body["code"] = name
    elif rule.operation != "export_all":
        body["code"] = name
    options = given("options")
    if options == "activate":
        body["activated"] = True
    elif options == "deactivate":
        body["activated"] = False
    elif options == "expire_date" or (options is None and rule.operation == "update"):
        body["expire_date"] = "2031-02-03T04:05:06Z"
    if given("request") == "invalid":
        body.pop("loyalty_id")
    elif given("request") == "matching_fields_missing":
        body = {"loyalty_id": pid, "db_id": 1, "matching": "phone", "code": "K-1"}
    placement = {"token": {"valid": "valid", "wrong": "wrong", "missing": None}[given("token") or "valid"]}
    header = given("header_token")
    placement["bearer"] = None if header in (None, "absent") else header
    return state, body, placement


def success_answer(op: str, state: World, body: dict[str, Any]) -> dict[str, Any]:
    """A faithful success answer in ``state`` (before the call)."""
    program = state.program(body.get("loyalty_id"))
    if program is None:
        return OK
    if op == "import":
        assert program is not None
        items = [
            {"code": c, "error": 500 if c in program.codes else 0, "error_text": "" if c not in program.codes else "d"}
            for c in body["codes"]
        ]
        inserted = sum(1 for i in items if i["error"] == 0)
        return dict(OK, data=items, inserted=inserted, duplicated=len(items) - inserted, discarded_by_limit=0)
    if op == "get":
        assert program is not None
        code = program.codes.get(body["code"])
        if code is None:
            return dict(OK, data={"code": body["code"], "loyalty_id": body["loyalty_id"]})
        return dict(OK, data=info(code, program))
    if op == "export_all":
        assert program is not None
        return dict(OK, data=[listing(c) for c in program.codes.values()])
    return OK


def info(code: Code, program: Program) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code.code,
        "loyalty_id": program.id,
        "created": code.created if isinstance(code.created, str) else T0,
        "is_attached": bool(code.holders),
        "attached": code.attached or "",
        "is_activated": code.is_activated,
        "activated": code.activated or "",
        "expire_date": code.expire_date,
        "expired": "",
        "is_expired": False,
    }
    if code.holders:
        data["database_id"], data["profile_id"] = sorted(code.holders)[0]
    return data


def listing(code: Code) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code.code}
    if code.attached:
        item["attached"] = code.attached
    if code.activated:
        item["activated"] = code.activated
    return item


def effect_holds(effect: str, after: World, body: dict[str, Any]) -> bool:
    program = after.program(body.get("loyalty_id"))
    assert program is not None
    code = program.codes.get(str(body.get("code") or "K-1"))
    checks = {
        "code_imported": code is not None,
        "codes_imported": code is not None,
        "code_attached_to_profile": code is not None and A in code.holders,
        "free_code_attached_to_profile": any(d.holder == A for d in program.draws)
        or any(A in c.holders for c in program.codes.values()),
        "code_detached_from_profile": code is not None and A not in code.holders,
        "code_activated": code is not None and code.is_activated,
        "code_deactivated": code is not None and not code.is_activated,
        "expire_date_set": code is not None and code.expire_date == body.get("expire_date"),
        "duplicates_counted": True,
    }
    return checks[effect]


CASES = [(v, r) for v, spec in SPECS.items() for r in spec.rules]


@pytest.mark.parametrize(("version", "rule"), CASES, ids=[f"v{v}-{r.id}-{r.operation}" for v, r in CASES])
def test_model_follows_every_rule(version: str, rule: Rule) -> None:
    """The model allows the rule's expect (with its effects) and rejects the contrary answer."""
    model = MODELS[version]
    state, body, placement = arrange(rule, version)
    op = rule.operation
    success = call(op, body, success_answer(op, state, body), version, **placement)
    refused = call(op, body, REFUSED, version, **placement)
    if rule.expect.error_code is not None:
        refused = call(op, body, dict(REFUSED, error=rule.expect.error_code), version, **placement)
        wrong = call(op, body, dict(REFUSED, error=rule.expect.error_code + 1), version, **placement)
        assert not model.step(state, wrong), f"{rule.id}: error {rule.expect.error_code} required"
    if rule.expect.error in ("zero",) or rule.expect.behaves_as == "body_token":
        afters = model.step(state, success)
        assert afters, model.explain(state, success)
        for effect in rule.expect.effects:
            assert all(effect_holds(effect, w, body) for w in afters), (effect, afters)
        if rule.expect.error == "zero":
            assert not model.step(state, refused), f"{rule.id}: a refusal must be rejected"
    if rule.expect.error == "nonzero":
        assert model.step(state, refused) == (state,), model.explain(state, refused)
        assert not model.step(state, success), f"{rule.id}: a success must be rejected"
    if rule.expect.error == "any" and rule.expect.behaves_as != "body_token":
        assert model.step(state, refused) == (state,), "a refusal changes nothing"
    if rule.expect.item_error is not None and op == "import":
        items = success.envelope["data"] if success.envelope else []
        flipped = dict(success.envelope or {}, data=[dict(i, error=0 if i["error"] else 500) for i in items])
        assert not model.step(state, call(op, body, flipped, version, **placement))


# silent areas and coherence ----------------------------------------------------------------------------------
def test_import_repeats_inside_one_request_are_stored_once_and_never_counted_as_inserted() -> None:
    model, state = MODELS["72"], world()
    body = {"loyalty_id": PERSONAL, "codes": ["R-1", "R-1", "R-2"]}
    items = [
        {"code": "R-1", "error": 0, "error_text": ""},
        {"code": "R-1", "error": 500, "error_text": "Promocode duplicated"},
        {"code": "R-2", "error": 0, "error_text": ""},
    ]
    good = dict(OK, data=items, inserted=2, duplicated=1, discarded_by_limit=0)
    (after,) = model.step(state, call("import", body, good))
    program = after.program(PERSONAL)
    assert program is not None and set(program.codes.names()) == {"R-1", "R-2"}
    counted_twice = dict(
        good, data=[items[0], dict(items[1], error=0, error_text=""), items[2]], inserted=3, duplicated=0
    )
    assert not model.step(state, call("import", body, counted_twice))
    assert "repeats" in model.explain(state, call("import", body, counted_twice))
    miscounted = dict(good, duplicated=0)
    assert not model.step(state, call("import", body, miscounted))


# code identity (x-code-identity): every reading the spec lists, one per server --------------------------------
READINGS = SPECS["72"].code_identity.readings  # type: ignore[union-attr]
HELD = "Case-1"


def _import_answer(codes: list[str], errors: list[int], shown: list[str] | None = None) -> dict[str, Any]:
    items = [
        {"code": c, "error": e, "error_text": "" if e == 0 else "Promocode duplicated"}
        for c, e in zip(shown or codes, errors, strict=True)
    ]
    inserted = sum(1 for e in errors if e == 0)
    return dict(OK, data=items, inserted=inserted, duplicated=len(errors) - inserted, discarded_by_limit=0)


def _get(state: World, code: str, *, found: bool, shown: str = HELD) -> Call:
    """get of ``code`` answered with the held code's data (spelled ``shown``), or refused."""
    body = {"loyalty_id": PERSONAL, "code": code}
    if not found:
        return call("get", body, REFUSED)
    program = state.program(PERSONAL)
    held = program.codes.get(HELD) if program is not None else None
    assert program is not None and held is not None
    return call("get", body, dict(OK, data=dict(info(held, program), code=shown)))


def _readings(worlds: tuple[World, ...]) -> set[str | None]:
    return {w.identity for w in worlds}


def _one_step(worlds: tuple[World, ...], make: Any) -> tuple[World, ...]:
    model = MODELS["72"]
    return tuple(dict.fromkeys(after for w in worlds for after in model.step(w, make(w))))


def test_every_reading_of_the_vocabulary_has_a_key() -> None:
    assert set(identity.KEYS) == set(reading_names())
    assert READINGS[0] == "exact" and set(READINGS) == set(reading_names())
    assert MODELS["72"].readings == READINGS


def test_codes_named_exactly_never_split_the_world() -> None:
    """The ordinary case costs nothing: fresh codes and codes named byte-exact leave the reading open."""
    model, state = MODELS["72"], world(codes={PERSONAL: [attached(HELD)]})
    body = {"loyalty_id": PERSONAL, "codes": ["N-1", "N-2"]}
    (after,) = model.step(state, call("import", body, _import_answer(body["codes"], [0, 0])))
    (read,) = model.step(after, _get(after, HELD, found=True))
    assert after.identity is None and read.identity is None
    assert identity.decided([read]) == ()


# each reading: (the variant that shows it first, its import answered as a duplicate?, the readings still open,
# the request that leaves it alone, and a later answer only another reading explains)
SHOWN_BY = {
    "exact": ("case-1", False, {"exact", "trimmed"}, " Case-1", "Case-1 "),
    "case-insensitive": ("CASE-1", True, {"case-insensitive", "case-insensitive-trimmed"}, " Case-1", "case-1 "),
    "trimmed": (" Case-1", True, {"trimmed", "case-insensitive-trimmed"}, "CASE-1", "case-1"),
    "case-insensitive-trimmed": (" case-1", True, {"case-insensitive-trimmed"}, None, "CASE-1 "),
}


@pytest.mark.parametrize("reading", READINGS)
def test_each_reading_is_allowed_and_once_shown_the_others_are_not(reading: str) -> None:
    variant, duplicate, open_after, decider, other = SHOWN_BY[reading]
    start = world(codes={PERSONAL: [attached(HELD)]})
    body = {"loyalty_id": PERSONAL, "codes": [variant]}
    worlds = _one_step((start,), lambda w: call("import", body, _import_answer([variant], [500 if duplicate else 0])))
    assert _readings(worlds) == open_after
    if duplicate:  # the item may show the spelling sent or the held one
        held_spelling = _import_answer([variant], [500], shown=[HELD])
        assert _readings(_one_step((start,), lambda w: call("import", body, held_spelling))) == open_after
    if decider is not None:  # a variant the reading does not equate: get refused, the other reading is out
        worlds = _one_step(worlds, lambda w: _get(w, decider, found=False))
    assert identity.decided(worlds) == (reading,)
    # the held code's own spelling still reads as before; a variant the reading equates reads as the held code
    assert _one_step(worlds, lambda w: _get(w, HELD, found=True))
    if reading != "exact":
        assert _one_step(worlds, lambda w: _get(w, variant, found=True, shown=variant))
        assert not _one_step(worlds, lambda w: _get(w, variant, found=False))
    # a later answer that only another reading explains
    if reading == "case-insensitive-trimmed":
        fresh = {"loyalty_id": PERSONAL, "codes": [other]}
        later = _one_step(worlds, lambda w: call("import", fresh, _import_answer([other], [0])))
    else:
        later = _one_step(worlds, lambda w: _get(w, other, found=True))
    assert later == ()


@pytest.mark.parametrize("reading", [r for r in READINGS if r != "exact"])
def test_a_variant_names_the_held_code_in_every_operation(reading: str) -> None:
    """Under a reading that equates the variant, attach, activate, update and detach act on the held code."""
    model = MODELS["72"]
    variant = {"case-insensitive": "CASE-1", "trimmed": "Case-1  ", "case-insensitive-trimmed": " CASE-1"}[reading]
    state = replace(world(codes={PERSONAL: [attached(HELD)]}), identity=reading)
    profile = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "profile_id", "profile_id": "pa", "code": variant}
    (held,) = model.step(state, call("attach", profile, OK))
    code = held.program(PERSONAL).codes.get(HELD)  # type: ignore[union-attr]
    assert code is not None and code.holders == {A} and variant not in held.program(PERSONAL).codes  # type: ignore[union-attr]
    (active,) = model.step(held, call("activate", {"loyalty_id": PERSONAL, "code": variant}, OK))
    assert active.program(PERSONAL).codes.get(HELD).is_activated  # type: ignore[union-attr]
    expiry = {"loyalty_id": PERSONAL, "code": variant, "expire_date": "2031-02-03T04:05:06Z"}
    (dated,) = model.step(active, call("update", expiry, OK))
    assert dated.program(PERSONAL).codes.get(HELD).expire_date == expiry["expire_date"]  # type: ignore[union-attr]
    released = model.step(dated, call("detach", profile, OK))
    assert released and all(not w.program(PERSONAL).codes.get(HELD).holders for w in released)  # type: ignore[union-attr]
    exact = replace(state, identity="exact")  # the same attach under the spec's stance: a new code, created
    (created,) = model.step(exact, call("attach", profile, OK))
    assert variant in created.program(PERSONAL).codes and not created.program(PERSONAL).codes.get(HELD).holders  # type: ignore[union-attr]


def test_an_import_folding_case_and_a_get_comparing_exactly_fit_no_reading() -> None:
    """The fault code-case-inconsistent: import calls the variant a duplicate, get then does not know it."""
    start = world(codes={PERSONAL: [attached(HELD)]})
    body = {"loyalty_id": PERSONAL, "codes": ["CASE-1"]}
    worlds = _one_step((start,), lambda w: call("import", body, _import_answer(["CASE-1"], [500])))
    assert worlds and identity.decided(worlds) == ("case-insensitive", "case-insensitive-trimmed")
    assert _one_step(worlds, lambda w: _get(w, "CASE-1", found=False)) == ()
    why = MODELS["72"].explain(worlds[0], _get(worlds[0], "CASE-1", found=False))
    assert "(codes compared case-insensitive)" in why


def test_a_listing_of_two_codes_one_reading_equates_refutes_it() -> None:
    model = MODELS["72"]
    incomplete = world(codes={PERSONAL: [attached(HELD)]})
    incomplete = incomplete.with_program(replace(incomplete.program(PERSONAL), complete=False))  # type: ignore[type-var]
    listing = dict(OK, data=[{"code": HELD}, {"code": "CASE-1"}])
    decided = replace(incomplete, identity="case-insensitive")
    assert not model.step(decided, call("export_all", {"loyalty_id": PERSONAL}, listing))
    assert "one code when compared so" in model.explain(decided, call("export_all", {"loyalty_id": PERSONAL}, listing))
    (seen,) = model.step(incomplete, call("export_all", {"loyalty_id": PERSONAL}, listing))
    assert seen.identity is None  # listed as two codes: a variant named later splits, without the refuted readings
    refused = model.step(seen, call("get", {"loyalty_id": PERSONAL, "code": "case-1"}, REFUSED))
    assert _readings(refused) == {"exact", "trimmed"}
    assert not model.step(seen, _get(seen, "case-1", found=True)), "case-insensitive readings were refuted"


def test_a_get_answering_another_spelling_of_an_untracked_code_is_read_as_the_servers_spelling() -> None:
    model = MODELS["72"]
    state = world()
    state = state.with_program(replace(state.program(PERSONAL), complete=False))  # type: ignore[type-var]
    body = {"loyalty_id": PERSONAL, "code": "case-9"}
    data = {"code": "CASE-9", "loyalty_id": PERSONAL, "created": T0, "is_attached": False, "attached": "",
            "is_activated": False, "activated": "", "expire_date": "", "expired": "", "is_expired": False}
    worlds = model.step(state, call("get", body, dict(OK, data=data)))
    assert _readings(worlds) == {"case-insensitive", "case-insensitive-trimmed"}
    assert all("CASE-9" in w.program(PERSONAL).codes for w in worlds)  # type: ignore[union-attr]


def test_pool_draw_takes_an_unattached_code_and_the_listing_says_which() -> None:
    model = MODELS["72"]
    state = world(codes={PERSONAL: [attached("F-1"), attached("F-2"), attached("H-1", B)]})
    body = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "email", "email": "a@example.com"}
    (pending,) = model.step(state, call("attach", body, OK))
    program = pending.program(PERSONAL)
    assert program is not None and len(program.draws) == 1 and program.draws[0].candidates == {"F-1", "F-2"}
    stamp = (NOW + timedelta(milliseconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = [{"code": "F-1"}, {"code": "F-2", "attached": stamp}, {"code": "H-1", "attached": T0}]
    (resolved,) = model.step(pending, call("export_all", {"loyalty_id": PERSONAL}, dict(OK, data=shown)))
    code = resolved.program(PERSONAL).codes.get("F-2")  # type: ignore[union-attr]
    assert code is not None and code.holders == {A} and code.attached == stamp
    nothing_taken = [{"code": "F-1"}, {"code": "F-2"}, {"code": "H-1", "attached": T0}]
    assert not model.step(pending, call("export_all", {"loyalty_id": PERSONAL}, dict(OK, data=nothing_taken)))
    held_taken = [{"code": "F-1"}, {"code": "F-2"}, {"code": "H-1", "attached": stamp}]
    assert not model.step(pending, call("export_all", {"loyalty_id": PERSONAL}, dict(OK, data=held_taken)))
    # get of a candidate resolves the draw too: F-1 attached to the profile, or still free
    get_f1 = {"loyalty_id": PERSONAL, "code": "F-1"}
    free = success_answer("get", state, get_f1)
    assert len(model.step(pending, call("get", get_f1, free))) == 1
    taken = dict(free, data=dict(free["data"], is_attached=True, attached=stamp, database_id=1, profile_id="pa"))
    assert len(model.step(pending, call("get", get_f1, taken))) == 1
    other = dict(taken, data=dict(taken["data"], profile_id="pb"))
    assert not model.step(pending, call("get", get_f1, other))


def test_exhausted_program_refuses_or_creates_a_code_when_it_may() -> None:
    model = MODELS["72"]
    body = {"loyalty_id": EXHAUSTED, "db_id": 1, "email": "a@example.com"}
    for creates in (True, False):
        state = world(creates=creates, codes={EXHAUSTED: [attached("X-1", B)]})
        assert model.step(state, call("attach", body, REFUSED)) == (state,)
        allowed = model.step(state, call("attach", body, OK))
        assert bool(allowed) == creates, "a success must have attached something; only a creating program can"
        if creates:
            stamp = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
            made = [{"code": "X-1", "attached": T0}, {"code": "NEW-1", "attached": stamp}]
            (after,) = model.step(allowed[0], call("export_all", {"loyalty_id": EXHAUSTED}, dict(OK, data=made)))
            new = after.program(EXHAUSTED).codes.get("NEW-1")  # type: ignore[union-attr]
            assert new is not None and new.holders == {A}
            late = [{"code": "X-1", "attached": T0}, {"code": "NEW-1", "attached": "2020-01-01T00:00:00Z"}]
            assert not model.step(allowed[0], call("export_all", {"loyalty_id": EXHAUSTED}, dict(OK, data=late)))


def test_is_expired_against_expire_date_and_the_clock() -> None:
    model = MODELS["72"]
    body = {"loyalty_id": PERSONAL, "code": "E-1"}

    def answer(expire: datetime, is_expired: bool) -> tuple[World, Call]:
        stamp = expire.strftime("%Y-%m-%dT%H:%M:%SZ")
        state = world(codes={PERSONAL: [attached("E-1", expire_date=stamp)]})
        program = state.program(PERSONAL)
        assert program is not None
        data = dict(info(program.codes.get("E-1"), program), is_expired=is_expired)  # type: ignore[arg-type]
        return state, call("get", body, dict(OK, data=data))

    for expire, allowed in (
        (NOW - timedelta(minutes=1), {True}),
        (NOW + timedelta(minutes=1), {False}),
        (NOW, {True, False}),  # the boundary, within the clock tolerance: either
    ):
        for flag in (True, False):
            state, get = answer(expire, flag)
            assert bool(model.step(state, get)) == (flag in allowed), (expire, flag, model.explain(state, get))


def test_times_the_server_stamps_lie_in_the_call_window() -> None:
    model, state = MODELS["72"], world(codes={PERSONAL: [attached("K-1")]})
    body = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "phone", "phone": "+1", "code": "K-1"}
    (after,) = model.step(state, call("attach", body, OK))
    code = after.program(PERSONAL).codes.get("K-1")  # type: ignore[union-attr]
    assert code is not None and isinstance(code.attached, Window)
    program = after.program(PERSONAL)
    assert program is not None
    data = dict(info(code, program), attached=NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert model.step(after, call("get", {"loyalty_id": PERSONAL, "code": "K-1"}, dict(OK, data=data)))
    stale = dict(data, attached="2025-01-01T00:00:00Z")
    assert not model.step(after, call("get", {"loyalty_id": PERSONAL, "code": "K-1"}, dict(OK, data=stale)))


def test_silent_branches_allow_every_coherent_outcome() -> None:
    model = MODELS["72"]
    held = world(codes={PERSONAL: [attached("K-1", A, activated=T0)]})
    detach = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "profile_id", "profile_id": "pa", "code": "K-1"}
    # detaching an activated code: refused, or detached keeping or clearing the activation
    assert model.step(held, call("detach", detach, REFUSED)) == (held,)
    outcomes = model.step(held, call("detach", detach, OK))
    kept = {o.program(PERSONAL).codes.get("K-1").is_activated for o in outcomes}  # type: ignore[union-attr]
    assert kept == {True, False}
    # update activating a free code (undocumented): refused, or activated
    free = world(codes={PERSONAL: [attached("K-1")]})
    update = {"loyalty_id": PERSONAL, "code": "K-1", "activated": True}
    assert model.step(free, call("update", update, REFUSED)) == (free,)
    (activated,) = model.step(free, call("update", update, OK))
    assert activated.program(PERSONAL).codes.get("K-1").is_activated  # type: ignore[union-attr]
    # a personal code held by another profile never gets a second holder, whatever the rules leave open
    other = world(codes={PERSONAL: [attached("K-1", B, activated=T0)]})
    attach = dict(detach, profile_id="pa")
    assert not model.step(other, call("attach", attach, OK))


def test_an_unanswered_call_may_have_happened_or_not() -> None:
    model, state = MODELS["72"], world()
    body = {"loyalty_id": PERSONAL, "codes": ["N-1"]}
    outcomes = model.step(state, call("import", body, None, status=None))
    assert len(outcomes) == 2 and state in outcomes


def test_a_profile_no_identifier_matches_may_be_refused_whatever_the_code() -> None:
    """attach.profile-unknown is open: the rules for a matched profile (free code, pool with free codes) do not
    apply to identifiers that match no profile, nor to a database the target does not list."""
    model = MODELS["72"]
    state = world(codes={PERSONAL: [attached("K-1"), attached("F-1")]})
    for extra in ({"email": "nobody@example.com"}, {"db_id": 999}):
        for code in ({"code": "K-1"}, {}):
            body = {"loyalty_id": PERSONAL, "db_id": 1, "email": "a@example.com", **code, **extra}
            assert model.step(state, call("attach", body, REFUSED)) == (state,), (extra, code)
    matched = {"loyalty_id": PERSONAL, "db_id": 1, "email": "A@Example.com", "code": "K-1"}
    assert not model.step(state, call("attach", matched, REFUSED)), "a free code is attached to a matched profile"


def test_a_holder_seen_only_in_a_listing_is_learned_from_get() -> None:
    """export_all shows that a code is attached, not to whom (nor its expiry date): get then names them."""
    model = MODELS["72"]
    start = initial_world(
        parse_target(TARGET, where="test", environ={"T": "secret"}),
        listings={PERSONAL: {}, UNIVERSAL: {}, EXHAUSTED: {}},
    )
    shown = [{"code": "S-1", "attached": T0}]
    target = start.program(EXHAUSTED)
    assert target is not None
    incomplete = start.with_program(replace(target, complete=False))
    (learned,) = model.step(incomplete, call("export_all", {"loyalty_id": EXHAUSTED}, dict(OK, data=shown)))
    code = learned.program(EXHAUSTED).codes.get("S-1")  # type: ignore[union-attr]
    assert code is not None and code.holders == {(0, "")}
    program = learned.program(EXHAUSTED)
    assert program is not None
    # export_all shows neither the holder nor the expiry date: get's are learned
    data = dict(info(code, program), database_id=1, profile_id="pb", created=T0, expire_date="2071-02-19T10:50:50Z")
    (after,) = model.step(learned, call("get", {"loyalty_id": EXHAUSTED, "code": "S-1"}, dict(OK, data=data)))
    assert after.program(EXHAUSTED).codes.get("S-1").holders == {B}  # type: ignore[union-attr]


def test_a_pool_of_codes_whose_expiry_is_unknown_or_past_is_not_known_to_have_a_free_code() -> None:
    """Whether an expired free code is "available" is open: a draw may take it, or the pool may count as empty."""
    model = MODELS["72"]
    body = {"loyalty_id": PERSONAL, "db_id": 1, "email": "a@example.com"}
    for expire in (None, "2020-01-01T00:00:00Z"):
        state = world(creates=False, codes={PERSONAL: [attached("F-1", expire_date=expire)]})
        assert model.step(state, call("attach", body, REFUSED)) == (state,)
        assert model.step(state, call("attach", body, OK)), "the draw may take the expired code"
    fresh = world(creates=False, codes={PERSONAL: [attached("F-1", expire_date="2099-01-01T00:00:00Z")]})
    assert not model.step(fresh, call("attach", body, REFUSED)), "a free code in date must be drawn"


def test_a_wrong_token_in_both_places_is_refused() -> None:
    """No rule names the pair, but each placement's rule refuses a wrong token: so is the pair (any number)."""
    model, state = MODELS["74"], world("74")
    body = {"loyalty_id": PERSONAL, "codes": ["N-1"]}
    wrong = call("import", body, dict(REFUSED, error=403), "74", token="wrong", bearer="wrong")
    assert model.step(state, wrong) == (state,)
    served = call("import", body, success_answer("import", state, body), "74", token="wrong", bearer="wrong")
    assert not model.step(state, served)


def test_the_exhausted_programs_kind_is_open() -> None:
    """The target file names the exhausted program but not whether it restricts multiple usage: attaching its
    held code to another profile may be refused (personal) or served (universal)."""
    model = MODELS["72"]
    state = world(codes={EXHAUSTED: [attached("X-1", B)]})
    body = {"loyalty_id": EXHAUSTED, "db_id": 1, "email": "a@example.com", "code": "X-1"}
    assert model.step(state, call("attach", body, REFUSED)) == (state,)
    (both,) = {w.program(EXHAUSTED).codes.get("X-1").holders for w in model.step(state, call("attach", body, OK))}  # type: ignore[union-attr]
    assert both == {A, B}


def test_a_request_with_an_open_part_is_open() -> None:
    """update of a free code that sets an expiry date (documented: success) and activates it (open): refused or
    served; a documented refusal (no options) wins over everything."""
    model, free = MODELS["72"], world(codes={PERSONAL: [attached("K-1")]})
    both = {"loyalty_id": PERSONAL, "code": "K-1", "activated": True, "expire_date": "2031-01-01T00:00:00Z"}
    assert model.step(free, call("update", both, REFUSED)) == (free,)
    (served,) = model.step(free, call("update", both, OK))
    code = served.program(PERSONAL).codes.get("K-1")  # type: ignore[union-attr]
    assert code is not None and code.is_activated and code.expire_date == both["expire_date"]
    expiry_only = {"loyalty_id": PERSONAL, "code": "K-1", "expire_date": "2031-01-01T00:00:00Z"}
    assert not model.step(free, call("update", expiry_only, REFUSED)), "update.expire-date-free: error 0"


def test_a_get_may_show_the_code_a_later_pending_draw_took() -> None:
    """Two draws in a row by different profiles, both pending: a get may show either draw's profile on a candidate,
    and the draws' order in the history does not decide which one took it (found by make seeds: a concurrent
    history on the second server failed [linearizability] because only the earliest draw was tried)."""
    model = MODELS["72"]
    state = world(codes={PERSONAL: [attached("F-1"), attached("F-2"), attached("F-3")]})
    by_a = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "email", "email": "a@example.com"}
    by_b = {"loyalty_id": PERSONAL, "db_id": 1, "matching": "email", "email": "b@example.com"}
    (one,) = model.step(state, call("attach", by_a, OK))
    (two,) = model.step(one, call("attach", by_b, OK))
    program = two.program(PERSONAL)
    assert program is not None and len(program.draws) == 2
    stamp = (NOW + timedelta(milliseconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    get_f1 = {"loyalty_id": PERSONAL, "code": "F-1"}
    free = success_answer("get", state, get_f1)
    for holder, pid in ((A, "pa"), (B, "pb")):
        taken = dict(free, data=dict(free["data"], is_attached=True, attached=stamp, database_id=1, profile_id=pid))
        after = model.step(two, call("get", get_f1, taken))
        assert after, f"the draw of {pid} may have taken F-1"
        for w in after:
            resolved = w.program(PERSONAL)
            assert resolved is not None
            taken_code = resolved.codes.get("F-1")
            assert taken_code is not None and taken_code.holders == {holder}
            assert len(resolved.draws) == 1 and "F-1" not in resolved.draws[0].candidates
    # F-1 still free: neither draw took it, both stay pending on F-2 and F-3
    (neither,) = model.step(two, call("get", get_f1, free))
    left = neither.program(PERSONAL)
    assert left is not None and [d.candidates for d in left.draws] == [{"F-2", "F-3"}] * 2
    # two codes left for two draws: after F-2 shows B, F-3 must be A's; a free F-3 is not explained
    get_f2 = {"loyalty_id": PERSONAL, "code": "F-2"}
    b_took = dict(
        free, data=dict(free["data"], code="F-2", is_attached=True, attached=stamp, database_id=1, profile_id="pb")
    )
    (after_f2,) = model.step(neither, call("get", get_f2, b_took))
    get_f3 = {"loyalty_id": PERSONAL, "code": "F-3"}
    assert not model.step(after_f2, call("get", get_f3, dict(free, data=dict(free["data"], code="F-3"))))


STAMP = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")  # a time the server stamps during a call


def _serve(reading: str, held: dict[str, str], op: str, code: str, *, import_fold: str | None = None) -> Any:
    """A tiny server comparing codes by ``reading`` (``import_fold``: import compares by another one): the answer
    to import or get of ``code``; ``held`` maps folded keys to the spelling first imported."""
    key = identity.KEYS[import_fold or reading] if op == "import" else identity.KEYS[reading]
    found = next((spelling for spelling in held.values() if key(spelling) == key(code)), None)
    if op == "import":
        if found is None:
            held[identity.KEYS[reading](code)] = code
        return _import_answer([code], [500 if found else 0])
    if found is None:
        return REFUSED
    data = {"code": found, "loyalty_id": PERSONAL, "created": STAMP, "is_attached": False, "attached": "",
            "is_activated": False, "activated": "", "expire_date": "", "expired": "", "is_expired": False}
    return dict(OK, data=data)


def _probe(reading: str, *, import_fold: str | None = None) -> tuple[World, ...]:
    """test_stances.test_code_identity's requests against ``_serve``, judged by the model (fresh names absent)."""
    code = "ct1-00001-Mixed-Case"
    spellings = {"lower": "ct1-00001-mixed-case", "padded": "  ct1-00001-Mixed-Case ", "upper": "ct1-00001-MIXED-CASE"}
    start = world()
    program = start.program(PERSONAL)
    assert program is not None
    fresh = frozenset([code, *spellings.values()])
    worlds: tuple[World, ...] = (start.with_program(replace(program, complete=False, absent=fresh)),)
    held: dict[str, str] = {}
    for op, name in (("import", code), ("get", spellings["lower"]), ("get", spellings["padded"]),
                     ("import", spellings["upper"]), ("get", spellings["upper"])):
        body = {"loyalty_id": PERSONAL, "codes": [name]} if op == "import" else {"loyalty_id": PERSONAL, "code": name}
        answer = _serve(reading, held, op, name, import_fold=import_fold)
        worlds = _one_step(worlds, lambda w: call(op, body, answer))  # noqa: B023 (called at once)
        if not worlds:
            return ()
    return worlds


@pytest.mark.parametrize("reading", READINGS)
def test_the_identity_probe_tells_every_reading_apart(reading: str) -> None:
    assert identity.decided(_probe(reading)) == (reading,)


def test_the_identity_probe_fails_a_server_that_folds_case_only_on_import() -> None:
    assert _probe("exact", import_fold="case-insensitive") == ()
