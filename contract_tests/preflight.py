"""Before any test: is the target file right about the server? One message saying what to fix, or the facts found.

Checks, in order, each only when the one before passed:

1. the server answers ``export_all`` with the API's envelope (else: base_url or the server is wrong);
2. the token is accepted: when ``export_all`` of the personal program is refused, the same request with a
   made-up token is sent; an identical refusal means the token is the problem, another one the program;
3. every named program exists: ``export_all`` of each succeeds;
4. the exhausted program has no free code (an entry neither attached nor activated);
5. every profile is found by each of its identifiers: get cannot look a profile up, and attach/detach change
   state, so one free code of the suite's own (an earlier run's, else a new one) in the personal program is
   attached in each matching mode and detached again with the same identifiers. A refused attach means no
   profile has that identifier. An attach that reaches the *wrong* profile is not the target file's fault
   but the server's: the rule tests judge it; a detach that fails stops this check (the tests judge that too).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from contract_tests.actions import attach_body
from contract_tests.client import Client
from contract_tests.errors import TransportError
from contract_tests.target import Target
from contract_tests.wire import Exchange
from contract_tests.world import Entry, export_program, get_code

MODES = ("profile_id", "email", "phone", "custom")
# the suite's code prefix: ct + yymmddHHMMSS + 4 hex digits (+ a worker tag); codes of earlier runs carry it
SUITE_CODE = re.compile(r"^ct\d{12}[0-9a-f]{4}")


class PreflightError(Exception):
    """The target file does not describe the server: the message says what to fix."""


@dataclass
class Preflight:
    """What the preflight found: each program's codes (export_all), and notes for the report."""

    programs: dict[int, dict[str, Entry]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    profile_code: str = ""  # the free code the profile check attached and detached

    def sizes(self) -> dict[int, int]:
        """Codes per program."""
        return {program: len(codes) for program, codes in self.programs.items()}


def _refusal(exchange: Exchange) -> tuple[int | None, str]:
    return exchange.error, exchange.error_text


def _what(exchange: Exchange) -> str:
    return f"error {exchange.error} {exchange.error_text!r}"


def _reach(client: Client, target: Target, where: str) -> Exchange:
    try:
        exchange = client.call("export_all", {"loyalty_id": target.personal})
    except TransportError as exc:
        reason = str(exc).split(" failed: ", 1)[-1]
        raise PreflightError(
            f"cannot reach the server at {target.base_url} ({reason}): check base_url in {where} "
            "and that the server is running"
        ) from None
    if exchange.envelope is None:
        raise PreflightError(
            f"the server at {target.base_url} does not answer {client.url_of('export_all')} with the API's envelope "
            f"(HTTP {exchange.status}: {exchange.decode_error}): check base_url in {where}"
        )
    return exchange


def _token_and_programs(client: Client, target: Target, where: str, first: Exchange) -> None:
    if first.error == 0:
        return
    probe = client.call("export_all", {"loyalty_id": target.personal}, token=f"preflight-{secrets.token_hex(8)}")
    if _refusal(probe) == _refusal(first):
        raise PreflightError(
            f"the token in ${target.token_env} is not accepted: export_all answers {_what(first)}, exactly as it "
            f"answers a made-up token; export the API token in {target.token_env} "
            f"(or program {target.personal}, loyalty_programs.personal, does not exist either)"
        )
    if probe.error == first.error:
        raise PreflightError(
            f"the token in ${target.token_env} is not accepted, or program {target.personal} "
            f"(loyalty_programs.personal) does not exist: export_all answers {_what(first)}, a made-up token "
            f"{_what(probe)}; check both"
        )


def _programs(client: Client, target: Target, where: str, found: Preflight) -> None:
    problems = []
    for kind in ("personal", "universal", "exhausted"):
        if kind == "exhausted" and target.exhausted is None:
            continue
        program = target.program(kind)
        exchange = client.call("export_all", {"loyalty_id": program})
        if exchange.error != 0 or not isinstance(exchange.data, list):
            problems.append(
                f"loyalty_programs.{kind}: program {program} is not found (export_all answers {_what(exchange)}); "
                "name an existing loyalty program"
            )
            continue
        found.programs[program] = export_program(client, program, exchange=exchange)
    if target.exhausted is not None and target.exhausted in found.programs:
        free = [code for code, entry in found.programs[target.exhausted].items() if entry.is_free]
        if free:
            problems.append(
                f"loyalty_programs.exhausted: program {target.exhausted} has {len(free)} free code(s) "
                f"(e.g. {free[0]!r}); name a program without free codes, or remove loyalty_programs.exhausted"
            )
    if problems:
        raise PreflightError("\n".join(problems))


def free_suite_codes(codes: dict[str, Entry]) -> list[str]:
    """Free codes an earlier run of the suite imported (its prefix marks them), oldest name first."""
    return sorted(code for code, entry in codes.items() if entry.is_free and SUITE_CODE.match(code))


def _profiles(client: Client, target: Target, found: Preflight, new_code: str) -> None:
    program = target.personal
    reusable = free_suite_codes(found.programs[program])
    code = found.profile_code = reusable[0] if reusable else new_code
    if not reusable:
        imported = client.call("import", {"loyalty_id": program, "codes": [code]})
        if imported.error != 0:
            found.notes.append(f"preflight: profiles not checked (import of a code refused: {_what(imported)})")
            return
    problems = []
    for index, profile in enumerate(target.profiles):
        for mode in MODES:
            body = attach_body(target, program, profile, code=code, mode=mode)
            attached = client.call("attach", body)
            if attached.error != 0 and (held := get_code(client, program, code)) and held.get("is_attached"):
                # a detach that answered 0 without releasing: the server's fault, not the file's
                found.notes.append(
                    f"preflight: profile check stopped, {code!r} is still attached after a detach answered 0 "
                    "(the rule tests judge it)"
                )
                return
            if attached.error != 0:
                value = ", ".join(f"{k} {v!r}" for k, v in profile.identifiers(mode).items())
                problems.append(
                    f"profiles[{index}] ({profile.profile_id}): no profile of db_id {target.db_id} is found by "
                    f"{value} (attach answers {_what(attached)}); fix the identifier in the target file"
                )
                continue
            detached = client.call("detach", body)
            if detached.error != 0:
                found.notes.append(
                    f"preflight: profile check stopped, detach of {code!r} refused ({_what(detached)}); "
                    "the rule tests judge it"
                )
                return
    if problems:
        raise PreflightError("\n".join(problems))
    found.notes.append(
        f"preflight: every profile found by each identifier (attach/detach of {code!r} in program {program})"
    )


def preflight(client: Client, target: Target, *, where: str, new_code: str) -> Preflight:
    """Run every check; PreflightError with one message saying what to fix, else what was found."""
    started = client.count
    found = Preflight()
    first = _reach(client, target, where)
    _token_and_programs(client, target, where, first)
    _programs(client, target, where, found)
    _profiles(client, target, found, new_code)
    found.requests = client.count - started
    return found
