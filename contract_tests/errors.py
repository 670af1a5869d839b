"""What ends a test other than a verdict on the contract: tool errors and the spent request budget.

A *tool error* says the suite could not do its job (the target could not be reached, did not answer in time,
closed the connection unanswered): the tests it hits are reported as errors, never as contract failures, and
the run exits with ``TOOL_ERROR_EXIT`` unless contract failures were found too (``contract_tests/README.md``,
"Exit codes"). A contract failure is ``world.ContractViolation`` (an ``AssertionError``).
"""

from __future__ import annotations


class ToolError(BaseException):
    """The suite could not judge the server: a problem of the tool or of the way to the server, not a verdict.

    A BaseException, like ``BudgetExhausted``: Hypothesis does not take it for a failing example and replay it
    against a server that is not there, and no ``except Exception`` in a check can turn it into a verdict.
    """


class TransportError(AssertionError):
    """The server could not be reached, did not answer within the timeout, or closed the connection unanswered."""


class BudgetExhausted(BaseException):
    """The target file's request_budget is used up: the run stops cleanly.

    A BaseException, so that Hypothesis does not take it for a failing example and replay it.
    """
