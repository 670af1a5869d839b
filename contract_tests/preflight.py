"""Before any test: is the target file right about the server? One message saying what to fix, or the facts found.

Checks, in order, each only when the one before passed:

1. the server answers ``export_all`` with the API's envelope (else: base_url or the server is wrong);
2. the token is accepted: when ``export_all`` of the personal program is refused, the same request is sent with a
   made-up token, with no token and as XML: an identical refusal means the token is the problem, another one the
   program;
3. every named program exists: ``export_all`` of each succeeds;
4. the exhausted program has no free code (an entry neither attached nor activated, as ``get`` confirms);
5. every profile is found by each of its identifiers: get cannot look a profile up, and attach/detach change
   state, so one free code of the suite's own (an earlier run's, else a new one) in the personal program is
   attached in each matching mode and detached again with the same identifiers. A refused attach means no
   profile has that identifier. An attach that reaches the *wrong* profile is not the target file's fault
   but the server's: the rule tests judge it; a detach that fails stops this check (the tests judge that too).

Only a well-formed refusal blames the file (``PreflightError``, exit 4). An answer the API never gives (HTTP 5xx,
a broken envelope) or answers that contradict each other or the spec are the server's fault: ``ServerFault``
(``contract_tests/diagnosis.py``), a contract violation with its evidence (exit 1).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from contract_tests.actions import attach_body
from contract_tests.client import Client
from contract_tests.code_variants import padded
from contract_tests.diagnosis import (
    BROKEN_ENVELOPE,
    CONTRADICTION,
    TOKEN_IGNORED,
    VALID_REFUSED,
    ServerFault,
    check,
    looks_like_the_api,
)
from contract_tests.errors import TransportError
from contract_tests.target import Target
from contract_tests.wire import Exchange
from contract_tests.world import ContractViolation, Entry, export_program, get_code

MODES = ("profile_id", "email", "phone", "custom")
# the suite's code prefix: ct + yymmddHHMMSS + 4 hex digits (+ a worker tag); codes of earlier runs carry it
SUITE_CODE = re.compile(r"^ct\d{12}[0-9a-f]{4}")


class PreflightError(Exception):
    """The target file does not describe the server: the message says what to fix."""


@dataclass
class Preflight:
    """What the preflight found: each program's codes (export_all), and notes for the report."""

    programs: dict[int, dict[str, Entry]] = field(default_factory=dict)
    listings: dict[int, Exchange] = field(default_factory=dict)  # the export_all answers they were read from
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
    if exchange.status >= 500 or looks_like_the_api(exchange):
        return check(client, exchange, f"export_all of program {target.personal} (loyalty_programs.personal)")
    raise PreflightError(
        f"the server at {target.base_url} does not answer {client.url_of('export_all')} with the API's envelope "
        f"(HTTP {exchange.status}: {exchange.decode_error or 'an object without error and error_text'}): "
        f"check base_url in {where}"
    )


def _token_and_programs(client: Client, target: Target, where: str, first: Exchange) -> None:
    if first.error == 0:
        return
    body = {"loyalty_id": target.personal}
    made_up = f"preflight-{secrets.token_hex(8)}"
    probe = check(client, client.call("export_all", body, token=made_up), "export_all with a made-up token")
    as_xml = check(client, client.call("export_all", body, body_format="xml"), "export_all sent as XML")
    if as_xml.error == 0:
        raise ServerFault(
            VALID_REFUSED,
            f"export_all of program {target.personal} is refused when sent as JSON ({_what(first)}) and served when "
            "the same request is sent as XML: the server refuses a valid JSON request (JSON is the docs' own format)",
            [client.describe(first), client.describe(as_xml)],
        )
    bare = check(client, client.call("export_all", body, token=None), "export_all without a token")
    if bare.error != 401 and _refusal(bare) == _refusal(first):
        raise ServerFault(
            TOKEN_IGNORED,
            f"export_all answers {_what(first)} with the target's token and exactly the same without any token, "
            "where the docs give 401 'API token required' (rule auth.token-missing): the refusal does not depend on "
            "the token, so it says nothing about the token or the program the target file names (they may be wrong "
            "too; the server is, in any case)",
            [client.describe(first), client.describe(bare)],
        )
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
        exchange = check(client, client.call("export_all", {"loyalty_id": program}), f"export_all of program {program}")
        if exchange.error != 0:
            problems.append(
                f"loyalty_programs.{kind}: program {program} is not found (export_all answers {_what(exchange)}); "
                "name an existing loyalty program"
            )
            continue
        found.programs[program] = export_program(client, program, exchange=exchange)
        found.listings[program] = exchange
    if target.exhausted is not None and target.exhausted in found.programs:
        free = [code for code, entry in found.programs[target.exhausted].items() if entry.is_free]
        if free and _confirmed_free(client, target.exhausted, free[:3], found.listings[target.exhausted]):
            problems.append(
                f"loyalty_programs.exhausted: program {target.exhausted} has {len(free)} free code(s) "
                f"(e.g. {free[0]!r}); name a program without free codes, or remove loyalty_programs.exhausted"
            )
    if problems:
        raise PreflightError("\n".join(problems))


def _confirmed_free(client: Client, program: int, codes: list[str], listing: Exchange) -> bool:
    """Whether get confirms that ``program`` holds these codes free, as its export_all listing says; ServerFault
    when get contradicts the listing (the server's answers disagree: no target file can fix that)."""
    for code in codes:
        answer = check(client, client.call("get", {"loyalty_id": program, "code": code}), f"get of {code!r}")
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.error != 0:
            seen = f"answers {_what(answer)}"
        elif data.get("code") != code or data.get("loyalty_id") != program:
            seen = f"describes code {data.get('code')!r} of program {data.get('loyalty_id')!r}"
        elif data.get("is_attached") or data.get("is_activated"):
            seen = "reports it attached or activated"
        else:
            continue
        raise ServerFault(
            CONTRADICTION,
            f"export_all of program {program} lists {code!r} as a free code, but get of {code!r} in program "
            f"{program} {seen}: export_all and get contradict each other ([invariant get-export-agree]), so the "
            "listing says nothing about the program's free codes",
            [client.describe(listing), client.describe(answer)],
        )
    return True


def free_suite_codes(codes: dict[str, Entry]) -> list[str]:
    """Free codes an earlier run of the suite imported (its prefix marks them), oldest name first; not those with
    whitespace around them (spellings the model-based machine tried, contract_tests/code_variants.py): rule cases
    send codes in XML too, where such whitespace is open to reading."""
    return sorted(
        code for code, entry in codes.items() if entry.is_free and SUITE_CODE.match(code) and not padded(code)
    )


def _profiles(client: Client, target: Target, found: Preflight, new_code: str) -> None:
    program = target.personal
    reusable = free_suite_codes(found.programs[program])
    code = found.profile_code = reusable[0] if reusable else new_code
    if not reusable:
        imported = check(client, client.call("import", {"loyalty_id": program, "codes": [code]}), f"import of {code!r}")
        if imported.error != 0:
            found.notes.append(f"preflight: profiles not checked (import of a code refused: {_what(imported)})")
            return
    problems = []
    missed: dict[str, list[int]] = {mode: [] for mode in MODES}  # the profiles each matching mode did not find
    for index, profile in enumerate(target.profiles):
        for mode in MODES:
            body = attach_body(target, program, profile, code=code, mode=mode)
            doing = f"attach of {code!r} to profiles[{index}] matched by {mode}"
            attached = check(client, client.call("attach", body), doing)
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
                missed[mode].append(index)
                continue
            detached = check(client, client.call("detach", body), f"detach of {code!r} from profiles[{index}]")
            if detached.error != 0:
                found.notes.append(
                    f"preflight: profile check stopped, detach of {code!r} refused ({_what(detached)}); "
                    "the rule tests judge it"
                )
                return
    if problems:
        raise PreflightError("\n".join([*problems, *_pattern(missed, len(target.profiles), target.db_id)]))
    found.notes.append(
        f"preflight: every profile found by each identifier (attach/detach of {code!r} in program {program})"
    )


def _pattern(missed: dict[str, list[int]], profiles: int, db_id: int) -> list[str]:
    """What the refusals have in common, when they point past the single identifiers: no profile found at all (the
    db_id, or the server's matching), or one matching mode that finds none of the profiles the others find (that
    mode's identifiers in the file, or the server's matching by it). The target file may still be the cause: a
    hint, not a verdict."""
    failed = [mode for mode, indexes in missed.items() if len(indexes) == profiles]
    if len(failed) == len(missed):
        return [
            f"no profile is found by any identifier: check db_id ({db_id}); if it and the identifiers are right, "
            "the server's matching is broken"
        ]
    if failed and all(not indexes for mode, indexes in missed.items() if mode not in failed):
        modes = " and ".join(failed)
        return [
            f"no profile is found by {modes}, while every profile is found by the other identifiers: if the "
            f"{modes} identifiers in the target file are right, the server's matching by {modes} is broken"
        ]
    return []


def preflight(client: Client, target: Target, *, where: str, new_code: str) -> Preflight:
    """Run every check; PreflightError with one message saying what to fix in the target file, ServerFault with the
    evidence when the server broke the contract, else what was found."""
    started = client.count
    found = Preflight()
    try:
        first = _reach(client, target, where)
        _token_and_programs(client, target, where, first)
        _programs(client, target, where, found)
        _profiles(client, target, found, new_code)
    except ContractViolation as exc:  # a setup read that must succeed did not (world.get_code, export_program)
        lines = str(exc).splitlines()
        raise ServerFault(BROKEN_ENVELOPE, lines[0], ["\n".join(lines[1:])]) from None
    found.requests = client.count - started
    return found
