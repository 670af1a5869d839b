"""What the suite has seen of the server's state (through export_all and get), and what a request is about.

The oracles (``postconditions``, ``frame``, ``invariants``) judge only an ``Observed`` pair and a ``Subject``:
where the observations come from (whole-program exports, gets of named codes) can change without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract_tests.target import Profile, Target
from contract_tests.world import Entry, Snapshot

GetData = dict[str, Any] | None  # get's data; None when get refused (the program does not hold the code)
Reader = Callable[[int, str], GetData]  # reads one code through get, for oracles that need one more look


@dataclass
class Observed:
    """One look at the server: the programs exported (every code listed) and the codes read through get."""

    exported: Snapshot = field(default_factory=dict)
    gets: dict[tuple[int, str], GetData] = field(default_factory=dict)

    def knows_listing(self, program: int) -> bool:
        """Whether export_all of ``program`` was read in this look."""
        return program in self.exported

    def listed(self, program: int, code: str) -> Entry | None:
        """The export_all entry of ``code`` (None when not listed, or when the program was not exported)."""
        return self.exported.get(program, {}).get(code)

    def knows_get(self, program: int, code: str) -> bool:
        """Whether get of ``code`` was read in this look."""
        return (program, code) in self.gets

    def get(self, program: int, code: str) -> GetData:
        """get's data of ``code`` (None when refused or not read)."""
        return self.gets.get((program, code))


def observed(snapshot: Snapshot, gets: dict[tuple[int, str], GetData]) -> Observed:
    """An ``Observed`` from a snapshot and gets already made."""
    return Observed(exported=dict(snapshot), gets=dict(gets))


@dataclass(frozen=True)
class Subject:
    """What one request is about, as the server read it: the operation, program, code(s), profile and options."""

    op: str
    program: int | None  # loyalty_id when an integer
    code: str | None = None
    codes: tuple[str, ...] = ()
    db_id: Any = None
    matched: Profile | None = None  # the target profile the identifiers name under the matching mode
    identifiers_known: bool = False  # whether the identifiers were read (False: a generated body, unclear)
    activated: bool | None = None
    expire_date: str | None = None
    personal: bool = False  # the program restricts multiple usage (the target's personal program)
    foreign_db: bool = False  # attach/detach naming a database the target does not list
    creates_codes: bool = True  # the program may create codes (the target's program_settings; default: English page)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def matched_profile(target: Target, body: dict[str, Any]) -> tuple[Profile | None, bool]:
    """The target profile the body's identifiers name under its matching mode, and whether that is clear.

    (None, True): the identifiers are readable and name no profile of the target; (None, False): unreadable.
    """
    mode = body.get("matching", "email")
    if mode == "custom":
        name, value = body.get("field_name"), body.get("field_value")
        if not isinstance(name, str) or not isinstance(value, str) or not name or not value:
            return None, False
        for p in target.profiles:
            if p.field_name == name and p.field_value == value:
                return p, True
        return None, True
    if mode not in ("email", "phone", "profile_id"):
        return None, False
    value = body.get(mode)
    if not isinstance(value, str) or not value:
        return None, False
    for p in target.profiles:
        mine = getattr(p, mode)
        if mine == value or (mode == "email" and mine.lower() == value.lower()):
            return p, True
    return None, True


def subject_of(target: Target, op: str, body: Any) -> Subject | None:
    """The subject of a request body as the server read it; None when the body is not a readable object."""
    if not isinstance(body, dict):
        return None
    program = _int(body.get("loyalty_id"))
    code = body.get("code") if isinstance(body.get("code"), str) else None
    codes = tuple(c for c in body.get("codes") or [] if isinstance(c, str)) if op == "import" else ()
    matched, known = (None, False)
    if op in ("attach", "detach"):
        matched, known = matched_profile(target, body)
    activated = body.get("activated") if isinstance(body.get("activated"), bool) else None
    expire = body.get("expire_date") if isinstance(body.get("expire_date"), str) else None
    return Subject(
        op=op,
        program=program,
        code=code,
        codes=codes,
        db_id=body.get("db_id"),
        matched=matched,
        identifiers_known=known,
        activated=activated,
        expire_date=expire,
        personal=program == target.personal,
        foreign_db=op in ("attach", "detach") and body.get("db_id") != target.db_id,
        creates_codes=program is None or target.creates_codes(program),
    )


def subject_codes(subject: Subject) -> list[str]:
    """The codes a request names (its code, or import's codes)."""
    return [subject.code] if subject.code else list(subject.codes)
