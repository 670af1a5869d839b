"""Postconditions: what ``error 0`` means per operation (the spec's ``x-success``), checked after every success.

One oracle per vocabulary term (``POSTCONDITIONS``); ``tests/contract/test_oracle_registries.py`` fails for a
term without one. Each problem starts with ``[postcondition <term>]`` so a failure names its oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contract_tests.observed import GetData, Observed, Reader, Subject
from contract_tests.target import Target
from promo_spec import Spec


@dataclass(frozen=True)
class Look:
    """What a postcondition judges: the request's subject, the answer's envelope, the looks before and after."""

    target: Target
    subject: Subject
    envelope: dict[str, Any]
    before: Observed | None  # None: the state before was not read (Schemathesis)
    after: Observed
    read: Reader  # one more get when an oracle needs it

    def info(self, program: int, code: str) -> GetData:
        """get's data of ``code`` after the request: from the look, else read now."""
        if self.after.knows_get(program, code):
            return self.after.get(program, code)
        found = self.read(program, code)
        self.after.gets[(program, code)] = found
        return found


Postcondition = Callable[[Look], list[str]]


def same_second(shown: str, sent: str) -> bool:
    """The same instant to the second (the docs' precision: a server may drop fractions of a second)."""
    try:
        a = datetime.fromisoformat(shown.replace("Z", "+00:00"))
        b = datetime.fromisoformat(sent.replace("Z", "+00:00"))
        return a.replace(microsecond=0) == b.replace(microsecond=0)
    except (ValueError, TypeError):
        return False


def _tag(term: str, text: str) -> str:
    return f"[postcondition {term}] {text}"


def _holds(look: Look, term: str, program: int, code: str) -> list[str]:
    """The matched profile (in the database the request named) holds ``code`` of ``program``."""
    sub, info = look.subject, look.info(program, code)
    if info is None:
        return [_tag(term, f"attach answered error 0, but get does not find {code!r} in program {program}")]
    problems = []
    listed = look.after.listed(program, code)
    if not info.get("is_attached") or (look.after.knows_listing(program) and not (listed and listed.attached)):
        problems.append(
            f"attach answered error 0, but {code!r} is not attached afterwards (get is_attached "
            f"{info.get('is_attached')!r}, export_all attached {listed.attached if listed else None!r})"
        )
    if info.get("database_id") != sub.db_id:
        problems.append(
            f"get.database_id of {code!r} is {info.get('database_id')!r}, but the request named db_id {sub.db_id!r}"
        )
    before = look.before.get(program, code) if look.before is not None else None
    alone = sub.personal or (look.before is not None and not (before or {}).get("is_attached"))
    holder = info.get("profile_id")
    if sub.matched is not None and alone and holder != sub.matched.profile_id:
        problems.append(
            f"get.profile_id of {code!r} is {holder!r}, expected the matched profile {sub.matched.profile_id!r}"
        )
    if sub.matched is None and sub.identifiers_known and sub.db_id == look.target.db_id and alone:
        others = {p.profile_id for p in look.target.profiles}
        if holder in others:
            problems.append(f"the identifiers sent match no target profile, yet get names target profile {holder!r}")
    return [_tag(term, p) for p in problems]


def matched_profile_holds_code(look: Look) -> list[str]:
    """attach: the matched profile in db_id holds a code of the program, the named one when given."""
    term, sub = "matched_profile_holds_code", look.subject
    if sub.program is None:
        return []
    if sub.code is not None:
        return _holds(look, term, sub.program, sub.code)
    if look.before is None or not look.before.knows_listing(sub.program):
        return []  # which code was drawn is visible only by comparing two listings
    old = look.before.exported[sub.program]
    new = look.after.exported.get(sub.program, {})
    drawn = [c for c, e in new.items() if e.attached and not (old.get(c) and old[c].attached)]
    for code in drawn[:5]:
        if not _holds(look, term, sub.program, code):
            return []
    if drawn:
        return _holds(look, term, sub.program, drawn[0])
    held = [c for c, e in new.items() if e.attached][:10]  # the profile may already hold one: a bounded look
    for code in held:
        info = look.info(sub.program, code) or {}
        if sub.matched is None or info.get("profile_id") == sub.matched.profile_id:
            return []
    return [
        _tag(
            term,
            f"attach without a code answered error 0, but no code of program {sub.program} "
            "became attached and the matched profile holds none",
        )
    ]


def matched_profile_released_code(look: Look) -> list[str]:
    """detach: get no longer names the matched profile as the code's holder."""
    sub = look.subject
    if sub.program is None or sub.code is None or sub.matched is None:
        return []
    info = look.info(sub.program, sub.code)
    if info is not None and info.get("is_attached") and info.get("profile_id") == sub.matched.profile_id:
        return [
            _tag(
                "matched_profile_released_code",
                f"detach answered error 0, but get still names the matched "
                f"profile {sub.matched.profile_id!r} as the holder of {sub.code!r}",
            )
        ]
    return []


def _activation(look: Look, term: str, code: str, wanted: bool) -> list[str]:
    program = look.subject.program
    assert program is not None
    info = look.info(program, code)
    if info is None:
        return [_tag(term, f"error 0, but get does not find {code!r} in program {program} afterwards")]
    listed = look.after.listed(program, code)
    shown = bool(info.get("is_activated"))
    exported = bool(listed.activated) if listed is not None else shown
    if shown != wanted or exported != wanted:
        return [
            _tag(
                term,
                f"{code!r} should be {'activated' if wanted else 'not activated'} afterwards "
                f"(get is_activated {info.get('is_activated')!r}, export_all activated "
                f"{listed.activated if listed else '(not read)'!r})",
            )
        ]
    return []


def code_activated(look: Look) -> list[str]:
    """activate: get and export_all show the code activated."""
    sub = look.subject
    if sub.program is None or sub.code is None:
        return []
    return _activation(look, "code_activated", sub.code, True)


def requested_state_shown(look: Look) -> list[str]:
    """update: get and export_all show the activation sent; get.expire_date is the instant sent."""
    term, sub = "requested_state_shown", look.subject
    if sub.program is None or sub.code is None:
        return []
    problems = []
    if sub.activated is not None:
        problems += _activation(look, term, sub.code, sub.activated)
    if sub.expire_date is not None and sub.expire_date.strip():
        info = look.info(sub.program, sub.code) or {}
        if not same_second(str(info.get("expire_date", "")), sub.expire_date):
            problems.append(
                _tag(
                    term,
                    f"get.expire_date of {sub.code!r} is {info.get('expire_date')!r}, "
                    f"the request sent {sub.expire_date!r}",
                )
            )
    return problems


def items_agree_with_listing(look: Look) -> list[str]:
    """import: every item with error 0 names a code listed afterwards; ``inserted`` counts those items."""
    term, sub, envelope = "items_agree_with_listing", look.subject, look.envelope
    if sub.program is None:
        return []
    data = envelope.get("data")
    items: list[Any] = data if isinstance(data, list) else []
    good = [i for i in items if isinstance(i, dict) and i.get("error") == 0 and isinstance(i.get("code"), str)]
    problems = []
    inserted = envelope.get("inserted")
    if isinstance(inserted, int) and inserted != len(good):
        problems.append(f"inserted is {inserted}, but {len(good)} item(s) have error 0")
    # the three counters count codes sent: none is negative, and a code is inserted, duplicated or discarded once
    counters = {k: envelope.get(k) for k in ("discarded_by_limit", "duplicated", "inserted")}
    counts = {k: v for k, v in counters.items() if isinstance(v, int) and not isinstance(v, bool)}
    problems += [f"{k} is {v}: a number of codes is never negative" for k, v in counts.items() if v < 0]
    if sub.codes and len(counts) == len(counters) and sum(counts.values()) > len(sub.codes):
        shown = ", ".join(f"{k} {v}" for k, v in counts.items())
        problems.append(f"{shown} add up to more than the {len(sub.codes)} code(s) sent")
    listing = look.after.knows_listing(sub.program)
    for item in good if listing else good[:3]:  # without a listing, a few gets (each one a request)
        code = item["code"]
        found = (
            look.after.listed(sub.program, code) is not None if listing else look.info(sub.program, code) is not None
        )
        if not found:
            problems.append(f"item {code!r} has error 0, but program {sub.program} does not hold it afterwards")
    return [_tag(term, p) for p in problems]


def describes_listed_code(look: Look) -> list[str]:
    """get: data is the code asked for, of the program asked for, as export_all lists it."""
    term, sub = "describes_listed_code", look.subject
    data = look.envelope.get("data")
    if sub.program is None or sub.code is None or not isinstance(data, dict):
        return []
    problems = []
    if data.get("code") != sub.code:
        problems.append(f"get answered code {data.get('code')!r}, asked for {sub.code!r} (byte-exact)")
    if data.get("loyalty_id") != sub.program:
        problems.append(f"get answered loyalty_id {data.get('loyalty_id')!r}, asked for {sub.program}")
    if look.after.knows_listing(sub.program):
        entry = look.after.listed(sub.program, sub.code)
        if entry is None:
            problems.append(f"get answered error 0, but export_all does not list {sub.code!r}")
        elif bool(entry.attached) != bool(data.get("is_attached")) or bool(entry.activated) != bool(
            data.get("is_activated")
        ):
            problems.append(
                f"get (is_attached {data.get('is_attached')!r}, is_activated "
                f"{data.get('is_activated')!r}) and export_all ({entry}) disagree"
            )
    return [_tag(term, p) for p in problems]


def lists_program(look: Look) -> list[str]:
    """export_all: each code once, attached/activated exactly when get reports them."""
    term, sub = "lists_program", look.subject
    data = look.envelope.get("data")
    if sub.program is None or not isinstance(data, list):
        return []
    codes = [i.get("code") for i in data if isinstance(i, dict)]
    problems = []
    twice = sorted({c for c in codes if codes.count(c) > 1}, key=str)[:3] if len(codes) != len(set(codes)) else []
    if twice:
        problems.append(f"export_all lists {twice!r} more than once")
    listed = {i.get("code"): i for i in data if isinstance(i, dict)}
    for (program, code), info in look.after.gets.items():
        if program != sub.program or info is None:
            continue
        item = listed.get(code)
        if item is None:
            problems.append(f"get finds {code!r}, but export_all of program {program} does not list it")
        elif bool(item.get("attached")) != bool(info.get("is_attached")) or bool(item.get("activated")) != bool(
            info.get("is_activated")
        ):
            problems.append(
                f"export_all lists {item!r}, get reports is_attached {info.get('is_attached')!r}, "
                f"is_activated {info.get('is_activated')!r}"
            )
    return [_tag(term, p) for p in problems]


POSTCONDITIONS: dict[str, Postcondition] = {
    "items_agree_with_listing": items_agree_with_listing,
    "describes_listed_code": describes_listed_code,
    "code_activated": code_activated,
    "requested_state_shown": requested_state_shown,
    "matched_profile_holds_code": matched_profile_holds_code,
    "matched_profile_released_code": matched_profile_released_code,
    "lists_program": lists_program,
}


def success_problems(spec: Spec, look: Look) -> list[str]:
    """Every postcondition the spec declares for the subject's operation, checked on ``look``."""
    success = spec.success.get(look.subject.op)
    if success is None:
        return []
    problems: list[str] = []
    for term in success.postconditions:
        problems += POSTCONDITIONS[term](look)
    return problems
