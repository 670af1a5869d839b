"""The whole-program frame check, once per batch of rule cases instead of twice per case.

Each rule case reads the codes it names with ``get`` (cost independent of program size) and judges their
changes itself. What only ``export_all`` can show is judged here, once per batch: nothing outside the codes
the batch's cases named (and the codes pool draws took) changed in any target program, and export_all agrees
with the last ``get`` of every named code (attached, activated).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from contract_tests.client import Client
from contract_tests.world import ContractViolation, Entry, Snapshot, describe_changes, diff, snapshot

Key = tuple[int, str]


def entry_of(info: dict[str, Any] | None) -> Entry | None:
    """The export_all-shaped entry of a get answer (None: get refused, the code is unknown)."""
    if info is None:
        return None
    attached = str(info.get("attached") or "") if info.get("is_attached") else ""
    activated = str(info.get("activated") or "") if info.get("is_activated") else ""
    # a server may leave the times empty while the flags are set: the flags decide
    return Entry(
        attached=attached or ("yes" if info.get("is_attached") else ""),
        activated=activated or ("yes" if info.get("is_activated") else ""),
    )


class TakenLog:
    """Codes outside a worker's namespace that some worker of the run changed on purpose (pool draws).

    Workers append to one JSON-lines file next to the run's lock, each line naming the worker (its process) that
    announced the code; alone, the set lives in memory. A pool hands the same code to several workers in turn
    (taken, given back, taken again), so a code this worker took may be another's business too (``others``).
    """

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.mine: set[Key] = set()

    def add(self, keys: Iterable[Key]) -> None:
        """Announce ``keys`` to every worker."""
        new = set(keys) - self.mine
        self.mine |= new
        if self.path is not None and new:
            with self.path.open("a", encoding="utf-8") as out:
                out.writelines(json.dumps([p, c, self.owner]) + "\n" for p, c in sorted(new))

    def _announced(self) -> list[tuple[Key, str]]:
        if self.path is None or not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            program, code, owner = json.loads(line)
            found.append(((int(program), str(code)), str(owner)))
        return found

    def all(self) -> set[Key]:
        """Every key any worker announced."""
        return set(self.mine) | {key for key, _ in self._announced()}

    def others(self) -> set[Key]:
        """Every key another worker announced, whether or not this worker took it too at some other time."""
        return {key for key, owner in self._announced() if owner != self.owner}


class FrameWatch:
    """One open batch of rule cases: the programs as exported at its start, the codes its cases named."""

    def __init__(self, client: Client, programs: tuple[int, ...], *, size: int) -> None:
        self.client = client
        self.programs = programs
        self.size = size
        self.baseline: Snapshot | None = None
        self.ready: Snapshot | None = None  # the last check's export: the next batch's start, if nothing ran between
        self.cases: list[str] = []
        self.named: dict[Key, Entry | None] = {}

    @property
    def full(self) -> bool:
        """The batch holds ``size`` cases: time to check it."""
        return len(self.cases) >= self.size

    def begin(self) -> None:
        """Export the programs when no batch is open (before a case's setup)."""
        if self.baseline is None:
            self.baseline = self.ready if self.ready is not None else snapshot(self.client, self.programs)
            self.ready = None

    def note(self, case_id: str, program: int, seen: dict[str, dict[str, Any] | None]) -> None:
        """A case ran; ``seen`` is its last get of each code it named in ``program``."""
        self.note_keys(case_id, {(program, code): info for code, info in seen.items()})

    def note_keys(self, case_id: str, seen: dict[Key, dict[str, Any] | None]) -> None:
        """A case ran; ``seen`` is its last get of each (program, code) it named."""
        self.cases.append(case_id)
        for key, info in seen.items():
            self.named[key] = entry_of(info)

    def interrupted(self) -> None:
        """Something else ran (a test that is not a rule case): the next batch exports its own start."""
        self.ready = None

    def saw(self, program: int, entries: dict[str, Entry | None]) -> None:
        """Codes a case judged from export_all (a pool draw's), as it last saw them."""
        self.named.update({(program, code): entry for code, entry in entries.items()})

    def check(self, *, ignore: set[Key], foreign: Any) -> None:
        """Close the batch: ContractViolation when something no case named changed, or export_all and get disagree."""
        if self.baseline is None:
            return
        baseline, cases, named = self.baseline, self.cases, self.named
        self.baseline, self.cases, self.named = None, [], {}
        if not cases:
            return
        now = snapshot(self.client, self.programs)
        self.ready = now
        changes = {
            key: change
            for key, change in diff(baseline, now).items()
            if key not in named and key not in ignore and not foreign(key[1])
        }
        disagree = []
        for (program, code), seen in sorted(named.items()):
            if (program, code) in ignore or seen is None:
                continue
            listed = now.get(program, {}).get(code)
            if listed is None:
                disagree.append(f"program {program} code {code!r}: get knows it, export_all does not list it")
            elif bool(listed.attached) != bool(seen.attached) or bool(listed.activated) != bool(seen.activated):
                disagree.append(
                    f"program {program} code {code!r}: export_all says attached={bool(listed.attached)} "
                    f"activated={bool(listed.activated)}, get says attached={bool(seen.attached)} "
                    f"activated={bool(seen.activated)}"
                )
        if not changes and not disagree:
            return
        shown = ", ".join(cases[:12]) + (f" and {len(cases) - 12} more" if len(cases) > 12 else "")
        problems = []  # each names its oracle: a change no case named is the frame's, a disagreement the invariant's
        if changes:
            changed = describe_changes(dict(list(changes.items())[:10]))
            problems.append(f"[frame] codes no case named changed:\n{changed}")
        if disagree:
            problems.append("[invariant get-export-agree] export_all and get disagree:\n" + "\n".join(disagree[:10]))
        tag, _, first = problems[0].splitlines()[0].partition("] ")
        raise ContractViolation(
            f"{tag}] check of a batch of {len(cases)} case(s) (export_all before and after the batch): {first}\n"
            f"the batch: {shown}\n" + "\n".join(problems)
        )
