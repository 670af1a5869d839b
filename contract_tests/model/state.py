"""The model's world: immutable, hashable values (frozen dataclasses, tuples, frozensets).

A ``World`` is what the documented API lets a client know about the server: the target's database and profiles,
each loyalty program's kind and setting, and the codes the model tracks with every field get and export_all show.
A program is ``complete`` when the model knows all of its codes (a snapshot exported it); otherwise codes it does
not track are unknown to it, except those ``absent`` (known not to be held, e.g. a fresh name of this run).
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from contract_tests.target import Profile as Profile  # the target file's: every identifier matching may read

Holder = tuple[int, str]  # (database_id, profile_id)
SOMEONE: Holder = (0, "")  # a holder the model does not know (a code seen attached only through export_all)


@dataclass(frozen=True)
class Window:
    """A time the server chose and nobody has read yet: it lies between ``earliest`` and ``latest`` (UTC)."""

    earliest: datetime
    latest: datetime


Stamp = str | Window | None  # a time read (its text), a time not read yet (its window), or unset (None)
ANY_TIME = Window(datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))


@dataclass(frozen=True)
class Code:
    """One code of one program as the documented API exposes it."""

    code: str
    created: Stamp = ANY_TIME
    holders: frozenset[Holder] = frozenset()
    attached: Stamp = None  # set exactly while ``holders`` is not empty
    activated: Stamp = None
    expire_date: str | None = ""  # as last set (RFC 3339) or read; "" unset; None unknown (seen only in a listing)

    @property
    def is_attached(self) -> bool:
        return bool(self.holders)

    @property
    def is_activated(self) -> bool:
        return self.activated is not None


class Codes:
    """An immutable mapping code -> ``Code`` (copy on write), hashed by content: the XOR of its entries' hashes,
    so a copy with one entry replaced rehashes in O(1) (a program of 100,000 codes is copied, not rehashed).

    ``index`` keeps the codes by a key (a reading of code identity: ``contract_tests.model.identity``), built on
    first use and carried to each copy, so a copy with one more code does not recompute every key."""

    __slots__ = ("_hash", "_indexes", "_items")

    def __init__(self, items: dict[str, Code] | None = None, *, _hash: int | None = None) -> None:
        self._items: dict[str, Code] = dict(items or {})
        self._hash: int | None = _hash
        self._indexes: dict[str, tuple[Callable[[str], str], dict[str, str]]] = {}

    def index(self, name: str, key: Callable[[str], str]) -> dict[str, str]:
        """The codes by ``key`` (named ``name``): key -> the first code with it. Read-only: shared by copies."""
        cached = self._indexes.get(name)
        if cached is None:
            found: dict[str, str] = {}
            for code in self._items:
                found.setdefault(key(code), code)
            cached = self._indexes[name] = (key, found)
        return cached[1]

    def get(self, code: str) -> Code | None:
        return self._items.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._items

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> tuple[Code, ...]:
        return tuple(self._items.values())

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)

    def items(self) -> ItemsView[str, Code]:
        """The (code, state) pairs, without a copy (read them, do not keep them past a change)."""
        return self._items.items()

    def with_codes(self, states: Iterable[Code]) -> Codes:
        """A copy where each of ``states`` replaces or adds its code: one at a time when few (the hash and indexes
        follow), else one new mapping."""
        states = list(states)
        if len(states) <= 8:
            copy = self
            for state in states:
                copy = copy.with_code(state)
            return copy
        items = dict(self._items)
        items.update((state.code, state) for state in states)
        return Codes(items)

    def with_code(self, state: Code) -> Codes:
        """A copy where ``state.code`` is ``state``."""
        items = dict(self._items)
        old = items.get(state.code)
        items[state.code] = state
        copy = Codes()
        copy._items = items  # already a fresh dict: no second copy
        if self._hash is not None:
            copy._hash = self._hash ^ hash((state.code, state)) ^ (hash((state.code, old)) if old is not None else 0)
        for name, (key, found) in self._indexes.items():
            if old is None and key(state.code) not in found:
                found = {**found, key(state.code): state.code}
            copy._indexes[name] = (key, found)
        return copy

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Codes) and self._items == other._items

    def __hash__(self) -> int:
        if self._hash is None:
            found = 0
            for item in self._items.items():
                found ^= hash(item)
            self._hash = found
        return self._hash

    def __repr__(self) -> str:
        shown = ", ".join(repr(c) for c in list(self._items)[:5])
        return f"Codes({len(self._items)}: {shown}{', ...' if len(self._items) > 5 else ''})"


@dataclass(frozen=True)
class Draw:
    """A pool draw whose code nobody has read yet: ``holder`` holds one of the program's codes that were not
    attached when it ran (or, where the program creates codes and ``may_create``, a new one), since ``attached``."""

    holder: Holder
    attached: Window
    candidates: frozenset[str]  # tracked codes it may have taken
    untracked: bool  # whether it may have taken a code the model does not track (an incomplete program)
    may_create: bool  # whether it may have created a new code


@dataclass(frozen=True)
class Program:
    """A loyalty program: its kind (personal restricts multiple usage), its setting and the codes tracked."""

    id: int
    kind: str  # personal | universal | unknown (the exhausted program: the target file does not say)
    creates_codes: bool = True
    codes: Codes = field(default_factory=Codes)
    complete: bool = False  # True: ``codes`` is every code the program holds
    absent: frozenset[str] = frozenset()  # codes known not to be held (meaningful when not complete)
    draws: tuple[Draw, ...] = ()  # pool draws not resolved yet

    @property
    def personal(self) -> bool:
        return self.kind == "personal"

    def holds(self, code: str) -> bool | None:
        """True / False when the model knows whether the program holds ``code``; None when it does not."""
        if code in self.codes:
            return True
        if self.complete or code in self.absent:
            return False
        return None

    def with_code(self, state: Code) -> Program:
        return replace(self, codes=self.codes.with_code(state), absent=self.absent - {state.code})


@dataclass(frozen=True)
class World:
    """Everything the model knows: the target's database and profiles, its programs, and the server's reading of
    code identity once an answer showed it (``contract_tests.model.identity``)."""

    db_id: int
    profiles: tuple[Profile, ...]
    programs: tuple[Program, ...]
    api_version: str = "72"
    identity: str | None = None  # the server's reading of code identity (x-code-identity); None: not shown yet

    def program(self, program_id: object) -> Program | None:
        for program in self.programs:
            if program.id == program_id and not isinstance(program_id, bool):
                return program
        return None

    def with_program(self, program: Program) -> World:
        return replace(self, programs=tuple(program if p.id == program.id else p for p in self.programs))
