"""Scoping by every identifier: a db_id or loyalty_id the target does not list, a code of the other program.

The docs say nothing about these requests' outcome, so any answer is accepted and recorded; whatever it is,
nothing of the target's data outside the request's own scope may change, and a success keeps the operation's
meaning (so a profile of another database is never the one matched).

Each case reads the codes it names, in both target programs, with ``get`` before and after (cost independent
of the programs' size); that no other code changed is judged by the whole-program frame check of the batch the
case belongs to (``contract_tests/batches.py``), as for the rule cases.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests import actions
from contract_tests.observed import observed, subject_of
from contract_tests.oracles import judge
from contract_tests.report import Observation
from contract_tests.rule_setup import free_code
from contract_tests.strategies import promo_codes
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation, get_code

CASES = [
    *[("unknown-db", op) for op in ("attach", "detach")],
    *[("unknown-program", op) for op in ("get", "activate", "update", "attach", "detach", "import", "export_all")],
    *[("other-program-code", op) for op in ("get", "activate", "update", "attach", "detach")],
]
FAR = st.integers(min_value=10**8, max_value=2 * 10**9)  # identifiers a real server almost surely lacks


@pytest.mark.frame_batch
@pytest.mark.oracles("[postcondition]", "[frame]", "[invariant]", "[wire-label]")
@pytest.mark.parametrize(("scope", "op"), CASES, ids=[f"{s}-{o}" for s, o in CASES])
@given(data=st.data())
def test_request_outside_the_target_changes_nothing_else(
    suite: Suite, scope: str, op: str, data: st.DataObject
) -> None:
    """Whatever the answer, only the request's own scope changes, and a success keeps the operation's meaning."""
    target, client = suite.target, suite.client
    suite.frame.begin()  # a member of the open batch of cases: nothing it does not name may change
    kind = data.draw(st.sampled_from(["personal", "universal"]), label="program")
    home, other = target.program(kind), target.program("universal" if kind == "personal" else "personal")
    profile = target.profiles[data.draw(st.integers(0, len(target.profiles) - 1), label="profile")]
    fresh = data.draw(promo_codes(prefix=suite.names.next_prefix(), flavour="plain"), label="code")
    code = free_code(suite, home, fresh)  # a free code an earlier run left, else ``fresh`` imported
    actions.attach(client, target, home, code, profile)  # a held code: detach, activate and update have a subject
    named_program = home
    if scope == "unknown-program":
        named_program = data.draw(FAR.filter(lambda n: n not in target.programs), label="loyalty_id")
    elif scope == "other-program-code":
        named_program = other
    body: dict[str, object] = {"loyalty_id": named_program}
    new: list[str] = []
    if op == "import":
        new = [data.draw(promo_codes(prefix=suite.names.next_prefix(), flavour="plain"), label="new")]
        body["codes"] = list(new)
    elif op != "export_all":
        body["code"] = code
    if op == "update":
        body["activated"] = True
    if op in ("attach", "detach"):
        body.update(actions.attach_body(target, named_program, profile, code=code))
        if scope == "unknown-db":
            body["db_id"] = data.draw(FAR.filter(lambda n: n != target.db_id), label="db_id")
    keys = [(program, c) for c in (code, *new) for program in (home, other)]
    gets_before = {key: get_code(client, *key) for key in keys}
    exchange = client.call(op, dict(body))
    gets_after = {key: get_code(client, *key) for key in keys}
    suite.frame.note_keys(f"scoping {scope}-{op}", gets_after)
    suite.report.observe(
        Observation(
            f"scoping:{scope}-{op}",
            f"scoping.{scope}",
            "undocumented",
            op,
            exchange.error,
            exchange.error_text,
            "",
            "recorded",
        )
    )
    if exchange.envelope is None:
        raise ContractViolation(
            f"scoping {scope} {op}: the answer is not the API envelope\n{client.describe(exchange)}"
        )
    subject = subject_of(target, op, body)
    assert subject is not None
    look_before, look_after = observed({}, gets_before), observed({}, gets_after)
    problems = judge(suite, subject, exchange.envelope, look_before, look_after, label=exchange.label_problem)
    if problems:
        raise ContractViolation(
            f"scoping ({scope}, {op}): {problems[0]}\nproblems:\n"
            + "\n".join(f"- {p}" for p in problems)
            + f"\n{client.describe(exchange)}\nstate before: {gets_before}\nstate after: {gets_after}"
        )
