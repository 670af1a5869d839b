"""The mock's state: loyalty programs and their codes, guarded by one lock.

Drawing a free code is amortised O(1): each program keeps a queue of candidate codes
in insertion order; a code leaves the pool lazily (it is skipped when drawn if it is no
longer free) and re-enters it when it becomes free again.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from mock_server import clock
from mock_server.seed import Seed

Holder = tuple[int, str]  # (database_id, profile_id)


class CodeState:
    """One code of one program; empty strings mean "not set"."""

    __slots__ = ("activated", "attached", "code", "created", "expire_date", "holders")

    def __init__(self, code: str, created: str) -> None:
        self.code = code
        self.created = created
        self.holders: dict[Holder, str] = {}  # holder -> attach time, in attach order
        self.attached = ""
        self.activated = ""
        self.expire_date = ""

    @property
    def is_free(self) -> bool:
        """Attached to nobody and not activated: a code the pool may hand out."""
        return not self.holders and not self.activated


class ProgramState:
    """A loyalty program: its kind, its codes in insertion order, and the pool of free codes."""

    __slots__ = ("codes", "creates_codes", "id", "kind", "pool")

    def __init__(self, program_id: int, kind: str, *, creates_codes: bool = True) -> None:
        self.id = program_id
        self.kind = kind
        self.creates_codes = creates_codes  # False: attach never creates a code (the Russian attach page)
        self.codes: dict[str, CodeState] = {}
        self.pool: deque[str] = deque()

    @property
    def personal(self) -> bool:
        """Multiple usage restricted: a code attaches to one profile only."""
        return self.kind == "personal"

    def add(self, code: str, created: str) -> CodeState:
        """Insert a new free code; the caller checks it is new."""
        state = CodeState(code, created)
        self.codes[code] = state
        self.pool.append(code)
        return state

    def draw(self) -> CodeState | None:
        """Return the oldest free code (without attaching it), or None when none is free."""
        pool = self.pool
        codes = self.codes
        while pool:
            state = codes.get(pool[0])
            if state is not None and state.is_free:
                return state
            pool.popleft()
        return None

    def attach(self, state: CodeState, holder: Holder, when: str) -> None:
        """Attach ``state`` to ``holder`` (in addition to any holder it has)."""
        if not state.holders:
            state.attached = when
        state.holders[holder] = when

    def detach(self, state: CodeState, holder: Holder) -> None:
        """Remove ``holder``; a code left with no holder is free again (unless activated)."""
        state.holders.pop(holder, None)
        if not state.holders:
            state.attached = ""
            self.release(state)
        else:
            state.attached = next(iter(state.holders.values()))

    def release(self, state: CodeState) -> None:
        """Put a code that just became free back at the end of the pool."""
        if state.is_free:
            self.pool.append(state.code)
            if len(self.pool) > 2 * len(self.codes) + 1024:  # stale entries pile up only through detach cycles
                self.pool = deque(code for code, st in self.codes.items() if st.is_free)


class Store:
    """All programs, behind one lock (``with store.lock:`` around every read-modify-write)."""

    def __init__(self, programs: Iterable[ProgramState], *, now: Callable[[], str] = clock.now) -> None:
        self.lock: AbstractContextManager[Any] = threading.Lock()
        self.programs: dict[int, ProgramState] = {p.id: p for p in programs}
        self.now = now

    @classmethod
    def from_seed(cls, seed: Seed, *, now: Callable[[], str] = clock.now) -> Store:
        """Build the state the seed describes; codes without ``created`` get the load time."""
        loaded = now()
        programs = []
        for program in seed.programs:
            state = ProgramState(program.id, program.kind, creates_codes=program.creates_codes)
            for item in program.codes:
                code = state.add(item.code, item.created or loaded)
                for holder in item.holders:
                    state.attach(code, holder, item.attached or code.created)
                code.activated = item.activated
                code.expire_date = item.expire_date
            programs.append(state)
        return cls(programs, now=now)
