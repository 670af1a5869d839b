"""What the run saw: rule observations, error numbers per rule, uncleaned leftovers; JSON and Markdown."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contract_tests.exchange import Masker

# how a problem names its oracle: [rule <id>], [postcondition <term>], [frame], [invariant <name>], [wire-label]
ORACLE_TAG = re.compile(r"\[(?:rule [\w.-]+|postcondition \w+|frame|invariant [\w-]+|wire-label)\]")


@dataclass
class Observation:
    """One request a rule test made and what the server did."""

    test_id: str
    rule: str
    status: str
    operation: str
    error: int | None
    error_text: str
    changes: str
    verdict: str  # asserted | recorded


@dataclass
class Report:
    """Collects observations during the run and writes contract-report.json and contract-report.md."""

    target: str
    prefix: str
    seed: str
    profile: str
    mask: Masker
    observations: list[Observation] = field(default_factory=list)
    uncleaned: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)
    requests: int = 0
    outcome: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    wire: dict[str, dict[str, int]] = field(default_factory=dict)  # undocumented wire choices seen, counted
    failures: list[dict[str, str]] = field(default_factory=list)  # failing tests with the oracles they name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, observation: Observation) -> None:
        """Record one observation (thread-safe)."""
        with self._lock:
            self.observations.append(observation)

    def error_numbers(self) -> dict[str, list[int]]:
        """Every non-zero error number seen, per rule."""
        numbers: dict[str, set[int]] = defaultdict(set)
        for item in self.observations:
            if item.error not in (None, 0):
                numbers[item.rule].add(int(item.error))
        return {rule: sorted(found) for rule, found in sorted(numbers.items())}

    def failed(self, test: str, text: str) -> None:
        """Record a failing test and the oracles its message names (``[postcondition ...]``, ``[frame]``, ...)."""
        oracles = list(dict.fromkeys(ORACLE_TAG.findall(text)))
        first = next(
            (line for line in text.splitlines() if ORACLE_TAG.search(line)), text.splitlines()[0] if text else ""
        )
        with self._lock:
            self.failures.append({"test": test, "oracles": ", ".join(oracles) or "-", "title": first.strip()[:300]})

    def undocumented(self) -> list[Observation]:
        """Observations of undocumented rules: what the server chose where the docs are silent."""
        return [o for o in self.observations if o.status == "undocumented"]

    def as_dict(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "target": self.target,
            "code_prefix": self.prefix,
            "hypothesis_seed": self.seed,
            "profile": self.profile,
            "requests": self.requests,
            "outcome": self.outcome,
            "error_numbers_per_rule": self.error_numbers(),
            "undocumented_outcomes": [asdict(o) for o in self.undocumented()],
            "wire_choices_seen": self.wire,
            "failures": self.failures,
            "observations": [asdict(o) for o in self.observations],
            "cleaned": self.cleaned,
            "not_cleaned": self.uncleaned,
            "notes": self.notes,
        }

    def markdown(self) -> str:
        """The Markdown summary."""
        lines = [
            "# Contract run report",
            "",
            f"* target: {self.target}",
            f"* code prefix of this run: `{self.prefix}`",
            f"* Hypothesis seed: {self.seed}; profile: {self.profile}",
            f"* requests sent: {self.requests}",
            "* outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcome.items())),
            "",
            "## Non-zero error numbers per rule",
            "",
            "| rule | error numbers seen |",
            "| --- | --- |",
        ]
        lines += [f"| {rule} | {', '.join(map(str, nums))} |" for rule, nums in self.error_numbers().items()]
        lines += ["", "## Undocumented outcomes (what this server answered where the docs are silent)", ""]
        lines += ["| test | error | error_text | state change |", "| --- | --- | --- | --- |"]
        seen: set[tuple[str, Any, str]] = set()
        for o in self.undocumented():
            key = (o.rule, o.error, o.changes)
            if key in seen:
                continue
            seen.add(key)
            text = o.error_text.replace("|", "\\|")
            change = o.changes.replace("\n", "; ").replace("|", "\\|")
            lines.append(f"| {o.test_id} | {o.error} | {text} | {change} |")
        lines += ["", "## Wire choices seen (undocumented: response media types, HTTP status)", ""]
        lines += ["| what | value | answers |", "| --- | --- | --- |"]
        for what, values in self.wire.items():
            lines += [f"| {what} | {value} | {count} |" for value, count in values.items()]
        if self.failures:
            lines += [
                "",
                "## Failures by oracle",
                "",
                "| test | oracles named | first problem |",
                "| --- | --- | --- |",
            ]
            for f in self.failures:
                title = f["title"].replace("|", "\\|")
                lines.append(f"| {f['test']} | {f['oracles']} | {title} |")
        lines += ["", "## Cleanup", ""]
        lines.append(f"* cleaned: {len(self.cleaned)}")
        lines.append(f"* could not be cleaned: {len(self.uncleaned)}")
        lines += [f"  * {item}" for item in self.uncleaned[:200]]
        if len(self.uncleaned) > 200:
            lines.append(f"  * ... and {len(self.uncleaned) - 200} more (see contract-report.json)")
        if self.notes:
            lines += ["", "## Notes", ""] + [f"* {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write both files (token masked) and return their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        json_path, md_path = directory / "contract-report.json", directory / "contract-report.md"
        json_path.write_text(
            self.mask(json.dumps(self.as_dict(), indent=2, ensure_ascii=False)) + "\n", encoding="utf-8"
        )
        md_path.write_text(self.mask(self.markdown()), encoding="utf-8")
        return json_path, md_path
