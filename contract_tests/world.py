"""What the server holds, read through export_all and get: snapshots, their diff, and read helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contract_tests.client import Client
from contract_tests.wire import Exchange


class ContractViolation(AssertionError):
    """The server broke the contract: a one-line title, then the evidence (token masked)."""


@dataclass(frozen=True)
class Entry:
    """One code as export_all lists it: attach and activation times, '' when unset."""

    attached: str = ""
    activated: str = ""

    @property
    def is_free(self) -> bool:
        """Attached to nobody and not activated."""
        return not self.attached and not self.activated


FREE = Entry()  # one shared entry for every free code: a program of 100k codes is mostly free ones


class Listing(dict[str, Entry]):
    """One program's codes as export_all lists them, read-only, with ``busy``: the codes whose entry is not the
    shared FREE (attached or activated), so that a diff or a look at the times of a 100k-code program reads the
    few busy codes, not all of them. Build one with ``Listing.of``; a changed listing is a new one."""

    busy: frozenset[str]

    @classmethod
    def of(cls, entries: dict[str, Entry], busy: Iterable[str] | None = None) -> Listing:
        """A listing of ``entries``; ``busy`` when the caller knows it (else found: one pass over the entries)."""
        made = cls(entries)
        made.busy = frozenset(busy) if busy is not None else frozenset(c for c, e in entries.items() if e is not FREE)
        return made

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a Listing is read-only: build a new one with Listing.of")

    __setitem__ = __delitem__ = pop = popitem = update = setdefault = clear = __ior__ = _read_only


def busy_codes(listing: dict[str, Entry]) -> frozenset[str] | set[str]:
    """The codes of ``listing`` whose entry is not FREE (known for a Listing, found for any other dict)."""
    if type(listing) is Listing:
        return listing.busy
    free = FREE
    return {code for code, entry in listing.items() if entry is not free}


Snapshot = dict[int, dict[str, Entry]]
Change = tuple[Entry | None, Entry | None]


def require_success(client: Client, exchange: Exchange, what: str) -> Any:
    """Return the envelope's data when ``error`` is 0; ContractViolation with the evidence otherwise."""
    if exchange.envelope is None or exchange.error != 0:
        raise ContractViolation(f"{what} failed (error {exchange.error})\n{client.describe(exchange)}")
    return exchange.data


def export_program(client: Client, program: int, *, exchange: Exchange | None = None) -> dict[str, Entry]:
    """Return every code of ``program`` as export_all lists it (read from ``exchange`` when already sent)."""
    exchange = exchange or client.call("export_all", {"loyalty_id": program})
    data = require_success(client, exchange, f"export_all of program {program}")
    if not isinstance(data, list):
        raise ContractViolation(f"export_all of program {program} gave no list\n{client.describe(exchange)}")
    found: dict[str, Entry] = {}
    busy: list[str] = []
    for item in data:
        if type(item) is dict and len(item) == 1:  # a free code, as most of a big program's are: {"code": ...}
            code = item.get("code")
            if type(code) is str:
                found[code] = FREE
                continue
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str):
            raise ContractViolation(f"export_all item without a code: {item!r}\n{client.describe(exchange)}")
        attached, activated = item.get("attached"), item.get("activated")
        if attached or activated:
            found[code] = Entry(str(attached or ""), str(activated or ""))
            busy.append(code)
        else:
            found[code] = FREE
    return Listing.of(found, busy)


def snapshot(client: Client, programs: Iterable[int]) -> Snapshot:
    """Export every program in ``programs``."""
    return {program: export_program(client, program) for program in programs}


def diff(before: Snapshot, after: Snapshot) -> dict[tuple[int, str], Change]:
    """Codes whose export entry appeared, vanished or changed, keyed by (program, code)."""
    changes: dict[tuple[int, str], Change] = {}
    for program in sorted(set(before) | set(after)):
        old, new = before.get(program, {}), after.get(program, {})
        added, removed = new.keys() - old.keys(), old.keys() - new.keys()
        # most entries are the one shared FREE: only codes with another entry on either side can have changed
        kept = busy_codes(new) | busy_codes(old)
        for code in kept - added - removed:
            was, now = old.get(code), new.get(code)  # busy may name a code neither lists (a superset is safe)
            if was != now:
                changes[(program, code)] = (was, now)
        changes.update({(program, code): (None, new[code]) for code in added})
        changes.update({(program, code): (old[code], None) for code in removed})
    return changes


def describe_changes(changes: dict[tuple[int, str], Change]) -> str:
    """One line per changed code, for messages and the report."""
    if not changes:
        return "nothing changed"
    lines = []
    for (program, code), (old, new) in sorted(changes.items()):
        lines.append(f"program {program} code {code!r}: {_entry(old)} -> {_entry(new)}")
    return "\n".join(lines)


def _entry(entry: Entry | None) -> str:
    if entry is None:
        return "absent"
    state = []
    state.append(f"attached {entry.attached}" if entry.attached else "not attached")
    state.append(f"activated {entry.activated}" if entry.activated else "not activated")
    return ", ".join(state)


def get_code(client: Client, program: int, code: str) -> dict[str, Any] | None:
    """Return get's data for a code the program holds; None when get refuses (the code is unknown)."""
    exchange = client.call("get", {"loyalty_id": program, "code": code})
    if exchange.envelope is None:
        raise ContractViolation(f"get of {code!r} gave no envelope\n{client.describe(exchange)}")
    if exchange.error != 0:
        return None
    data = exchange.data
    if not isinstance(data, dict):
        raise ContractViolation(f"get of {code!r} gave no object\n{client.describe(exchange)}")
    return data


def holder_view(info: dict[str, Any] | None) -> tuple[bool, bool, str, str]:
    """(is_attached, is_activated, profile_id, expire_date) of a get answer, for comparing before and after."""
    if info is None:
        return (False, False, "", "")
    return (
        bool(info.get("is_attached")),
        bool(info.get("is_activated")),
        str(info.get("profile_id") or ""),
        str(info.get("expire_date") or ""),
    )


def same_instant(a: str, b: str) -> bool:
    """True when two RFC 3339 timestamps name the same instant (any offset spelling); False if either is not one."""
    try:
        return datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(b.replace("Z", "+00:00"))
    except (ValueError, TypeError):  # TypeError: a timestamp without an offset next to one with
        return False
