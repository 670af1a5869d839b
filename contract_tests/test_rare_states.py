"""States the other tests never read, read once per run and judged by the model and the invariants: codes of the
exhausted program that the server holds for profiles of its own (its data, not the run's), and an expired code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from contract_tests.model import Model
from contract_tests.model_driver import ModelDriver
from contract_tests.observed import Observed
from contract_tests.rule_setup import free_code
from contract_tests.strategies import Clock, expiry_range, rfc3339, system_clock
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation, export_program

HELD_READ = 2  # held codes of the exhausted program read with get: enough to see the server's own times
EXPIRED_AGO = timedelta(days=3)  # far from the boundary: whether a code expires at its very instant is not documented


def judge(suite: Suite, look: Observed, what: str) -> None:
    """The invariants on ``look`` (and remembered for later looks): ContractViolation naming the first problem."""
    problems = suite.history.check(look)
    if problems:
        raise ContractViolation(f"{problems[0]} ({what})\n" + "\n".join(problems[1:]))


@pytest.mark.oracles("[model]", "[invariant]")
def test_exhausted_program_codes_read_coherently(suite: Suite) -> None:
    """A code the exhausted program holds (the server's own, never touched by the run) reads like any code: get and
    export_all agree, and its times are coherent (attached and activated not before created)."""
    program = suite.target.exhausted
    if program is None:
        pytest.skip("the target file declares no exhausted program")
    driver = ModelDriver.start(suite, Model(suite.spec))
    listing = export_program(suite.client, program, exchange=driver.export(program))
    held = [code for code, entry in listing.items() if entry.attached][:HELD_READ]
    gets = {(program, code): driver.get(program, code).data for code in held}
    judge(suite, Observed(exported={program: listing}, gets=gets), f"the exhausted program {program}'s own codes")


@pytest.mark.oracles("[model]", "[invariant]")
def test_expired_code_reads_expired(suite: Suite) -> None:
    """A free code of the run's given an expiry date in the past reads as expired (is_expired, expired is the expiry
    date under either reading of the docs); then it gets a future date again, as every free code the run leaves."""
    check_expired_code(suite, system_clock)


def check_expired_code(suite: Suite, clock: Clock) -> None:
    """Expire one free code of the personal program ``EXPIRED_AGO`` before ``clock()``, read it, give it a future
    expiry date again (the first date ``expire_dates`` draws: an expired code's behaviour is not documented)."""
    program = suite.target.personal
    code = free_code(suite, program, f"{suite.names.next_prefix()}expired")
    driver = ModelDriver.start(suite, Model(suite.spec))
    driver.get(program, code)  # the model learns the code (a leftover of an earlier run, or just imported)
    past = rfc3339(clock() - EXPIRED_AGO)
    future = rfc3339(expiry_range(clock)[0])
    try:
        driver.send("update", {"loyalty_id": program, "code": code, "expire_date": past})
        info = driver.get(program, code).data  # the model: is_expired, expire_date as set
        judge(suite, Observed(gets={(program, code): info}), f"{code!r} given the expiry date {past}")
        driver.send("update", {"loyalty_id": program, "code": code, "expire_date": future})
    except BaseException:
        suite.client.call("update", {"loyalty_id": program, "code": code, "expire_date": future})  # best effort
        raise
