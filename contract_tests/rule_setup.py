"""From a rule's ``given`` to a server state (set up with requests) and the request that tests the rule."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contract_tests import actions
from contract_tests.strategies import CODE_FLAVOURS, expire_dates, promo_codes
from contract_tests.suite import Suite
from contract_tests.target import Profile
from contract_tests.validity import clear_violations
from contract_tests.verdicts import NOT_APPLICABLE
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


def _holders(*who: str) -> Callable[[Suite, int, str, Profile, Profile], None]:
    """A code setup: attach the (free, already imported) code to the profiles named (``matched``/``other``)."""

    def setup(suite: Suite, program: int, code: str, matched: Profile, other: Profile) -> None:
        for name in who:
            actions.attach(suite.client, suite.target, program, code, matched if name == "matched" else other)

    return setup


def _activated(suite: Suite, program: int, code: str, matched: Profile, other: Profile) -> None:
    _holders("matched")(suite, program, code, matched, other)
    actions.activate(suite.client, program, code)


def _nothing(suite: Suite, program: int, code: str, matched: Profile, other: Profile) -> None:
    """The code stays unknown to the server (or is not sent)."""


# How each `given.code` state is set up, keyed by the vocabulary's terms.
CODE_STATES: dict[str, Callable[[Suite, int, str, Profile, Profile], None]] = {
    "omitted": _nothing,
    "unknown": _nothing,
    "free": _holders(),
    "attached_to_profile": _holders("matched"),
    "attached_to_other": _holders("other"),
    "attached_to_several": _holders("matched", "other"),
    "activated": _activated,
}
# update's options, keyed by the vocabulary's terms (expire_date draws its value).
OPTIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "activate": {"activated": True},
    "deactivate": {"activated": False},
    "expire_date": {"expire_date": None},
}
# Every `given` key and the values this module sets up; tests/contract/test_oracle_registries.py holds it
# to the vocabulary, so a new term fails there until the setup knows it.
GIVENS: dict[str, frozenset[str]] = {
    "token": frozenset({"valid", "missing", "wrong"}),  # arrange: scenario.token
    "header_token": frozenset({"absent", "valid", "wrong"}),  # arrange: scenario.bearer (v74)
    "request": frozenset({"valid", "invalid", "matching_fields_missing"}),  # arrange and _break
    "code": frozenset(CODE_STATES),
    "program": frozenset({"any", "personal", "universal"}),  # _kind
    "pool": frozenset({"any", "has_free", "empty"}),  # _kind (empty: the exhausted program), arrange (has_free)
    "creation": frozenset({"any", "allowed", "disallowed"}),  # _kind and needs: the target's program_settings
    "profile": frozenset({"matched", "unknown"}),  # arrange: _unknown_profile
    "matching": frozenset({"each", "omitted"}),  # rule_cases: every mode, or the key left out
    "options": frozenset(OPTIONS),
    "codes": frozenset({"new", "duplicate"}),  # arrange: import's codes
}


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
    target, rule = suite.target, case.rule
    if rule.given_value("pool") == "empty" and target.exhausted is None:
        return "the target file names no loyalty_programs.exhausted program (a program without free codes)"
    creation = rule.given_value("creation")
    if creation != "any" and not _kinds(rule, _default_code_state(rule), suite):
        # the rule does not apply to the server as the target file declares it: no gap in the run's evidence
        if creation == "disallowed":
            return (
                f"{NOT_APPLICABLE}: the target file declares no program of this rule's kind that does not create "
                "codes (program_settings: creates_codes: false)"
            )
        return (
            f"{NOT_APPLICABLE}: the target file declares every program of this rule's kind as not creating codes "
            "(program_settings)"
        )
    return ""


def may_draw(case: RuleCase) -> bool:
    """Whether the case sends attach without a code: a pool draw, which may take any free code of the program, or
    create one where the program creates codes (the Russian attach page), also in the exhausted program."""
    return case.rule.operation == "attach" and _default_code_state(case.rule) == "omitted"


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


def _kinds(rule: Rule, code_state: str, suite: Suite) -> list[str]:
    """The program kinds a case of ``rule`` may use: by its ``given`` and the target's program settings."""
    if rule.given_value("pool") == "empty":
        kinds = ["exhausted"] if suite.target.exhausted is not None else []
    elif code_state == "attached_to_several":
        kinds = ["universal"]
    elif rule.given_value("program") in ("personal", "universal"):
        kinds = [str(rule.given_value("program"))]
    else:
        kinds = ["personal", "universal"]
    creation = rule.given_value("creation")
    if creation == "any":
        return kinds
    target = suite.target
    return [k for k in kinds if target.creates_codes(target.program(k)) == (creation == "allowed")]


def _kind(rule: Rule, code_state: str, data: st.DataObject, salt: int, suite: Suite) -> str:
    kinds = _kinds(rule, code_state, suite)
    if len(kinds) == 1:
        return kinds[0]
    return str(_choice(data, kinds, salt, "program"))


def _tag(data: st.DataObject, size: int, label: str) -> str:
    """Random hex drawn through Hypothesis, so the run's seed reproduces it."""
    return bytes(data.draw(st.binary(min_size=size, max_size=size), label=label)).hex()


def _unknown_profile(suite: Suite, base: Profile, data: st.DataObject) -> Profile:
    tag = _tag(data, 6, "unknown profile")
    return Profile(
        profile_id=f"ffff{tag}{tag}",
        email=f"{suite.names.prefix}nobody-{tag}@example.invalid",
        phone=f"+1999{int(tag, 16) % 10**7:07d}",
        field_name=base.field_name,
        field_value=f"{suite.names.prefix}nobody-{tag}",
    )


def _wrong_token(suite: Suite, data: st.DataObject, salt: int) -> str:
    """A token the server does not know: random, or a near miss of the real one (catches prefix comparisons)."""
    options = [f"wrong-{_tag(data, 8, 'wrong token tag')}", *suite.target.near_miss_tokens]
    return str(_choice(data, options, salt // 19, "wrong token"))


def arrange(suite: Suite, case: RuleCase, data: st.DataObject, *, placement: str | None = None) -> Scenario:
    """Set up the rule's ``given`` state with requests and build the request under test.

    ``placement`` (``body``, ``header``, ``both``) fixes where a valid token travels; by default a version with the
    bearer header draws it for every rule that is not about the header, so each operation is tried both ways.
    """
    rule, target, client = case.rule, suite.target, suite.client
    salt = zlib.crc32(f"{suite.report.seed}:{case.id}".encode())  # varies per run, fixed by --hypothesis-seed
    code_state = _default_code_state(rule)
    kind = _kind(rule, code_state, data, salt, suite)
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

    if code is not None:
        CODE_STATES[code_state](suite, program, code, matched, other)
    if rule.given_value("pool") == "has_free":
        scenario.neighbours.append(free_code(suite, program, data.draw(fresh, label="pool code")))
        # and a newer code, attached: the program's newest code is not free, so a draw must look past it (a server
        # that reads its pool from the wrong end refuses the draw, or takes a code that is not free)
        late = free_code(suite, program, data.draw(fresh, label="attached pool neighbour"))
        actions.attach(client, target, program, late, other)
        scenario.neighbours.append(late)
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
        options = OPTIONS[rule.given_value("options") or "activate"]
        body.update(options)
        if "expire_date" in options:
            scenario.expire_date = body["expire_date"] = data.draw(expire_dates(), label="expire_date")
    if op in PROFILE_OPERATIONS:
        mode = case.mode or "profile_id"
        body["db_id"] = target.db_id
        who = _unknown_profile(suite, matched, data) if rule.given_value("profile") == "unknown" else matched
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
