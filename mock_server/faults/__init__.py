"""Named faults: deliberately broken variants of the mock, for proving that the contract suite catches them.

Each fault is one override that replaces one part of the app (``mock_server.parts.Parts``: a handler, profile
matching, the wire, authentication, validation or the store) by a broken one, usually wrapping the faithful part
it replaces, registered with what it breaks and the suite's rules or tests expected to catch it. The modules of
this package hold them by the part they break (``handlers``, ``matching``, ``wire``, ``auth``, ``store``; the
faults of the suite's oracles in ``oracles``), built with the registering decorators of ``wrapping``. None is on
unless named (``create_app(faults=...)`` or ``promo-mock --fault NAME``); the faithful code never mentions a fault.
"""

from __future__ import annotations

# isort: off
# Each module registers its faults when imported: this order is the order of REGISTRY and of --list-faults.
from mock_server.faults import handlers, matching, wire, auth, store, oracles, edges, model  # noqa: F401
# isort: on

from mock_server.faults.auth import HEADER_OPERATIONS
from mock_server.faults.registry import (
    FAULTS,
    REGISTRY,
    Fault,
    Override,
    UnknownFaultError,
    apply_faults,
    check_faults,
    fault,
)
from mock_server.faults.store import RACE_SLEEP

__all__ = [
    "FAULTS",
    "HEADER_OPERATIONS",
    "RACE_SLEEP",
    "REGISTRY",
    "Fault",
    "Override",
    "UnknownFaultError",
    "apply_faults",
    "check_faults",
    "fault",
]
