"""From a rule's ``given`` to a server state (set up with requests) and the request that tests the rule."""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contract_tests import actions
from contract_tests.strategies import CODE_FLAVOURS, expire_dates, promo_codes
from contract_tests.suite import Suite
from contract_tests.target import Profile
from contract_tests.validity import clear_violations
from promo_spec.rules import Rule

PROFILE_OPERATIONS = frozenset({"attach", "detach"})
MODES = ("profile_id", "email", "phone", "custom")


@dataclass(frozen=True)
class RuleCase:
    """One rule in one matching mode with one request and one response format."""

    rule: Rule
    mode: str | None
    body_format: str
    response_format: str
    shared: bool  # a root rule that applies to several operations

    def __repr__(self) -> str:
        return f"RuleCase({self.id})"

    @property
    def id(self) -> str:
        """The pytest id, e.g. ``attach.code-free[email-xml-json]``."""
        parts = ([self.rule.operation] if self.shared else []) + ([self.mode] if self.mode else [])
        return f"{self.rule.id}[{'-'.join([*parts, self.body_format, self.response_format])}]"


def rule_cases(rules: tuple[Rule, ...]) -> list[RuleCase]:
    """Every rule × matching mode (attach/detach only) × request format × response format."""
    counts: dict[str, int] = {}
    for rule in rules:
        counts[rule.id] = counts.get(rule.id, 0) + 1
    cases = []
    for rule in rules:
        if rule.operation in PROFILE_OPERATIONS:
            modes: tuple[str | None, ...] = ("default",) if rule.given_value("matching") == "omitted" else MODES
        else:
            modes = (None,)
        for mode in modes:
            for body_format in ("json", "xml"):
                for response_format in ("json", "xml"):
                    cases.append(RuleCase(rule, mode, body_format, response_format, counts[rule.id] > 1))
    return cases


def smoke_cases(cases: list[RuleCase]) -> list[RuleCase]:
    """One case per rule and operation, chosen so that together they cover every matching mode of each
    operation and every request × response format pair of each operation (``--profile smoke``)."""
    groups: dict[tuple[str, str], list[RuleCase]] = {}
    for case in cases:
        groups.setdefault((case.rule.id, case.rule.operation), []).append(case)
    covered: set[tuple[str, ...]] = set()

    def features(case: RuleCase) -> set[tuple[str, ...]]:
        op = case.rule.operation
        return {("mode", op, case.mode or ""), ("formats", op, case.body_format, case.response_format)}

    chosen = []
    for group in groups.values():
        best = max(group, key=lambda c: len(features(c) - covered))  # first of the most useful, in case order
        chosen.append(best)
        covered |= features(best)
    return chosen


@dataclass
class Scenario:
    """The arranged state and the request of one example."""

    kind: str
    program: int
    matched: Profile
    other: Profile
    code: str | None
    code_state: str
    body: dict[str, Any]
    token: str | None = "valid"
    bearer: str | None = None  # the Authorization: Bearer token (same values as ``token``); None: no header
    new_codes: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    expire_date: str | None = None
    violation: str = ""
    neighbours: list[str] = field(default_factory=list)  # setup codes the request must leave alone (read with get)


def needs(case: RuleCase, suite: Suite) -> str:
    """Why the target cannot run this case ('' when it can)."""
    if case.rule.given_value("pool") == "empty" and suite.target.exhausted is None:
        return "the target file names no loyalty_programs.exhausted program (a program without free codes)"
    return ""


def may_draw(case: RuleCase) -> bool:
    """Whether the case sends attach without a code to a program with free codes: a pool draw, which may take
    any free code of the program (the exhausted program has none: nothing to take, nothing to hold the lock for)."""
    return (
        case.rule.operation == "attach"
        and _default_code_state(case.rule) == "omitted"
        and case.rule.given_value("pool") != "empty"
    )


def _default_code_state(rule: Rule) -> str:
    if rule.given.get("code"):
        return rule.given["code"]
    if rule.operation == "attach":
        return "omitted" if rule.given_value("pool") in ("has_free", "empty") else "free"
    if rule.operation == "import":
        return "new"
    return "attached_to_profile"


def free_code(suite: Suite, program: int, fresh: str) -> str:
    """A free code in ``program``: one an earlier run left (no new code on the server), else ``fresh``, imported.

    ``fresh`` is drawn either way, so a seed draws the same examples whether or not leftovers exist.
    """
    reused = suite.leftovers.take(program)
    if reused is not None:
        return reused
    actions.import_codes(suite.client, program, [fresh])
    return fresh


def _choice(data: st.DataObject, options: list[Any], salt: int, label: str) -> Any:
    """Draw from ``options`` rotated by ``salt``: Hypothesis' first (simplest) example differs per case."""
    shift = salt % len(options)
    return data.draw(st.sampled_from(options[shift:] + options[:shift]), label=label)


def _kind(rule: Rule, code_state: str, data: st.DataObject, salt: int) -> str:
    if rule.given_value("pool") == "empty":
        return "exhausted"
    program = rule.given_value("program")
    if code_state == "attached_to_several":
        return "universal"
    if program in ("personal", "universal"):
        return str(program)
    return str(_choice(data, ["personal", "universal"], salt, "program"))


def _unknown_profile(suite: Suite, base: Profile) -> Profile:
    tag = secrets.token_hex(6)
    return Profile(
        profile_id=f"ffff{tag}{tag}",
        email=f"{suite.names.prefix}nobody-{tag}@example.invalid",
        phone=f"+1999{int(tag, 16) % 10**7:07d}",
        field_name=base.field_name,
        field_value=f"{suite.names.prefix}nobody-{tag}",
    )


def _wrong_token(suite: Suite, data: st.DataObject, salt: int) -> str:
    """A token the server does not know: random, or a near miss of the real one (catches prefix comparisons)."""
    options = [f"wrong-{secrets.token_hex(8)}", *suite.target.near_miss_tokens]
    return str(_choice(data, options, salt // 19, "wrong token"))


def arrange(suite: Suite, case: RuleCase, data: st.DataObject, *, placement: str | None = None) -> Scenario:
    """Set up the rule's ``given`` state with requests and build the request under test.

    ``placement`` (``body``, ``header``, ``both``) fixes where a valid token travels; by default a version with the
    bearer header draws it for every rule that is not about the header, so each operation is tried both ways.
    """
    rule, target, client = case.rule, suite.target, suite.client
    salt = zlib.crc32(f"{suite.report.seed}:{case.id}".encode())  # varies per run, fixed by --hypothesis-seed
    code_state = _default_code_state(rule)
    kind = _kind(rule, code_state, data, salt)
    program = target.program(kind)
    count = len(target.profiles)
    rotated = [(i + salt // 7) % count for i in range(count)]
    order = data.draw(st.permutations(rotated), label="profiles")
    matched, other = target.profiles[order[0]], target.profiles[order[1]]
    flavour = _choice(data, list(CODE_FLAVOURS), salt // 17, "code flavour")
    fresh = promo_codes(prefix=suite.names.next_prefix, flavour=flavour)
    code = None if code_state in ("omitted", "new", "duplicate") else data.draw(fresh, label="code")
    if code is not None and code_state != "unknown":
        code = free_code(suite, program, code)
    scenario = Scenario(kind, program, matched, other, code, code_state, {"loyalty_id": program})

    if code is not None and code_state != "unknown":
        if code_state in ("attached_to_profile", "attached_to_several", "activated"):
            actions.attach(client, target, program, code, matched)
        if code_state in ("attached_to_other", "attached_to_several"):
            actions.attach(client, target, program, code, other)
        if code_state == "activated":
            actions.activate(client, program, code)
    if rule.given_value("pool") == "has_free":
        scenario.neighbours.append(free_code(suite, program, data.draw(fresh, label="pool code")))
    if rule.operation in ("activate", "update") and kind != "exhausted":
        # an attached neighbour: a server must leave it alone
        decoy = free_code(suite, program, data.draw(fresh, label="decoy code"))
        actions.attach(client, target, program, decoy, other)
        scenario.neighbours.append(decoy)

    body = scenario.body
    op = rule.operation
    if op == "import":
        # two or more: XML carries an array as repeated elements, and one element proves nothing
        scenario.new_codes = data.draw(st.lists(fresh, min_size=2, max_size=3), label="new codes")
        if rule.given_value("codes") == "duplicate":
            dup = free_code(suite, program, data.draw(fresh, label="duplicate"))
            if _choice(data, [False, True], salt // 5, "duplicate attached"):
                actions.attach(client, target, program, dup, matched)
            scenario.duplicates = [dup]
            scenario.new_codes = scenario.new_codes[: data.draw(st.integers(0, 2), label="new count")]
        body["codes"] = data.draw(st.permutations(scenario.new_codes + scenario.duplicates), label="order")
    elif code is not None:
        body["code"] = code
    if op == "update":
        options = rule.given_value("options") or "activate"
        if options in ("activate", "deactivate"):
            body["activated"] = options == "activate"
        elif options == "expire_date":
            scenario.expire_date = body["expire_date"] = data.draw(expire_dates(), label="expire_date")
    if op in PROFILE_OPERATIONS:
        mode = case.mode or "profile_id"
        body["db_id"] = target.db_id
        who = _unknown_profile(suite, matched) if rule.given_value("profile") == "unknown" else matched
        if _choice(data, [False, True], salt // 3, "decoy identifiers"):
            # the other profile's identifiers for every other mode: the server must match by `matching` only
            for other_mode in MODES:
                if other_mode != mode and not (mode == "default" and other_mode == "email"):
                    body.update(other.identifiers(other_mode))
        if mode != "default":
            body["matching"] = mode
        body.update(who.identifiers(mode))
        if rule.given_value("request") == "matching_fields_missing":
            missing = list(who.identifiers(mode))
            if mode == "custom":
                missing = _choice(data, [missing, missing[:1], missing[1:]], salt // 11, "missing")
            for key in missing:
                body.pop(key, None)
    if case.response_format == "xml":
        body["format"] = "xml"
    elif _choice(data, [False, True], salt // 13, "explicit json"):
        body["format"] = "json"

    token = rule.given_value("token")
    scenario.token = "valid" if token == "valid" else None if token == "missing" else _wrong_token(suite, data, salt)
    header = rule.given_value("header_token")
    if header == "valid":
        scenario.bearer = "valid"
    elif header == "wrong":
        scenario.bearer = _wrong_token(suite, data, salt // 29)
    elif token == "valid" and suite.spec.bearer_auth:
        placement = placement or _choice(data, ["body", "header", "both"], salt // 23, "token placement")
        if placement != "body":
            scenario.bearer = "valid"
        if placement == "header":
            scenario.token = None
    if rule.given_value("request") == "invalid":
        _break(suite, case, scenario, data, salt)
    return scenario


def _break(suite: Suite, case: RuleCase, scenario: Scenario, data: st.DataObject, salt: int) -> None:
    """Make the body clearly invalid in a way that survives the request format."""
    op = case.rule.operation
    required = [k for k in suite.spec.operation(op).request_schema.get("required", []) if k != "token"]
    choices = [f"missing:{k}" for k in required] + ["type:loyalty_id"]
    if op in PROFILE_OPERATIONS:
        choices += ["type:db_id", "enum:matching"]
    if op == "update":
        choices.append("missing:options")
    choice = _choice(data, choices, salt, "violation")
    body = scenario.body
    kind, _, name = choice.partition(":")
    if kind == "missing" and name == "options":
        body.pop("activated", None)
        body.pop("expire_date", None)
    elif kind == "missing":
        body.pop(name, None)
    elif kind == "type":
        body[name] = "not-a-number"
    else:
        body["matching"] = "nickname"
    scenario.violation = choice
    check = dict(body, token=suite.target.token)
    problems = clear_violations(suite.spec.request_validators[op], check)
    if not problems:
        raise RuntimeError(f"suite bug: the {choice} request for {op} is not clearly invalid")
