"""The session's shared parts: target, client, spec, code names and report, passed to every test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contract_tests.batches import FrameWatch, TakenLog
from contract_tests.budgets import PROFILES
from contract_tests.client import Client
from contract_tests.invariants import History
from contract_tests.leftovers import Leftovers
from contract_tests.listings import Listings
from contract_tests.report import Report
from contract_tests.session import Run, RunLock
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
    frame: FrameWatch  # the whole-program frame check of the open batch of rule cases
    run: Run | None = None
    lock: RunLock = field(default_factory=lambda: RunLock(None))
    drawers: RunLock = field(default_factory=lambda: RunLock(None))  # held alone by the test that may draw (workers)
    taken: TakenLog = field(default_factory=lambda: TakenLog(None))  # codes outside the namespace it changed
    holders: dict[tuple[int, str], str] = field(default_factory=dict)  # last profile_id get named, for cleanup
    leftovers: Leftovers = field(default_factory=lambda: Leftovers({}, TakenLog(None)))  # earlier runs' free codes
    history: History = field(default_factory=History)  # what earlier looks showed, for the invariants
    listings: Listings = field(default_factory=lambda: Listings(alone=False))  # after-draw listings to reuse

    def __repr__(self) -> str:
        # Hypothesis and pytest print arguments: keep it short, and free of anything secret
        return f"Suite({self.target.source}, {self.target.base_url})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis pretty-prints dataclasses field by field (the report, the token's Target): use the short form
        printer.text(repr(self))

    def budget(self, name: str) -> int:
        """The number ``name`` of the run's example profile (``--profile``)."""
        return PROFILES[self.report.profile][name]

    def foreign(self, code: str) -> bool:
        """True for a code another worker of this run created: other tests' business, not this one's."""
        return self.run is not None and self.run.foreign(code)

    @property
    def shared(self) -> bool:
        """Whether other workers of this run (pytest-xdist) use the server meanwhile."""
        return self.run is not None and bool(self.run.worker)

    def without_foreign(self, codes: Iterable[Any]) -> set[str]:
        """``codes`` as text, without other workers' (alone: all of them, in one C-level pass over 100k codes)."""
        if not self.shared:
            return set(map(str, codes))
        return {code for code in map(str, codes) if not self.foreign(code)}

    def others(self, key: tuple[int, str]) -> bool:
        """True for a code other workers change meanwhile: theirs by prefix, or announced as taken by them."""
        return self.foreign(key[1]) or (self.run is not None and key in self.taken.others())
