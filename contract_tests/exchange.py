"""Moved (issue 17): the HTTP layer is split by what it holds. This module only keeps the old names importable.

``masking`` (``Masker``, ``MASK``), ``wire`` (``encode``, ``read_envelope``, ``Exchange``, ``WireLog``, ...),
``wire_oracles`` (``label_problem``, ``status_problem``), ``client`` (``Client``) and ``errors``
(``TransportError``, ``BudgetExhausted``, ``ToolError``). Import from those.
"""

from __future__ import annotations

from contract_tests.client import Client, closed_unanswered
from contract_tests.errors import BudgetExhausted, ToolError, TransportError
from contract_tests.masking import MASK, Masker
from contract_tests.wire import Exchange, WireLog, encode, is_error_envelope, read_envelope, sent_body
from contract_tests.wire_oracles import label_problem, status_problem

__all__ = [
    "MASK",
    "BudgetExhausted",
    "Client",
    "Exchange",
    "Masker",
    "ToolError",
    "TransportError",
    "WireLog",
    "closed_unanswered",
    "encode",
    "is_error_envelope",
    "label_problem",
    "read_envelope",
    "sent_body",
    "status_problem",
]
