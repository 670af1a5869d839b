"""The model's first world, from what the suite knows: the target file and a look at the server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from contract_tests.model.state import ANY_TIME, Code, Codes, Holder, Program, World
from contract_tests.observed import Observed
from contract_tests.target import Target
from contract_tests.world import Entry

UNKNOWN_HOLDER: Holder = (0, "")


def code_of(code: str, entry: Entry | None, info: Mapping[str, Any] | None) -> Code:
    """A ``Code`` from its export_all entry and/or get's data (get names a holder; export only times)."""
    attached = (info or {}).get("attached") or (entry.attached if entry else "") or None
    activated = (info or {}).get("activated") or (entry.activated if entry else "") or None
    holders: frozenset[Holder] = frozenset()
    if info is not None and info.get("is_attached"):
        holders = frozenset([(info.get("database_id"), info.get("profile_id"))])  # type: ignore[list-item]
    elif info is None and attached:
        holders = frozenset([UNKNOWN_HOLDER])
    return Code(
        code,
        created=(info or {}).get("created") or ANY_TIME,
        holders=holders,
        attached=attached,
        activated=activated,
        expire_date=str(info.get("expire_date") or "") if info is not None else None,
    )


def initial_world(
    target: Target,
    *,
    listings: Mapping[int, Mapping[str, Entry]] | None = None,
    gets: Mapping[tuple[int, str], Mapping[str, Any] | None] | None = None,
    absent: Mapping[int, Iterable[str]] | None = None,
) -> World:
    """The world the target file and a look describe.

    ``listings``: export_all of some programs (each becomes complete: every code known); ``gets``: get's data of
    codes (None: get refused, the code is not held); ``absent``: codes known not to be held (fresh names of the
    run's prefix). Each program's kind and ``creates_codes`` come from the target file (``program_settings``).
    """
    listings, gets = listings or {}, gets or {}
    programs = []
    kinds = [("personal", target.personal), ("universal", target.universal)]
    if target.exhausted is not None:
        kinds.append(("unknown", target.exhausted))  # the target file does not say whether it restricts usage
    for kind, program_id in kinds:
        listing = listings.get(program_id)
        codes: dict[str, Code] = {}
        missing = set((absent or {}).get(program_id, ()))
        for name, entry in (listing or {}).items():
            codes[name] = code_of(name, entry, gets.get((program_id, name)))
        for (pid, name), info in gets.items():
            if pid != program_id or name in codes:
                continue
            if info is None:
                missing.add(name)
            elif listing is None:
                codes[name] = code_of(name, None, info)
        programs.append(
            Program(
                program_id,
                kind,
                creates_codes=target.creates_codes(program_id),
                codes=Codes(codes),
                complete=listing is not None,
                absent=frozenset(missing - set(codes)) if listing is None else frozenset(),
            )
        )
    profiles = tuple(target.profiles)
    return World(target.db_id, profiles, tuple(programs), target.api_version)


def with_absent(world: World, program_id: int, codes: Iterable[str]) -> World:
    """``world`` knowing that ``program_id`` does not hold ``codes`` (fresh names nobody has used)."""
    program = world.program(program_id)
    if program is None:
        return world
    fresh = frozenset(c for c in codes if c not in program.codes)
    return world.with_program(replace(program, absent=program.absent | fresh))


def forget(world: World, program_id: int, codes: Iterable[str]) -> World:
    """``world`` no longer tracking ``codes`` of ``program_id`` (someone else may change them)."""
    program = world.program(program_id)
    if program is None:
        return world
    gone = set(codes)
    kept = {c.code: c for c in program.codes.values() if c.code not in gone}
    return world.with_program(replace(program, codes=Codes(kept), complete=False, absent=program.absent - gone))


def world_of(target: Target, look: Observed, *, absent: Mapping[int, Iterable[str]] | None = None) -> World:
    """``initial_world`` from one of the suite's looks (``contract_tests.observed.Observed``)."""
    return initial_world(target, listings=look.exported, gets=look.gets, absent=absent)
