"""A rule's ``expect``: one oracle per vocabulary term of ``effects`` and ``reports``, looked up by the term.

``tests/contract/test_oracle_registries.py`` fails when the vocabulary has a term without an entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract_tests.rule_setup import RuleCase, Scenario
from contract_tests.suite import Suite
from contract_tests.wire import Exchange
from contract_tests.world import Change, Entry, Snapshot, get_code, same_instant


@dataclass
class Checked:
    """One answered rule case: the scenario, the answer, both snapshots, the change, get after; what may change."""

    suite: Suite
    case: RuleCase
    sc: Scenario
    exchange: Exchange
    before: Snapshot
    after: Snapshot
    changes: dict[tuple[int, str], Change]
    gets: dict[str, dict[str, Any] | None]
    allowed: set[tuple[int, str]] = field(default_factory=set)

    @property
    def old(self) -> dict[str, Entry]:
        """The program's listing before the request."""
        return self.before[self.sc.program]

    @property
    def new(self) -> dict[str, Entry]:
        """The program's listing after the request."""
        return self.after[self.sc.program]

    def code_now(self) -> tuple[str, Entry, dict[str, Any]] | None:
        """The request's code with its listing and get afterwards (None when either is missing)."""
        code = self.sc.code
        if code is None:
            return None
        entry, info = self.new.get(code), self.gets.get(code)
        if entry is None or info is None:
            return None
        return code, entry, info


Effect = Callable[[Checked], list[str]]
CODE_EFFECTS = frozenset(
    {
        "code_attached_to_profile",
        "code_detached_from_profile",
        "code_activated",
        "code_deactivated",
        "expire_date_set",
        "code_imported",
    }
)


def code_imported(c: Checked) -> list[str]:
    """The request's code is in the program, and was not before."""
    now = c.code_now()
    if now is not None and now[0] in c.old:
        return [f"code {now[0]!r} was already in the program"]
    return []


def code_attached_to_profile(c: Checked) -> list[str]:
    """The request's code is attached, to the matched profile when it has one holder."""
    now = c.code_now()
    if now is None:
        return []
    code, entry, info = now
    problems = []
    if not entry.attached or not info.get("is_attached"):
        problems.append(f"code {code!r} is not attached afterwards")
    if c.sc.code_state != "attached_to_other":  # one holder: get names it
        problems += _holder(c.suite.target, c.sc, code, info)
    return problems


def code_detached_from_profile(c: Checked) -> list[str]:
    """The request's code is attached to nobody."""
    now = c.code_now()
    if now is not None and (now[1].attached or now[2].get("is_attached") or now[2].get("profile_id")):
        return [f"code {now[0]!r} is still attached afterwards"]
    return []


def code_activated(c: Checked) -> list[str]:
    """get.is_activated and export_all's activated."""
    now = c.code_now()
    if now is not None and not (now[1].activated and now[2].get("is_activated")):
        return [
            f"code {now[0]!r} is not activated afterwards (export_all activated={now[1].activated!r}, "
            f"get is_activated={now[2].get('is_activated')!r})"
        ]
    return []


def code_deactivated(c: Checked) -> list[str]:
    """Neither get nor export_all shows the code activated."""
    now = c.code_now()
    if now is not None and (now[1].activated or now[2].get("is_activated")):
        return [f"code {now[0]!r} is still activated afterwards"]
    return []


def expire_date_set(c: Checked) -> list[str]:
    """get.expire_date names the instant sent."""
    now = c.code_now()
    if now is not None and not same_instant(str(now[2].get("expire_date", "")), c.sc.expire_date or ""):
        return [f"get.expire_date is {now[2].get('expire_date')!r}, sent {c.sc.expire_date!r}"]
    return []


def free_code_attached_to_profile(c: Checked) -> list[str]:
    """Exactly one code that was free is now attached, to the matched profile."""
    program = c.sc.program
    drawn = [
        (key, ch)
        for key, ch in c.changes.items()
        if ch[0] is not None and ch[0].is_free and ch[1] is not None and ch[1].attached and key[0] == program
    ]
    if len(drawn) != 1:
        return [f"expected exactly one free code of program {program} to become attached, saw {len(drawn)}"]
    (_, drawn_code), _ = drawn[0]
    c.allowed.add((program, drawn_code))
    return _holder(c.suite.target, c.sc, drawn_code, get_code(c.suite.client, program, drawn_code))


def codes_imported(c: Checked) -> list[str]:
    """Every new code sent is listed free afterwards, its item has error 0, and ``inserted`` counts them."""
    c.allowed |= {(c.sc.program, code) for code in c.sc.new_codes}
    return _imported(c, counted=False)


def duplicates_counted(c: Checked) -> list[str]:
    """A code the program held stays as it was, its item carries the error, ``duplicated`` counts it."""
    c.allowed |= {(c.sc.program, code) for code in c.sc.new_codes}
    return _imported(c, counted=True)


EFFECTS: dict[str, Effect] = {
    "code_imported": code_imported,
    "code_attached_to_profile": code_attached_to_profile,
    "free_code_attached_to_profile": free_code_attached_to_profile,
    "code_detached_from_profile": code_detached_from_profile,
    "code_activated": code_activated,
    "code_deactivated": code_deactivated,
    "expire_date_set": expire_date_set,
    "codes_imported": codes_imported,
    "duplicates_counted": duplicates_counted,
}


def effect_problems(c: Checked) -> list[str]:
    """Every effect of the rule through its registry entry, then what the rule must leave alone."""
    effects = set(c.case.rule.expect.effects)
    program, code = c.sc.program, c.sc.code
    problems: list[str] = []
    if code is not None and effects & CODE_EFFECTS:
        c.allowed.add((program, code))
        if c.code_now() is None:
            return [f"code {code!r} is not in program {program} afterwards (export_all/get)"]
        prior, entry = c.old.get(code), c.new[code]
        if (
            prior is not None
            and not effects & {"code_attached_to_profile", "code_detached_from_profile"}
            and bool(prior.attached) != bool(entry.attached)
        ):
            problems.append(f"code {code!r} changed its attachment, which {c.case.rule.id} does not do")
        if (
            prior is not None
            and not effects & {"code_activated", "code_deactivated"}
            and bool(prior.activated) != bool(entry.activated)
        ):
            problems.append(f"code {code!r} changed its activation, which {c.case.rule.id} does not do")
    for effect in c.case.rule.expect.effects:
        problems += EFFECTS[effect](c)
    extra = sorted(set(c.changes) - c.allowed)
    if extra:
        problems.append(
            "codes the rule does not touch changed: " + ", ".join(f"{k!r} (program {p})" for p, k in extra[:5])
        )
    return problems


def _holder(target: Any, sc: Scenario, code: str, info: dict[str, Any] | None) -> list[str]:
    if info is None:
        return [f"get of {code!r} failed afterwards"]
    problems = []
    if info.get("profile_id") != sc.matched.profile_id:
        problems.append(
            f"get.profile_id of {code!r} is {info.get('profile_id')!r}, expected the matched profile "
            f"{sc.matched.profile_id!r}"
        )
    if info.get("database_id") != target.db_id:
        problems.append(f"get.database_id of {code!r} is {info.get('database_id')!r}, expected {target.db_id}")
    return problems


def _imported(c: Checked, *, counted: bool) -> list[str]:
    sc, old, new, case = c.sc, c.old, c.new, c.case
    problems = []
    envelope = c.exchange.envelope or {}
    items = {item.get("code"): item for item in envelope.get("data") or [] if isinstance(item, dict)}
    for code in sc.new_codes:
        entry = new.get(code)
        if entry is None or not entry.is_free:
            problems.append(f"new code {code!r} is not listed as a free code afterwards")
        if items.get(code, {}).get("error") != 0:
            problems.append(f"item of new code {code!r} is {items.get(code)!r}, expected error 0")
    item_error = case.rule.expect.item_error
    for code in sc.duplicates:
        if old.get(code) != new.get(code):
            problems.append(f"duplicate code {code!r} changed: {old.get(code)} -> {new.get(code)}")
        got = items.get(code, {}).get("error")
        if (item_error == "nonzero" and got in (0, None)) or (isinstance(item_error, int) and got != item_error):
            problems.append(f"item of duplicate code {code!r} is {items.get(code)!r}, expected error {item_error}")
    if envelope.get("inserted") != len(sc.new_codes):
        problems.append(f"inserted is {envelope.get('inserted')!r}, expected {len(sc.new_codes)}")
    if counted and envelope.get("duplicated") != len(sc.duplicates):
        problems.append(f"duplicated is {envelope.get('duplicated')!r}, expected {len(sc.duplicates)}")
    return problems


def reports_listed(c: Checked) -> list[str]:
    """export_all lists exactly the program's codes, the request's code attached and not activated."""
    data, sc = c.exchange.data, c.sc
    if not isinstance(data, list):
        return ["export_all data is not a list"]
    listed = {item.get("code"): item for item in data if isinstance(item, dict)}
    problems = []
    if c.suite.without_foreign(listed) != c.suite.without_foreign(c.after[sc.program]):
        problems.append("export_all does not list exactly the program's codes")
    item = listed.get(sc.code)
    if item is None or not item.get("attached") or item.get("activated"):
        problems.append(f"export_all lists {sc.code!r} as {item!r}, expected attached and not activated")
    return problems


def _get_data(c: Checked) -> tuple[dict[str, Any] | None, list[str]]:
    data = c.exchange.data
    if not isinstance(data, dict):
        return None, ["get data is not an object"]
    if data.get("code") != c.sc.code or data.get("loyalty_id") != c.sc.program:
        return data, [f"get answered code {data.get('code')!r} of program {data.get('loyalty_id')!r}"]
    return data, []


def reports_free(c: Checked) -> list[str]:
    """get reports a free code: not attached, no profile."""
    data, problems = _get_data(c)
    if data is not None and (data.get("is_attached") or data.get("profile_id") or data.get("database_id")):
        problems.append("get reports a free code as attached or with a profile")
    return problems


def reports_attached_to_profile(c: Checked) -> list[str]:
    """get reports the code attached to the matched profile of db_id."""
    data, problems = _get_data(c)
    if data is not None:
        if not data.get("is_attached") or not data.get("attached"):
            problems.append("get reports an attached code as not attached")
        problems += _holder(c.suite.target, c.sc, str(c.sc.code), data)
    return problems


REPORTS: dict[str, Effect] = {
    "free": reports_free,
    "attached_to_profile": reports_attached_to_profile,
    "listed": reports_listed,
}


def report_problems(c: Checked) -> list[str]:
    """The rule's ``reports`` term through its registry entry."""
    reports = c.case.rule.expect.reports
    return REPORTS[reports](c) if reports is not None else []
