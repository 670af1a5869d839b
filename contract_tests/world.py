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
    for item in data:
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str):
            raise ContractViolation(f"export_all item without a code: {item!r}\n{client.describe(exchange)}")
        attached, activated = item.get("attached"), item.get("activated")
        found[code] = Entry(str(attached or ""), str(activated or "")) if attached or activated else FREE
    return found


def snapshot(client: Client, programs: Iterable[int]) -> Snapshot:
    """Export every program in ``programs``."""
    return {program: export_program(client, program) for program in programs}


def diff(before: Snapshot, after: Snapshot) -> dict[tuple[int, str], Change]:
    """Codes whose export entry appeared, vanished or changed, keyed by (program, code)."""
    changes: dict[tuple[int, str], Change] = {}
    for program in sorted(set(before) | set(after)):
        old, new = before.get(program, {}), after.get(program, {})
        for code, now in new.items():
            was = old.get(code)
            if was is not now and was != now:  # most entries are the shared FREE: compared by identity
                changes[(program, code)] = (was, now)
        for code in old.keys() - new.keys():
            changes[(program, code)] = (old[code], None)
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
