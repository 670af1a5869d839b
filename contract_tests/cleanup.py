"""Undo what this process of the run did where the API allows it, and list what it cannot undo."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from contract_tests import actions
from contract_tests.errors import TransportError
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation, Entry, Snapshot, get_code, snapshot

CLEANUP_THREADS = 8  # requests in flight at once while cleaning up


def clean_up(suite: Suite) -> None:
    """Detach and deactivate this process's codes and the codes its pool draws took; report what stays.

    Only codes of this process's namespace (its prefix) and the codes its pool draws took are touched, so
    pytest-xdist workers cleaning up at different times never undo each other's work in progress.
    """
    client, target, report = suite.client, suite.target, suite.report
    client.unlimited = True
    try:
        now = snapshot(client, [target.personal, target.universal])
    except (ContractViolation, TransportError) as exc:
        report.uncleaned.append(f"cleanup skipped: export_all failed ({str(exc).splitlines()[0]})")
        client.unlimited = False
        return
    prefix = suite.names.prefix
    imported = 0
    undo: list[tuple[int, str, Entry]] = []
    for program, codes in now.items():
        for code, entry in codes.items():
            own = code.startswith(prefix)
            if not own and (program, code) not in suite.taken.mine:
                continue
            imported += own
            if entry.activated or entry.attached:
                undo.append((program, code, entry))
    try:
        # codes are undone independently: several at once over a far-away server's round trips (one at a time
        # under --trace-requests, whose order the seed reproduces)
        with ThreadPoolExecutor(max_workers=1 if client.trace is not None else CLEANUP_THREADS) as pool:
            for done in [pool.submit(_undo, suite, program, code, entry) for program, code, entry in undo]:
                done.result()  # the first failure, after every code had its turn
        _confirm(suite, now)
    finally:
        client.unlimited = False
    if imported:
        report.uncleaned.append(
            f"{imported} code(s) with the prefix {prefix!r} imported into programs "
            f"{', '.join(map(str, sorted(now)))}: the API has no delete (free ones are reused by later runs)"
        )
    if target.exhausted is not None:
        for program, code in sorted(k for k in suite.taken.mine if k[0] == target.exhausted):
            report.uncleaned.append(
                f"program {program} code {code!r}: created and attached by an attach without a code (the program "
                "creates codes); left attached, so the exhausted program keeps no free code"
            )
        note = f"program {target.exhausted} (exhausted) is never sent a code, so cleanup leaves it alone"
        if note not in report.notes:
            report.notes.append(note)


def _undo(suite: Suite, program: int, code: str, entry: Entry) -> None:
    """Deactivate, then detach one code (as export_all showed it before cleanup)."""
    if entry.activated:
        suite.client.call("update", {"loyalty_id": program, "code": code, "activated": False})
    if entry.attached:
        _detach(suite, program, code)


def _detach(suite: Suite, program: int, code: str) -> None:
    client, target = suite.client, suite.target
    holder = suite.holders.get((program, code))  # as the last get of a rule case named it: no get needed
    if holder is None:
        holder = str((get_code(client, program, code) or {}).get("profile_id") or "")
    candidates = sorted(target.profiles, key=lambda p: p.profile_id != holder)
    for profile in candidates:  # the holder first: one detach in the usual case, confirmed by _confirm
        if actions.detach(client, target, program, code, profile):
            return


def _confirm(suite: Suite, touched: Snapshot) -> None:
    """One export_all per program (not a get per code) tells what cleanup achieved."""
    after = snapshot(suite.client, list(touched))
    for program, codes in touched.items():
        for code, entry in codes.items():
            if not (entry.attached or entry.activated) or after[program].get(code) is None:
                continue
            if not code.startswith(suite.names.prefix) and (program, code) not in suite.taken.mine:
                continue
            now = after[program][code]
            if now.activated:
                suite.report.uncleaned.append(f"program {program} code {code!r}: still activated")
            elif now.attached:
                suite.report.uncleaned.append(
                    f"program {program} code {code!r}: still attached "
                    "(a universal code held by several profiles cannot be detached)"
                )
            else:
                suite.report.cleaned.append(f"program {program} code {code!r}: detached")
