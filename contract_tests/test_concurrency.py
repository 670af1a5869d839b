"""Concurrent attaches of one fresh personal code to different profiles: exactly one wins, and get names it."""

from __future__ import annotations

import threading

import pytest

from contract_tests.actions import attach_body
from contract_tests.report import Observation
from contract_tests.rule_setup import free_code
from contract_tests.suite import Suite
from contract_tests.target import Profile
from contract_tests.wire import Exchange
from contract_tests.world import ContractViolation, get_code


def _race(suite: Suite, program: int, code: str, contenders: list[Profile]) -> list[Exchange]:
    """Attach ``code`` for every contender at once (threads released by one barrier)."""
    barrier = threading.Barrier(len(contenders))
    answers: list[Exchange | BaseException | None] = [None] * len(contenders)

    def contend(index: int) -> None:
        body = attach_body(suite.target, program, contenders[index], code=code)
        try:
            barrier.wait(timeout=10)
            answers[index] = suite.client.call("attach", body)
        except BaseException as exc:  # re-raised below, in the test's thread
            answers[index] = exc

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(contenders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return [a for a in answers if isinstance(a, Exchange)]


@pytest.mark.oracles(
    "[rule attach.code-attached-restricted]",
    "[postcondition matched_profile_holds_code]",
    "[invariant restricted-single-holder]",
)
def test_concurrent_attach_has_one_winner(suite: Suite) -> None:
    """attach.code-attached-restricted under a race: one error 0, the others refused, the code held by the winner."""
    target, client = suite.target, suite.client
    program = target.personal
    contenders = list(target.profiles)
    for round_number in range(suite.budget("rounds")):
        code = free_code(suite, program, f"{suite.names.next_prefix()}race{round_number}")
        exchanges = _race(suite, program, code, contenders)
        winners = [i for i, a in enumerate(exchanges) if a.error == 0]
        for exchange in exchanges:
            suite.report.observe(
                Observation(
                    "concurrency",
                    "attach.code-attached-restricted",
                    "documented",
                    "attach",
                    exchange.error,
                    exchange.error_text,
                    "race",
                    "asserted",
                )
            )
        evidence = "\n".join(client.describe(e) for e in exchanges)
        info = get_code(client, program, code) or {}
        names = {contenders[i].profile_id for i in winners}
        if winners and (not info.get("is_attached") or info.get("profile_id") not in names):
            raise ContractViolation(
                f"[postcondition matched_profile_holds_code] attach.code-attached-restricted (race, round "
                f"{round_number}): {len(winners)} attach(es) answered error 0, but get names profile "
                f"{info.get('profile_id')!r} (is_attached {info.get('is_attached')!r})\n{evidence}"
            )
        if len(winners) != 1:
            # more than one success: a restricted code with two holders; none: the race's rule broken
            oracle = "[invariant restricted-single-holder]" if winners else "[rule attach.code-attached-restricted]"
            raise ContractViolation(
                f"{oracle} attach.code-attached-restricted (race, round {round_number}): {len(winners)} of "
                f"{len(exchanges)} concurrent attaches of one personal code succeeded, expected exactly 1\n{evidence}"
            )
