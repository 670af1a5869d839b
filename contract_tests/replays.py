"""A state machine run against a server whose state the test cannot reset between Hypothesis' replays.

Hypothesis replays a failing example to shrink it and to report it. Against a live server the replay meets other
state (codes the first run imported, a pool the first run drew from), so it may pass, or draw differently, and
Hypothesis then raises ``Flaky`` (``FlakyFailure``, ``FlakyStrategyDefinition``) instead of the failure. The
violation the run saw is still evidence of an answer the model does not allow: ``run_judged`` reports the first
one seen, as the contract violation it is (its oracle named), saying it could not be shrunk.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis.errors import Flaky
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from contract_tests.world import ContractViolation


def run_judged(machine: type[RuleBasedStateMachine], config: settings, failures: list[ContractViolation]) -> None:
    """``run_state_machine_as_test``; when Hypothesis ends in ``Flaky`` after ``failures`` (the violations the
    machine's steps raised, in order) recorded one, raise the first instead."""
    try:
        run_state_machine_as_test(machine, settings=config)
    except Flaky as flaky:
        if not failures:
            raise
        raise ContractViolation(
            f"{failures[0]}\n(not shrunk: replaying this history met other server state, and Hypothesis ended in "
            f"{type(flaky).__name__}; this is the first violation the run saw, as it saw it)"
        ) from flaky
