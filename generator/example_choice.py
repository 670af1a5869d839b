"""Which call an operation's runnable example makes: the rule it follows and the seed state it uses.

The example follows one documented rule that succeeds (error 0), preferring seeded codes whose
timestamps are fixed, so that the output is the same on every fresh mock. The spec's example
gives the parameters; the mock's default seed gives values the mock knows (program, code, profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.ir import Api, Operation
from mock_server.seed import Profile, Program, Seed, SeedCode
from promo_spec import Spec
from promo_spec.rules import Rule

# Code states of the rule vocabulary, most preferred first: seeded codes with fixed timestamps
# print the same output on every fresh mock; a free code's `created` is the mock's start time.
STATE_PREFERENCE = ("attached_to_profile", "activated", "new", "free", "unknown", "omitted")
_GIVEN_KEYS = frozenset({"code", "codes", "program", "options", "pool", "creation"})


@dataclass(frozen=True)
class Pick:
    """What of the seed one example uses."""

    program: Program
    profile: Profile
    code: SeedCode | None = None
    new_codes: tuple[str, ...] = ()

    def describe(self, with_profile: bool) -> str:
        """The seed state in words (shown above the examples)."""
        if self.code is not None:
            what = f"code `{self.code.code}`"
        elif self.new_codes:
            what = "new codes " + ", ".join(f"`{c}`" for c in self.new_codes)
        else:
            what = "no code (the program's pool)"
        where = f"{what} of program {self.program.id} ({self.program.kind})"
        holder = f", profile `{self.profile.profile_id}` of database {self.profile.db_id}"
        return where + (holder if with_profile else "")


def _profile(seed: Seed, db_id: int, profile_id: str) -> Profile:
    for database in seed.databases:
        for profile in database.profiles:
            if database.id == db_id and profile.profile_id == profile_id:
                return profile
    raise LookupError(profile_id)


def _first_profile(seed: Seed) -> Profile | None:
    return next((p for d in seed.databases for p in d.profiles), None)


def _programs(seed: Seed, kind: str | None) -> list[Program]:
    return [p for p in seed.programs if kind is None or p.kind == kind]


def _resolve(seed: Seed, given: Mapping[str, str], sample: Mapping[str, Any]) -> Pick | None:
    """The seed state a rule's ``given`` asks for, or None when the seed has none."""
    state = given.get("code") or given.get("codes") or "omitted"
    programs = _programs(seed, given.get("program"))
    if given.get("creation") in ("allowed", "disallowed"):  # the seed's program setting (creates_codes)
        programs = [p for p in programs if p.creates_codes == (given["creation"] == "allowed")]
    first = _first_profile(seed)
    if first is None or not programs:
        return None
    for program in programs:
        for code in program.codes:
            if state == "attached_to_profile" and len(code.holders) == 1 and not code.activated:
                return Pick(program, _profile(seed, *code.holders[0]), code)
            if state == "activated" and code.holders and code.activated:
                return Pick(program, _profile(seed, *code.holders[0]), code)
            if state == "free" and not code.holders and not code.activated:
                return Pick(program, first, code)
    if state in {"new", "unknown"}:
        known = {c.code for p in seed.programs for c in p.codes}
        wanted = sample.get("codes") or [sample.get("code")]
        fresh = tuple(str(c) for c in wanted if isinstance(c, str) and c not in known)
        return Pick(programs[0], first, None, fresh) if fresh else None
    if state == "omitted":
        pooled = next((p for p in programs if any(not c.holders and not c.activated for c in p.codes)), None)
        return Pick(pooled, first) if pooled is not None else None
    return None


def choose(op: Operation, rules: tuple[Rule, ...], seed: Seed, sample: Mapping[str, Any]) -> tuple[Rule, Pick] | None:
    """The documented error-0 rule the example follows and the seed state it uses (None: no usable rule)."""
    candidates = [
        r
        for r in rules
        if r.operation == op.id
        and r.status == "documented"
        and r.expect.error == "zero"
        and set(r.given) <= _GIVEN_KEYS
    ]

    def rank(rule: Rule) -> int:
        state = rule.given.get("code") or rule.given.get("codes") or "omitted"
        return STATE_PREFERENCE.index(state) if state in STATE_PREFERENCE else len(STATE_PREFERENCE)

    for rule in sorted(candidates, key=rank):
        pick = _resolve(seed, rule.given, sample)
        if pick is not None:
            return rule, pick
    return None


def refusal(api: Api, spec: Spec, seed: Seed) -> tuple[Operation, Rule, Pick] | None:
    """A documented refusal the seed can show (for the quick start's error handling)."""
    for op in api.operations:
        if op.matching or op.options:
            continue
        for rule in spec.rules_for(op.id):
            if rule.status == "documented" and rule.expect.error == "nonzero" and set(rule.given) == {"code"}:
                pick = _resolve(seed, rule.given, {})
                if pick is not None and pick.code is not None:
                    return op, rule, pick
    return None


def _identifier(profile: Profile, name: str) -> str | None:
    if name in {"field_name", "field_value"}:
        custom = next(iter(sorted(profile.custom.items())), None)
        return None if custom is None else custom[0 if name == "field_name" else 1]
    value = getattr(profile, name, None)
    return value if isinstance(value, str) and value else None


def parameters(op: Operation, sample: Mapping[str, Any], pick: Pick) -> dict[str, Any]:
    """The call's parameters (token and format left out), in the spec's order."""
    values = {k: v for k, v in sample.items() if k not in {"token", "format"}}
    values["loyalty_id"] = pick.program.id
    values["db_id"] = pick.profile.db_id
    values.pop("code", None)
    values.pop("codes", None)
    if pick.code is not None:
        values["code"] = pick.code.code
    if pick.new_codes:
        if "codes" in sample:
            values["codes"] = list(pick.new_codes)
        else:
            values["code"] = pick.new_codes[0]
    if op.matching is not None:
        default = next(m for m in op.matching.modes if m.is_default)
        mode = next((m for m in op.matching.modes if m.value == sample.get(op.matching.param)), default)
        for name in (op.matching.param, *op.matching.field_names):
            values.pop(name, None)
        values[op.matching.param] = mode.value
        for field in mode.fields:
            found = _identifier(pick.profile, field.name)
            if found is None:
                raise LookupError(f"profile {pick.profile.profile_id} has no {field.name}")
            values[field.name] = found
    names = [f.name for f in op.all_params]
    missing = [f.name for f in op.all_params if f.required and f.name not in values and f.name not in {"token"}]
    if missing:
        raise LookupError("the example lacks " + ", ".join(missing))
    return {name: values[name] for name in names if name in values}
