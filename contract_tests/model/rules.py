"""What the spec's ``x-rules`` require of a situation: the error class (zero, nonzero, any) and which rules said so.

A situation is the vocabulary's ``given`` read off the model's state and the request: each key maps to the set
of values that describe it (a code both attached to the matched profile and to another one is
``attached_to_profile`` and ``attached_to_several``). A rule applies when every key of its ``given`` (with the
vocabulary's defaults) is among the situation's values. ``options`` and ``codes`` are parts of one request (an
update that activates and sets an expiry date, an import of new and held codes): each part is judged on its own
and a part no rule covers is undocumented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from promo_spec import Spec
from promo_spec.rules import Rule

Situation = Mapping[str, frozenset[str]]
PARTS = ("options", "codes")  # keys whose values are parts of one request, each judged on its own
AUTH = ("token", "header_token")
_ALWAYS = {"program": "any", "pool": "any", "creation": "any", "matching": "each"}
# a request the operation's rules judge: authenticated, valid, naming a profile of the target (unless said otherwise)
_SERVED = {"token": "valid", "header_token": "absent", "request": "valid", "profile": "matched"}


@dataclass(frozen=True)
class Requirement:
    """The error class the rules require (``zero``, ``nonzero`` or ``any``), an error number, and the rules."""

    error: str
    rules: tuple[Rule, ...]
    error_code: int | None = None

    @property
    def names(self) -> str:
        return ", ".join(r.id for r in self.rules) or "no rule (undocumented)"


def situation(**facets: Iterable[str] | str) -> dict[str, frozenset[str]]:
    """A situation from keyword facets (a string is one value); the always-true values are added."""
    found = {k: frozenset([v] if isinstance(v, str) else v) for k, v in facets.items()}
    for key, value in _ALWAYS.items():
        found[key] = found.get(key, frozenset()) | {value}
    for key, value in _SERVED.items():
        found.setdefault(key, frozenset([value]))
    return found


def applies(rule: Rule, facts: Situation, *, keys: Iterable[str] | None = None) -> bool:
    """Whether every ``given`` key of ``rule`` (restricted to ``keys``) holds in ``facts``."""
    wanted = set(rule.given) | set(facts) if keys is None else set(keys)
    for key in wanted:
        value = rule.given_value(key)  # the vocabulary's default where the rule leaves the key out
        if value is None and key not in rule.given:
            continue  # a key without a default (code, options, codes) that the rule does not constrain
        if value is None or value not in facts.get(key, frozenset()):
            return False
    return True


def combine(found: list[Requirement]) -> Requirement:
    """One requirement from several: a documented refusal wins; an undocumented part makes the whole open."""
    rules = tuple(r for f in found for r in f.rules)
    codes = [f.error_code for f in found if f.error_code is not None]
    for error in ("nonzero", "any", "zero"):
        if any(f.error == error for f in found):
            return Requirement(error, rules, codes[0] if codes and error == "nonzero" else None)
    return Requirement("any", rules)


class RuleBook:
    """The rules of one spec, per operation."""

    def __init__(self, spec: Spec) -> None:
        self.by_op: dict[str, tuple[Rule, ...]] = {op: spec.rules_for(op) for op in spec.operations}

    def auth(self, op: str, token: str, header: str) -> Requirement:
        """What the token rules require (``behaves_as`` rules: ``zero`` = served as with the body token)."""
        facts = {"token": frozenset([token]), "header_token": frozenset([header])}
        hits = [r for r in self.by_op.get(op, ()) if set(r.given) & set(AUTH) and applies(r, facts, keys=AUTH)]
        hits = [r for r in hits if all(r.given_value(k) in facts[k] for k in AUTH)]
        if not hits:
            if "valid" in (token, header):
                return Requirement("zero", ())  # a valid token in the body: served
            # no rule for this pair and no valid token anywhere (a wrong one in both places): each placement's own
            # rule refuses it, so the pair is refused too (the error number is left open)
            each = [self.auth(op, token, "absent"), self.auth(op, "missing", header)]
            return Requirement("nonzero", tuple(r for e in each for r in e.rules))
        found = []
        for rule in hits:
            if rule.expect.behaves_as == "body_token":
                found.append(Requirement("zero", (rule,)))
            elif rule.expect.behaves_as == "body_token_or_refusal":
                found.append(Requirement("any", (rule,)))
            else:
                found.append(Requirement(rule.expect.error, (rule,), rule.expect.error_code))
        return combine(found)

    def require(self, op: str, facts: Situation) -> Requirement:
        """What the operation's rules require in ``facts`` (token valid, request valid)."""
        rules = [r for r in self.by_op.get(op, ()) if not set(r.given) & set(AUTH) and "request" not in r.given]
        parts = [k for k in PARTS if k in facts]
        if not parts:
            hits = [r for r in rules if applies(r, facts)]
            return (
                combine([Requirement(r.expect.error, (r,), r.expect.error_code) for r in hits])
                if hits
                else (Requirement("any", ()))
            )
        found = []
        for key in parts:
            for value in sorted(facts[key]):
                one = dict(facts, **{key: frozenset([value])})
                hits = [r for r in rules if key in r.given and applies(r, one)]
                found.append(
                    combine([Requirement(r.expect.error, (r,), r.expect.error_code) for r in hits])
                    if hits
                    else Requirement("any", ())
                )
        return combine(found)

    def item_error(self, op: str, facts: Situation) -> int | str | None:
        """The ``item_error`` the rules name for ``facts`` (import: zero for new codes, 500 for held ones)."""
        for rule in self.by_op.get(op, ()):
            if rule.expect.item_error is not None and applies(rule, facts):
                return rule.expect.item_error
        return None

    def invalid(self, op: str) -> Requirement:
        """What the rules require of a body that breaks a documented constraint of its schema."""
        hits = [r for r in self.by_op.get(op, ()) if r.given.get("request") == "invalid"]
        return (
            combine([Requirement(r.expect.error, (r,), r.expect.error_code) for r in hits])
            if hits
            else (Requirement("nonzero", ()))
        )
