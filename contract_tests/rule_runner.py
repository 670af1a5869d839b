"""Run one rule case: arrange its ``given``, send the request, check ``expect`` through get and export_all."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from contract_tests.batches import entry_of
from contract_tests.exchange import Exchange, status_problem
from contract_tests.report import Observation
from contract_tests.rule_setup import RuleCase, Scenario, arrange, may_draw
from contract_tests.suite import Suite
from contract_tests.validity import response_problems
from contract_tests.world import (
    Change,
    ContractViolation,
    Snapshot,
    describe_changes,
    diff,
    get_code,
    holder_view,
    same_instant,
    snapshot,
)


def run_rule_case(suite: Suite, case: RuleCase, data: st.DataObject) -> None:
    """Check one example of ``case``; ContractViolation names the rule and shows the evidence."""
    suite.frame.begin()  # the whole-program frame check runs once per batch of cases (contract_tests/batches.py)
    scenario = arrange(suite, case, data)
    client, rule = suite.client, case.rule
    watched = [c for c in [scenario.code, *scenario.new_codes, *scenario.duplicates, *scenario.neighbours] if c]
    # export_all only where only it can tell: which code a pool draw took, and what export_all itself lists
    exported = [scenario.program] if may_draw(case) or rule.operation == "export_all" else []
    gets_before = {c: get_code(client, scenario.program, c) for c in watched}
    before = _view(scenario.program, gets_before, snapshot(client, exported))
    exchange = client.call(
        rule.operation, scenario.body, body_format=case.body_format, token=scenario.token, bearer=scenario.bearer
    )
    after = _view(
        scenario.program,
        gets_after := {c: get_code(client, scenario.program, c) for c in watched},
        snapshot(client, exported),
    )
    suite.frame.note(case.id, scenario.program, gets_after)
    suite.holders.update({(scenario.program, c): str(i.get("profile_id") or "") for c, i in gets_after.items() if i})
    # other workers' codes change too; not during a pool draw, which holds the run's lock alone and may take one
    changes = {key: ch for key, ch in diff(before, after).items() if may_draw(case) or not suite.foreign(key[1])}
    for code in watched:
        if holder_view(gets_before[code]) != holder_view(gets_after[code]):
            changes.setdefault(
                (scenario.program, code), (before[scenario.program].get(code), after[scenario.program].get(code))
            )
    if may_draw(case):  # the codes the draw took: judged below, not again by the batch's frame check
        suite.frame.saw(scenario.program, {code: after[program].get(code) for program, code in changes})
        suite.taken.add(k for k in changes if not k[1].startswith(suite.names.prefix))  # cleanup detaches them
    summary = describe_changes(changes)
    suite.report.observe(
        Observation(
            test_id=case.id,
            rule=rule.id,
            status=rule.status,
            operation=rule.operation,
            error=exchange.error,
            error_text=exchange.error_text,
            changes=summary,
            verdict="asserted" if rule.asserted else "recorded",
        )
    )
    if rule.expect.behaves_as:
        problems = _behaves_as(suite, case, data, exchange, changes)
    else:
        problems = _problems(suite, case, scenario, exchange, before, after, changes, gets_after)
    if problems:
        title = f"{case.id} ({rule.status}): {problems[0]}"
        evidence = "\n".join(f"- {p}" for p in problems)
        raise ContractViolation(
            f"{title}\nrule {rule.id}: {rule.summary}\nsource: {rule.source}\nproblems:\n{evidence}\n"
            f"{client.describe(exchange)}\nstate change seen through export_all/get:\n{summary}"
        )


def _view(program: int, gets: dict[str, dict[str, Any] | None], exported: Snapshot) -> Snapshot:
    """The program as this case saw it: the codes it named as get reports them, over export_all when taken."""
    view = dict(exported.get(program, {}))
    for code, info in gets.items():
        entry = entry_of(info)
        if entry is None:
            view.pop(code, None)
        else:
            view[code] = entry
    return {program: view}


def _shape(changes: dict[tuple[int, str], Change]) -> list[tuple[int, bool, bool, bool, bool]]:
    """What changed, without the codes' names: per code, attached/activated before and after."""
    return sorted(
        (program, bool(b and b.attached), bool(b and b.activated), bool(a and a.attached), bool(a and a.activated))
        for (program, _), (b, a) in changes.items()
    )


def _behaves_as(
    suite: Suite, case: RuleCase, data: st.DataObject, exchange: Exchange, changes: dict[tuple[int, str], Change]
) -> list[str]:
    """A token-placement rule: compare with the same request, arranged afresh, carrying the token in the body only."""
    rule = case.rule
    if exchange.envelope is None:
        return [f"the answer is not the API envelope ({exchange.decode_error})"]
    problems = [
        f"response breaks the {rule.operation} response schema at {where}"
        for where in response_problems(suite.spec.response_validators[rule.operation], exchange.envelope)
    ][:3]
    wrong_status = status_problem(exchange.status, exchange.error)
    if wrong_status:
        problems.append(wrong_status)
    if exchange.error != 0:
        if changes:
            problems.append("a refused request changed the server's state")
        if rule.expect.behaves_as == "body_token":
            problems.append(f"expected to be served as with the body token, got error {exchange.error}")
        return problems
    twin = dataclasses.replace(case, rule=dataclasses.replace(rule, given={"token": "valid"}))
    reference = arrange(suite, twin, data, placement="body")
    before = snapshot(suite.client, suite.target.programs)
    answer = suite.client.call(rule.operation, reference.body, body_format=case.body_format, token="valid")
    reference_changes = {
        key: ch
        for key, ch in diff(before, snapshot(suite.client, suite.target.programs)).items()
        if not suite.foreign(key[1])  # other workers' codes change too
    }
    # the twin's own codes (arranged, then changed): not the batch frame's to report
    for (program, code), (_, entry) in reference_changes.items():
        suite.frame.saw(program, {code: entry})
    named = [c for c in [reference.code, *reference.new_codes, *reference.duplicates, *reference.neighbours] if c]
    suite.frame.note(case.id, reference.program, {c: get_code(suite.client, reference.program, c) for c in named})
    if answer.error != 0:
        problems.append(f"served, but the same request with the token in the body got error {answer.error}")
    elif _shape(changes) != _shape(reference_changes):
        problems.append(
            "served, but changed state unlike the same request with the token in the body: "
            f"{describe_changes(changes)} vs {describe_changes(reference_changes)}"
        )
    return problems


def _problems(
    suite: Suite,
    case: RuleCase,
    sc: Scenario,
    exchange: Exchange,
    before: Snapshot,
    after: Snapshot,
    changes: dict[tuple[int, str], Change],
    gets: dict[str, dict[str, Any] | None],
) -> list[str]:
    rule, expect, op = case.rule, case.rule.expect, case.rule.operation
    if exchange.envelope is None:
        return [f"the answer is not the API envelope ({exchange.decode_error})"]
    problems = [
        f"response breaks the {op} response schema at {where}"
        for where in response_problems(suite.spec.response_validators[op], exchange.envelope)
    ][:3]
    error = exchange.error
    wrong_status = status_problem(exchange.status, error)
    if wrong_status:
        problems.append(wrong_status)
    if expect.error == "zero" and error != 0:
        problems.append(f"expected error 0, got {error} {exchange.error_text!r}")
    if expect.error == "nonzero" and error == 0:
        problems.append("expected a non-zero error, got error 0")
    if expect.error_code is not None and error != 0 and error != expect.error_code:
        problems.append(f"expected error {expect.error_code}, got {error}")
    if error != 0 or (expect.error != "zero" and rule.asserted):
        if changes:
            problems.append(
                "a refused request changed the server's state" if error != 0 else "the request changed state"
            )
        return problems
    if not rule.asserted:
        return problems  # error 0 where the docs are silent: recorded in the report, not judged
    problems += _effects(suite, case, sc, exchange, before, after, changes, gets)
    problems += _reports(suite, case, sc, exchange, after)
    return problems


def _effects(
    suite: Suite,
    case: RuleCase,
    sc: Scenario,
    exchange: Exchange,
    before: Snapshot,
    after: Snapshot,
    changes: dict[tuple[int, str], Change],
    gets: dict[str, dict[str, Any] | None],
) -> list[str]:
    effects = set(case.rule.expect.effects)
    program, code, target = sc.program, sc.code, suite.target
    old, new = before[program], after[program]
    allowed: set[tuple[int, str]] = set()
    problems: list[str] = []
    if code is not None and effects & {
        "code_attached_to_profile",
        "code_detached_from_profile",
        "code_activated",
        "code_deactivated",
        "expire_date_set",
        "code_imported",
    }:
        allowed.add((program, code))
        entry, info = new.get(code), gets.get(code)
        if entry is None or info is None:
            return [f"code {code!r} is not in program {program} afterwards (export_all/get)"]
        if "code_imported" in effects and code in old:
            problems.append(f"code {code!r} was already in the program")
        if "code_attached_to_profile" in effects:
            if not entry.attached or not info.get("is_attached"):
                problems.append(f"code {code!r} is not attached afterwards")
            if sc.code_state != "attached_to_other":  # one holder: get names it
                problems += _holder(target, sc, code, info)
        if "code_detached_from_profile" in effects and (
            entry.attached or info.get("is_attached") or info.get("profile_id")
        ):
            problems.append(f"code {code!r} is still attached afterwards")
        if "code_activated" in effects and not (entry.activated and info.get("is_activated")):
            problems.append(
                f"code {code!r} is not activated afterwards (export_all activated={entry.activated!r}, "
                f"get is_activated={info.get('is_activated')!r})"
            )
        if "code_deactivated" in effects and (entry.activated or info.get("is_activated")):
            problems.append(f"code {code!r} is still activated afterwards")
        prior = old.get(code)
        if (
            prior is not None
            and not effects & {"code_attached_to_profile", "code_detached_from_profile"}
            and bool(prior.attached) != bool(entry.attached)
        ):
            problems.append(f"code {code!r} changed its attachment, which {case.rule.id} does not do")
        if (
            prior is not None
            and not effects & {"code_activated", "code_deactivated"}
            and bool(prior.activated) != bool(entry.activated)
        ):
            problems.append(f"code {code!r} changed its activation, which {case.rule.id} does not do")
        if "expire_date_set" in effects and not same_instant(str(info.get("expire_date", "")), sc.expire_date or ""):
            problems.append(f"get.expire_date is {info.get('expire_date')!r}, sent {sc.expire_date!r}")
    if "free_code_attached_to_profile" in effects:
        drawn = [
            (key, ch)
            for key, ch in changes.items()
            if ch[0] is not None and ch[0].is_free and ch[1] is not None and ch[1].attached and key[0] == program
        ]
        if len(drawn) != 1:
            problems.append(f"expected exactly one free code of program {program} to become attached, saw {len(drawn)}")
        else:
            (_, drawn_code), _ = drawn[0]
            allowed.add((program, drawn_code))
            problems += _holder(target, sc, drawn_code, get_code(suite.client, program, drawn_code))
    if effects & {"codes_imported", "duplicates_counted"}:
        problems += _imported(sc, exchange, old, new, case)
        allowed |= {(program, c) for c in sc.new_codes}
    extra = sorted(set(changes) - allowed)
    if extra:
        problems.append(
            "codes the rule does not touch changed: " + ", ".join(f"{c!r} (program {p})" for p, c in extra[:5])
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


def _imported(sc: Scenario, exchange: Exchange, old: Any, new: Any, case: RuleCase) -> list[str]:
    problems = []
    envelope = exchange.envelope or {}
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
    if "duplicates_counted" in case.rule.expect.effects and envelope.get("duplicated") != len(sc.duplicates):
        problems.append(f"duplicated is {envelope.get('duplicated')!r}, expected {len(sc.duplicates)}")
    return problems


def _reports(suite: Suite, case: RuleCase, sc: Scenario, exchange: Exchange, after: Snapshot) -> list[str]:
    reports, data = case.rule.expect.reports, exchange.data
    if reports is None:
        return []
    if reports == "listed":
        if not isinstance(data, list):
            return ["export_all data is not a list"]
        listed = {item.get("code"): item for item in data if isinstance(item, dict)}
        problems = []
        if {c for c in listed if not suite.foreign(str(c))} != {c for c in after[sc.program] if not suite.foreign(c)}:
            problems.append("export_all does not list exactly the program's codes")
        item = listed.get(sc.code)
        if item is None or not item.get("attached") or item.get("activated"):
            problems.append(f"export_all lists {sc.code!r} as {item!r}, expected attached and not activated")
        return problems
    if not isinstance(data, dict):
        return ["get data is not an object"]
    problems = []
    if data.get("code") != sc.code or data.get("loyalty_id") != sc.program:
        problems.append(f"get answered code {data.get('code')!r} of program {data.get('loyalty_id')!r}")
    if reports == "free" and (data.get("is_attached") or data.get("profile_id") or data.get("database_id")):
        problems.append("get reports a free code as attached or with a profile")
    if reports == "attached_to_profile":
        if not data.get("is_attached") or not data.get("attached"):
            problems.append("get reports an attached code as not attached")
        problems += _holder(suite.target, sc, str(sc.code), data)
    return problems
