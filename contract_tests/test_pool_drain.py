"""A small pool drained and refilled (contract_tests/drain.py): draws in a row until no free code is left, one code
given back and drawn again, every answer judged by the model of the documented API; the program ends as it began.
"""

from __future__ import annotations

import contextlib

import pytest

from contract_tests.drain import MAX_FREE, Drain, too_big
from contract_tests.errors import ToolError
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation


@pytest.mark.pool_draws
@pytest.mark.first_of_run  # with workers: before any other test imports codes into the small programs
@pytest.mark.oracles("[model]")
@pytest.mark.parametrize("kind", ["personal", "universal"])
def test_small_pool_drains_and_refills(suite: Suite, kind: str) -> None:
    """Every draw takes a code that was free, none is refused while one is free, a code given back is drawn again."""
    program = suite.target.program(kind)
    skipped = too_big(suite, program)
    if skipped:
        note(suite, skipped)
        pytest.skip(skipped)
    drain = Drain.start(suite, program)
    count = len(drain.unattached())
    if count > MAX_FREE or count == 0:
        skipped = (
            f"program {program} has {count} free code(s): the pool drain runs only on programs with 1 to {MAX_FREE} "
            "(it attaches every free code); declare a small program in the target file to run it"
        )
        note(suite, skipped)
        pytest.skip(skipped)
    try:
        drain.read_expiry_dates()
        drain.run()
    except BaseException:
        with contextlib.suppress(ContractViolation, ToolError):  # the first failure is the verdict; cleanup
            drain.restore(judged=False)  # detaches what the taken log names
        raise
    finally:
        for line in drain.notes:
            note(suite, line)


def note(suite: Suite, line: str) -> None:
    """A line for the report's notes (once per run, whichever worker writes it)."""
    if line not in suite.report.notes:
        suite.report.notes.append(line)
