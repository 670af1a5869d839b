"""Run one rule case: arrange its ``given``, send the request, check ``expect`` through get and export_all."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract_tests.exchange import Exchange, status_problem
from contract_tests.observed import Observed, observed, subject_of
from contract_tests.oracles import judge
from contract_tests.report import Observation
from contract_tests.rule_oracles import Checked, effect_problems, report_problems
from contract_tests.rule_setup import RuleCase, Scenario, arrange
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
    snapshot,
)


def run_rule_case(suite: Suite, case: RuleCase, data: st.DataObject) -> None:
    """Check one example of ``case``; ContractViolation names the rule or oracle and shows the evidence."""
    scenario = arrange(suite, case, data)
    client, rule = suite.client, case.rule
    watched = [c for c in [scenario.code, *scenario.new_codes, *scenario.duplicates] if c]
    before = snapshot(client, suite.target.programs)
    gets_before = {c: get_code(client, scenario.program, c) for c in watched}
    exchange = client.call(rule.operation, scenario.body, body_format=case.body_format, token=scenario.token)
    after = snapshot(client, suite.target.programs)
    gets_after = {c: get_code(client, scenario.program, c) for c in watched}
    changes = diff(before, after)
    for code in watched:
        if holder_view(gets_before[code]) != holder_view(gets_after[code]):
            changes.setdefault(
                (scenario.program, code), (before[scenario.program].get(code), after[scenario.program].get(code))
            )
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
    look_before = observed(before, {(scenario.program, c): gets_before[c] for c in watched})
    look_after = observed(after, {(scenario.program, c): gets_after[c] for c in watched})
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


def _state(look: Observed, program: int, codes: list[str]) -> str:
    """The watched codes as one look showed them, for the evidence."""
    if not codes:
        return "(no code named)"
    return "; ".join(
        f"{c!r}: export_all {look.listed(program, c)}, get {holder_view(look.get(program, c))}" for c in codes
    )


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
