"""A machine whose server state changes between Hypothesis' replays: its violation is reported, not ``Flaky``."""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import RuleBasedStateMachine, rule

from contract_tests.replays import run_judged
from contract_tests.world import ContractViolation

CONFIG = settings(max_examples=5, stateful_step_count=3, database=None, derandomize=True, phases=tuple(Phase))


def machine(answers: list[bool], failures: list[ContractViolation]) -> type[RuleBasedStateMachine]:
    """A machine whose one step fails while ``answers`` says so (a live server: the first answer, then others)."""

    class Server(RuleBasedStateMachine):
        @rule()
        def step(self) -> None:
            if answers.pop(0) if answers else False:
                violation = ContractViolation("[model attach] error 0, but the rule requires a refusal")
                failures.append(violation)
                raise violation

    return Server


def test_a_violation_the_replay_does_not_meet_again_is_reported_as_seen() -> None:
    failures: list[ContractViolation] = []
    with pytest.raises(ContractViolation) as caught:
        run_judged(machine([True], failures), CONFIG, failures)  # fails once, then the server answers otherwise
    assert str(caught.value).startswith("[model attach] error 0, but the rule requires a refusal")
    assert "not shrunk" in str(caught.value) and isinstance(caught.value.__cause__, Flaky)


def test_a_violation_that_replays_is_raised_as_it_is() -> None:
    failures: list[ContractViolation] = []
    with pytest.raises(ContractViolation) as caught:
        run_judged(machine([True] * 1000, failures), CONFIG, failures)
    assert "not shrunk" not in str(caught.value)


def test_flaky_without_a_recorded_violation_stays_hypothesis_error() -> None:
    with pytest.raises(Flaky):
        run_judged(machine([True], []), CONFIG, [])  # the step's violation was not recorded: nothing to report
