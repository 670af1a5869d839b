"""Run one rule case: arrange its ``given``, send the request, check ``expect`` through get and export_all."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from contract_tests.batches import entry_of
from contract_tests.observed import Observed, observed, subject_of
from contract_tests.oracles import judge
from contract_tests.report import Observation
from contract_tests.rule_oracles import Checked, effect_problems, report_problems
from contract_tests.rule_setup import RuleCase, Scenario, arrange, may_draw
from contract_tests.suite import Suite
from contract_tests.validity import response_problems
from contract_tests.wire import Exchange
from contract_tests.wire_oracles import status_problem
from contract_tests.world import (
    Change,
    ContractViolation,
    Listing,
    Snapshot,
    busy_codes,
    describe_changes,
    diff,
    get_code,
    holder_view,
    snapshot,
)


def run_rule_case(suite: Suite, case: RuleCase, data: st.DataObject) -> None:
    """Check one example of ``case``; ContractViolation names the rule or oracle and shows the evidence."""
    suite.frame.begin()  # the whole-program frame check runs once per batch of cases (contract_tests/batches.py)
    scenario = arrange(suite, case, data)
    client, rule = suite.client, case.rule
    watched = _named(scenario)
    # export_all only where only it can tell: which code a pool draw took (before and after), and whether a
    # listing export_all answers is the program's (after); everything else is read with get
    drawn = [scenario.program] if may_draw(case) else []
    listing = [scenario.program] if rule.operation == "export_all" and rule.expect.error == "zero" else drawn
    gets_before = {c: get_code(client, scenario.program, c) for c in watched}
    kept = suite.listings.reusable(scenario.program, watched) if drawn else None
    if kept is None:
        listed_before = snapshot(client, drawn)
        before = _view(scenario.program, gets_before, listed_before)
    else:  # the kept listing with the codes arranged since, as get reads them now
        before = listed_before = _view(scenario.program, gets_before, {scenario.program: kept})
    exchange = client.call(
        rule.operation, scenario.body, body_format=case.body_format, token=scenario.token, bearer=scenario.bearer
    )
    after = _view(
        scenario.program,
        gets_after := {c: get_code(client, scenario.program, c) for c in watched},
        listed_after := snapshot(client, listing),
    )
    if drawn:
        suite.listings.store(scenario.program, listed_after[scenario.program])
    # before and after compared on the same footing: a listing read only afterwards is not a change
    compared = after if listing == drawn else _view(scenario.program, gets_after, {})
    suite.frame.note(case.id, scenario.program, gets_after)
    suite.holders.update({(scenario.program, c): str(i.get("profile_id") or "") for c, i in gets_after.items() if i})
    # other workers' codes change too; not during a pool draw, which holds the run's lock alone and may take one
    changes = {key: ch for key, ch in diff(before, compared).items() if may_draw(case) or not suite.foreign(key[1])}
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
    suite.report.rule_log.saw(case.id, rule.id, exchange, client.mask)  # the evidence of the rule's verdict
    # the oracles' looks: export_all only where it was read (a partial view is not a listing); the frame oracle
    # leaves other workers' codes to them
    look_before = observed(listed_before, {(scenario.program, c): gets_before[c] for c in watched})
    look_after = observed(listed_after, {(scenario.program, c): gets_after[c] for c in watched})
    if rule.expect.behaves_as:
        found = _behaves_as(suite, case, data, exchange, changes)
    else:
        found = _problems(suite, case, scenario, exchange, before, after, changes, gets_after)
    problems = [f"[rule {rule.id}] {p}" for p in found]
    if exchange.envelope is not None:
        subject = subject_of(suite.target, rule.operation, scenario.body)
        if subject is not None:
            problems += judge(suite, subject, exchange.envelope, look_before, look_after, label=exchange.label_problem)
    if problems:
        title = f"{case.id} ({rule.status}): {problems[0]}"
        evidence = "\n".join(f"- {p}" for p in problems)
        raise ContractViolation(
            f"{title}\nrule {rule.id}: {rule.summary}\nsource: {rule.source}\nproblems:\n{evidence}\n"
            f"{client.describe(exchange)}\nstate change seen through export_all/get:\n{summary}\n"
            f"state before (codes the request names): {_state(look_before, scenario.program, watched)}\n"
            f"state after: {_state(look_after, scenario.program, watched)}"
        )


def _named(scenario: Scenario) -> list[str]:
    """The codes a scenario's request names or arranged around it: read with get before and after."""
    return [c for c in [scenario.code, *scenario.new_codes, *scenario.duplicates, *scenario.neighbours] if c]


def _state(look: Observed, program: int, codes: list[str]) -> str:
    """The watched codes as one look showed them, for the evidence."""
    if not codes:
        return "(no code named)"
    return "; ".join(
        f"{c!r}: export_all {look.listed(program, c)}, get {holder_view(look.get(program, c))}" for c in codes
    )


def _view(program: int, gets: dict[str, dict[str, Any] | None], exported: Snapshot) -> Snapshot:
    """The program as this case saw it: the codes it named as get reports them, over export_all when taken."""
    listed = exported.get(program, {})
    view = dict(listed)
    busy = set(busy_codes(listed))
    for code, info in gets.items():
        entry = entry_of(info)
        if entry is None:
            view.pop(code, None)
            busy.discard(code)
        else:
            view[code] = entry
            busy.add(code)  # a superset is safe: only busy codes are compared
    return {program: Listing.of(view, busy)}


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
        for where in response_problems(suite.spec.response_checkers[rule.operation], exchange.envelope)
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
    # read like the case itself: its named codes with get, its program's listing only around a pool draw
    client, program, named = suite.client, reference.program, _named(reference)
    drawn = [program] if may_draw(case) else []
    gets_before = {c: get_code(client, program, c) for c in named}
    before = _view(program, gets_before, snapshot(client, drawn))
    answer = client.call(rule.operation, reference.body, body_format=case.body_format, token="valid")
    gets_after = {c: get_code(client, program, c) for c in named}
    reference_changes = {
        key: ch
        for key, ch in diff(before, _view(program, gets_after, snapshot(client, drawn))).items()
        if may_draw(case) or not suite.foreign(key[1])  # other workers' codes change too, except during a draw
    }
    # the twin's own codes (arranged, then changed): not the batch frame's to report
    for (changed_program, code), (_, entry) in reference_changes.items():
        suite.frame.saw(changed_program, {code: entry})
    if may_draw(case):
        suite.taken.add(k for k in reference_changes if not k[1].startswith(suite.names.prefix))
    suite.frame.note(case.id, program, gets_after)
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
        for where in response_problems(suite.spec.response_checkers[op], exchange.envelope)
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
    if error != 0:
        return problems  # the frame oracle judges what a refusal changed
    if expect.error != "zero" and rule.asserted:
        if changes:
            problems.append("the request changed state")
        return problems
    if not rule.asserted:
        return problems  # error 0 where the docs are silent: the postconditions, frame and invariants judge it
    checked = Checked(suite, case, sc, exchange, before, after, changes, gets)
    problems += effect_problems(checked)
    problems += report_problems(checked)
    return problems
