"""What ends a test other than a verdict on the contract: tool errors and the spent request budget.

A *tool error* says the suite could not do its job (the target could not be reached, did not answer in time,
closed the connection unanswered): the tests it hits are reported as errors, never as contract failures, and
the run exits with ``TOOL_ERROR_EXIT`` unless contract failures were found too (``contract_tests/README.md``,
"Exit codes"), as Schemathesis keeps its errors apart from its check failures. A contract failure is
``world.ContractViolation`` (an ``AssertionError``).
"""

from __future__ import annotations

# The suite's exit codes: pytest's own, and one for tool errors (README.md and contract_tests/README.md list them).
PASSED_EXIT = 0  # every test passed
CONTRACT_FAILED_EXIT = 1  # contract failures: the server broke the contract, in a test or in the preflight
STOPPED_EXIT = 2  # stopped early: the request budget was used up, or Ctrl-C
INTERNAL_ERROR_EXIT = 3  # pytest's internal error (a bug of the tool)
NOT_STARTED_EXIT = 4  # the run did not start: a bad option or target file, or the preflight found what the file fixes
NO_TESTS_EXIT = 5  # no test was selected
TOOL_ERROR_EXIT = 6  # tool errors and no contract failure: the target stopped answering (run or preflight)


class ToolError(BaseException):
    """The suite could not judge the server: a problem of the tool or of the way to the server, not a verdict.

    A BaseException, like ``BudgetExhausted``: Hypothesis does not take it for a failing example and replay it
    against a server that is not there, and no ``except Exception`` in a check can turn it into a verdict.
    """


class TransportError(ToolError):
    """The server could not be reached, did not answer within the timeout, or closed the connection unanswered."""


class BudgetExhausted(BaseException):
    """The target file's request_budget is used up: the run stops cleanly.

    A BaseException, so that Hypothesis does not take it for a failing example and replay it.
    """
