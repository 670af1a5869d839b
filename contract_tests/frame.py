"""Frame conditions: a request changes only its subject, in every branch (refusals change nothing at all).

Only the code(s) the request names or draws, in the program it names, may change; never another program, another
profile's holding, another database. Problems start with ``[frame]``.
"""

from __future__ import annotations

from collections.abc import Callable

from contract_tests.observed import Observed, Subject, subject_codes
from contract_tests.world import Entry, diff, holder_view

Key = tuple[int, str]


def changes(before: Observed, after: Observed) -> dict[Key, str]:
    """Every code whose listing or get changed between two looks (only what both looks saw), described."""
    common = set(before.exported) & set(after.exported)
    listed = diff({p: before.exported[p] for p in common}, {p: after.exported[p] for p in common})
    found: dict[Key, str] = {key: f"export_all {_entry(was)} -> {_entry(now)}" for key, (was, now) in listed.items()}
    for key in sorted(set(before.gets) & set(after.gets)):
        old_view, new_view = holder_view(before.gets[key]), holder_view(after.gets[key])
        if old_view != new_view and key not in found:
            found[key] = f"get {old_view} -> {new_view}"
    return found


def _entry(entry: Entry | None) -> str:
    if entry is None:
        return "absent"
    return f"(attached {entry.attached or '-'}, activated {entry.activated or '-'})"


def _drawn(subject: Subject, before: Observed, after: Observed, moved: dict[Key, str]) -> set[Key]:
    """attach without a code may draw one code of its program: a code that was not attached and now is; or, where
    the program creates codes (the Russian attach page), a new code, attached."""
    program = subject.program
    if program is None or not before.knows_listing(program):
        return set()
    for key in sorted(moved):
        if key[0] != program:
            continue
        old, new = before.listed(*key), after.listed(*key)
        if (old is None and not subject.creates_codes) or new is None or not new.attached:
            continue
        if old is None or not old.attached:
            return {key}
    return set()


def frame_problems(
    subject: Subject,
    before: Observed,
    after: Observed,
    *,
    success: bool,
    others: Callable[[Key], bool] = lambda key: False,
) -> list[str]:
    """What changed outside the request's subject (for a refusal: anything that changed).

    ``others`` names codes that other pytest-xdist workers change meanwhile: theirs to judge, not this request's.
    """
    moved = {key: seen for key, seen in changes(before, after).items() if not others(key)}
    if not moved:
        return []
    if not success:
        return [f"[frame] a refused request changed the server's state: {_describe(moved)}"]
    allowed: set[Key] = set()
    # a detach in another database cannot release what the target's profiles hold
    ops = (
        ("import", "attach", "activate", "update")
        if subject.foreign_db
        else ("import", "attach", "detach", "activate", "update")
    )
    if subject.program is not None and subject.op in ops:
        allowed = {(subject.program, c) for c in subject_codes(subject)}
        if subject.op == "attach" and subject.code is None:
            allowed |= _drawn(subject, before, after, moved)
    problems = []
    outside = {k: v for k, v in moved.items() if k not in allowed}
    if outside:
        problems.append(f"[frame] {subject.op} changed what it does not name: {_describe(outside)}")
    for key in sorted(set(moved) & allowed):
        problems += _fields(subject, key, before, after)
    return problems


def _fields(subject: Subject, key: Key, before: Observed, after: Observed) -> list[str]:
    """The parts of its own subject an operation must leave alone."""
    old, new = before.listed(*key), after.listed(*key)
    old_info, new_info = before.get(*key), after.get(*key)
    problems = []
    if subject.op == "import" and old is not None and old != new:
        problems.append(f"[frame] import changed {key[1]!r}, which program {key[0]} already held: {old} -> {new}")
    if subject.op in ("activate", "update"):
        was = old_info is not None and bool(old_info.get("is_attached"))
        now = new_info is not None and bool(new_info.get("is_attached"))
        if (old is not None and new is not None and bool(old.attached) != bool(new.attached)) or (
            before.knows_get(*key) and after.knows_get(*key) and was != now
        ):
            problems.append(f"[frame] {subject.op} changed the attachment of {key[1]!r}")
    if subject.op == "attach" and old is not None and new is not None and bool(old.activated) != bool(new.activated):
        problems.append(f"[frame] attach changed the activation of {key[1]!r}")
    if subject.op == "attach" and not subject.creates_codes and _created(key, before, after):
        problems.append(
            f"[frame] attach created {key[1]!r} in program {key[0]}, which the target file declares as not creating "
            "codes (program_settings)"
        )
    if subject.op == "detach" and subject.matched is not None and subject.personal and old_info is not None:
        holder = old_info.get("profile_id")
        kept = bool((new_info or {}).get("is_attached")) and (new_info or {}).get("profile_id") == holder
        if old_info.get("is_attached") and holder and holder != subject.matched.profile_id and not kept:
            problems.append(
                f"[frame] detach for {subject.matched.profile_id!r} took {key[1]!r} from profile {holder!r}"
            )
    return problems


def _created(key: Key, before: Observed, after: Observed) -> bool:
    """The code was absent before (not listed, or get refused it) and is present after."""
    absent = (before.knows_listing(key[0]) and before.listed(*key) is None) or (
        before.knows_get(*key) and before.get(*key) is None
    )
    present = after.listed(*key) is not None or after.get(*key) is not None
    return absent and present


def _describe(moved: dict[Key, str]) -> str:
    shown = [f"program {p} code {c!r}: {what}" for (p, c), what in sorted(moved.items())[:5]]
    more = f" (and {len(moved) - 5} more)" if len(moved) > 5 else ""
    return "; ".join(shown) + more
