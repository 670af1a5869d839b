"""Invariants over the visible state, checked after every rule case and state-machine step.

A code of a restricted (personal) program never has two holders; get and export_all agree on every code both
show; a code never disappears or changes spelling (byte-exact); timestamps are RFC 3339 and never move
backwards. ``History`` remembers what earlier looks showed. Problems start with ``[invariant <name>]``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from contract_tests.model.semantics import instant
from contract_tests.observed import Observed, Subject
from contract_tests.world import busy_codes

INVARIANTS = ("restricted-single-holder", "get-export-agree", "codes-persist", "timestamps")  # the [invariant <name>]s
STAMPS = ("created", "attached", "activated")  # expire_date is set by update to any instant: not monotonic


class History:
    """What the run has seen so far: codes per program, and the last non-empty value of each timestamp."""

    def __init__(self) -> None:
        self.codes: dict[int, set[str]] = {}
        self.stamps: dict[tuple[int, str, str], tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def check(self, look: Observed) -> list[str]:
        """Every invariant on ``look`` against what earlier looks showed; then remember ``look``."""
        with self._lock:
            problems = self._agree(look) + self._persist(look) + self._times(look)
            for program, listing in look.exported.items():
                self.codes.setdefault(program, set()).update(listing)
            for (program, code), info in look.gets.items():
                if info is not None:
                    self.codes.setdefault(program, set()).add(code)
            return problems

    def _agree(self, look: Observed) -> list[str]:
        problems = []
        for (program, code), info in sorted(look.gets.items()):
            if not look.knows_listing(program):
                continue
            entry = look.listed(program, code)
            if (entry is None) != (info is None):
                problems.append(
                    f"[invariant get-export-agree] {code!r} of program {program}: "
                    + ("get finds it, export_all does not list it" if entry is None else "listed, but get refuses it")
                )
            elif (
                entry is not None
                and info is not None
                and (
                    bool(entry.attached) != bool(info.get("is_attached"))
                    or bool(entry.activated) != bool(info.get("is_activated"))
                )
            ):
                problems.append(
                    f"[invariant get-export-agree] {code!r} of program {program}: export_all attached "
                    f"{entry.attached!r} activated {entry.activated!r}, get is_attached {info.get('is_attached')!r} "
                    f"is_activated {info.get('is_activated')!r}"
                )
        return problems

    def _persist(self, look: Observed) -> list[str]:
        problems = []
        for program, listing in sorted(look.exported.items()):
            gone = sorted(self.codes.get(program, set()) - listing.keys())
            if gone:
                problems.append(
                    f"[invariant codes-persist] program {program} no longer lists {gone[:3]!r}"
                    + (f" (and {len(gone) - 3} more)" if len(gone) > 3 else "")
                    + ": a code never disappears or changes spelling"
                )
        for (program, code), info in sorted(look.gets.items()):
            if info is None and code in self.codes.get(program, set()):
                problems.append(f"[invariant codes-persist] get no longer finds {code!r} in program {program}")
            elif info is not None and info.get("code") != code:
                problems.append(
                    f"[invariant codes-persist] get of {code!r} answers the spelling {info.get('code')!r} (byte-exact)"
                )
        return problems

    def _times(self, look: Observed) -> list[str]:
        seen: list[tuple[int, str, str, str]] = []
        for program, listing in look.exported.items():
            for code in sorted(busy_codes(listing)):  # a free code has no times to judge
                entry = listing.get(code)
                if entry is not None and (entry.attached or entry.activated):
                    seen += [(program, code, "attached", entry.attached), (program, code, "activated", entry.activated)]
        problems = []
        for (program, code), info in look.gets.items():
            # the docs describe expired and expire_date with the same words: whichever reading a server takes
            # (expired always the expire date, or only once it passed), an expired code's expired is its expire date
            if info and info.get("is_expired") is True and info.get("expired") != info.get("expire_date"):
                problems.append(
                    f"[invariant timestamps] {code!r} of program {program} is_expired, but expired is "
                    f"{info.get('expired')!r} and expire_date {info.get('expire_date')!r}"
                )
            for name in STAMPS:
                value = (info or {}).get(name)
                if isinstance(value, str):
                    seen.append((program, code, name, value))
        now: dict[tuple[int, str, str], datetime] = {}
        for program, code, name, value in seen:
            if not value:
                continue
            when = instant(value)
            if when is None:
                problems.append(f"[invariant timestamps] {name} of {code!r} is {value!r}, not an RFC 3339 timestamp")
                continue
            key = (program, code, name)
            now[key] = when
            last = self.stamps.get(key)
            if last is not None and when < last[1]:
                problems.append(f"[invariant timestamps] {name} of {code!r} moved backwards: {last[0]!r} -> {value!r}")
            if last is not None and name == "created" and when != last[1]:
                problems.append(f"[invariant timestamps] created of {code!r} changed: {last[0]!r} -> {value!r}")
            self.stamps[key] = (value, when)
        for (program, code, name), when in now.items():
            created = now.get((program, code, "created"))
            if name != "created" and created is not None and when < created:
                problems.append(f"[invariant timestamps] {name} of {code!r} is earlier than its creation")
        return problems


def restricted_single_holder(subject: Subject, before: Observed, after: Observed, success: bool) -> list[str]:
    """An attach that succeeds on a personal code another profile held gives the code a second holder (or moves it)."""
    if not success or subject.op != "attach" or not subject.personal or subject.program is None:
        return []
    if subject.code is None or subject.matched is None:
        return []
    info: dict[str, Any] | None = before.get(subject.program, subject.code)
    holder = (info or {}).get("profile_id")
    if not (info or {}).get("is_attached") or not holder or holder == subject.matched.profile_id:
        return []
    now = after.get(subject.program, subject.code) or {}
    return [
        f"[invariant restricted-single-holder] {subject.code!r} of the personal program {subject.program} was held "
        f"by {holder!r}; attach for {subject.matched.profile_id!r} answered error 0 (get now names "
        f"{now.get('profile_id')!r}): a restricted code has one holder"
    ]
