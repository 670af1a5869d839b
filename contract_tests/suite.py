"""The session's shared parts: target, client, spec, code names and report, passed to every test."""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.exchange import Client
from contract_tests.report import Report
from contract_tests.strategies import CodeNames
from contract_tests.target import Target
from promo_spec import Spec, load_spec


def spec_for(api_version: str) -> Spec:
    """The description of ``api_version`` (v72: ``spec/openapi.yaml``, or ``$PROMO_SPEC``)."""
    return load_spec() if api_version == "72" else load_spec(api_version=api_version)


@dataclass
class Suite:
    """Everything a contract test needs to talk to the target and record what it saw."""

    target: Target
    client: Client
    spec: Spec
    names: CodeNames
    report: Report

    def __repr__(self) -> str:
        # Hypothesis and pytest print arguments: keep it short, and free of anything secret
        return f"Suite({self.target.source}, {self.target.base_url})"
