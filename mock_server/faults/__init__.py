"""Named faults: deliberately broken variants of the mock, for proving that the contract suite catches them.

Each fault is one override that replaces one part of the app (``mock_server.parts.Parts``: a handler, profile
matching, the wire, authentication, validation or the store) by a broken one, usually wrapping the faithful part
it replaces. ``catalogue`` lists them in order with what each breaks and the suite's rules or tests expected to
catch it; the overrides live in the module of the part they break, built with the decorators of ``wrapping``.
None is on unless named (``create_app(faults=...)`` or ``promo-mock --fault NAME``); the faithful code never
mentions a fault.
"""

from __future__ import annotations

from mock_server.faults.auth import HEADER_OPERATIONS
from mock_server.faults.catalogue import CATALOGUE
from mock_server.faults.registry import (
    FAULTS,
    REGISTRY,
    Fault,
    Override,
    UnknownFaultError,
    apply_faults,
    check_faults,
    fault,
    register,
)
from mock_server.faults.store import RACE_SLEEP

for _entry in CATALOGUE:
    register(_entry)

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
    "register",
]
