"""The oracles applied to every request the suite judges: wire label, frame, invariants, postconditions."""

from __future__ import annotations

from typing import Any

from contract_tests.frame import frame_problems
from contract_tests.invariants import restricted_single_holder
from contract_tests.observed import Observed, Reader, Subject
from contract_tests.postconditions import Look, success_problems
from contract_tests.suite import Suite
from contract_tests.world import get_code


def reader(suite: Suite) -> Reader:
    """Read one code through get (for oracles that need one more look)."""
    return lambda program, code: get_code(suite.client, program, code)


def judge(
    suite: Suite,
    subject: Subject,
    envelope: dict[str, Any],
    before: Observed,
    after: Observed,
    *,
    label: str = "",
) -> list[str]:
    """Every oracle's problems with one answered request, each tagged with the oracle's name."""
    success = envelope.get("error") == 0
    problems = [label] if label else []
    problems += frame_problems(subject, before, after, success=success, others=suite.others)
    problems += restricted_single_holder(subject, before, after, success)
    if success:
        look = Look(suite.target, subject, envelope, before, after, reader(suite))
        problems += success_problems(suite.spec, look)
    problems += suite.history.check(before)
    problems += suite.history.check(after)
    return list(dict.fromkeys(problems))
