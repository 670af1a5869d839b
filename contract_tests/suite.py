"""The session's shared parts: target, client, spec, code names and report, passed to every test."""

from __future__ import annotations

from dataclasses import dataclass, field

from contract_tests.exchange import Client
from contract_tests.invariants import History
from contract_tests.report import Report
from contract_tests.strategies import CodeNames
from contract_tests.target import Target
from promo_spec import Spec


@dataclass
class Suite:
    """Everything a contract test needs to talk to the target and record what it saw."""

    target: Target
    client: Client
    spec: Spec
    names: CodeNames
    report: Report
    history: History = field(default_factory=History)  # what earlier looks showed, for the invariants

    def __repr__(self) -> str:
        # Hypothesis and pytest print arguments: keep it short, and free of anything secret
        return f"Suite({self.target.source}, {self.target.base_url})"
