"""What the run saw: rule observations, error numbers per rule, uncleaned leftovers; JSON and Markdown."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contract_tests.masking import Masker
from contract_tests.rule_log import RuleLog
from promo_spec.code_identity import reading_names

# how a problem names its oracle: [rule <id>], [postcondition <term>], [frame], [invariant <name>], [wire-label]
ORACLE_TAG = re.compile(
    r"\[(?:rule [\w.-]+|postcondition \w+|frame|invariant [\w-]+|wire-label|model [\w]+|linearizability|preflight)\]"
)


UNDECIDED = "undecided"  # no answer told the readings of code identity apart


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
    # readings of code identity (x-code-identity) the answers fit, by source: "a, b" (or "undecided") -> times
    identity: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)  # failing tests with the oracles they name
    tool_errors: list[dict[str, str]] = field(default_factory=list)  # tests a tool error ended: no verdict
    received: int = 0  # bytes of response bodies
    reused: int = 0  # free codes of earlier runs used instead of new ones
    per_test: dict[str, list[int]] = field(default_factory=dict)  # test id -> [requests, bytes received]
    preflight: dict[str, Any] = field(default_factory=dict)
    sizes_before: dict[int, int] = field(default_factory=dict)  # codes per program before and after the run
    sizes_after: dict[int, int] = field(default_factory=dict)
    rule_log: RuleLog = field(default_factory=RuleLog)  # per rule case: evidence, answers (plugin/recording.py)
    extra: dict[str, Any] = field(default_factory=dict)  # more keys of the JSON report: run, rules (the verdicts)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, observation: Observation) -> None:
        """Record one observation (thread-safe)."""
        with self._lock:
            self.observations.append(observation)

    def count_test(self, test_id: str, requests: int, received: int) -> None:
        """Record what one test cost."""
        with self._lock:  # Schemathesis runs several items under one test id: add them up
            known = self.per_test.get(test_id, [0, 0])
            self.per_test[test_id] = [known[0] + requests, known[1] + received]

    def part(self) -> dict[str, Any]:
        """What a pytest-xdist worker sends the controller (plain data)."""
        return {
            "observations": [asdict(o) for o in self.observations],
            "uncleaned": self.uncleaned,
            "cleaned": self.cleaned,
            "requests": self.requests,
            "received": self.received,
            "reused": self.reused,
            "notes": self.notes,
            "wire": self.wire,
            "identity": self.identity,
            "per_test": self.per_test,
            "failures": self.failures,
            "tool_errors": self.tool_errors,
        }

    def merge(self, part: dict[str, Any]) -> None:
        """Add a worker's part to this (the controller's) report."""
        with self._lock:
            self.observations += [Observation(**o) for o in part["observations"]]
            self.uncleaned += part["uncleaned"]
            self.cleaned += part["cleaned"]
            self.requests += part["requests"]
            self.received += part["received"]
            self.reused += part["reused"]
            self.notes += [n for n in part["notes"] if n not in self.notes]
            self.per_test.update(part["per_test"])
            self.failures += part.get("failures", [])
            self.tool_errors += part.get("tool_errors", [])
            for counted, theirs in ((self.wire, part["wire"]), (self.identity, part.get("identity", {}))):
                for what, values in theirs.items():
                    mine = counted.setdefault(what, {})
                    for value, count in values.items():
                        mine[value] = mine.get(value, 0) + count

    def costliest(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """The tests that sent the most requests: (test id, requests, bytes received)."""
        ranked = sorted(self.per_test.items(), key=lambda item: (-item[1][0], item[0]))
        return [(name, cost[0], cost[1]) for name, cost in ranked[:limit]]

    def error_numbers(self) -> dict[str, list[int]]:
        """Every non-zero error number seen, per rule."""
        numbers: dict[str, set[int]] = defaultdict(set)
        for item in self.observations:
            if item.error not in (None, 0):
                numbers[item.rule].add(int(item.error))
        return {rule: sorted(found) for rule, found in sorted(numbers.items())}

    def stance_answered(
        self, operation: str, stances: tuple[int, ...], violations: list[str], envelope: dict[str, Any]
    ) -> None:
        """Record the answer to a request that breaks only stances of the spec (not a documented constraint)."""
        error = envelope.get("error")
        self.observe(
            Observation(
                test_id="test_api",
                rule="stance " + ", ".join(map(str, stances)),
                status="stance",
                operation=operation,
                error=error if isinstance(error, int) and not isinstance(error, bool) else None,
                error_text=str(envelope.get("error_text", "")),
                changes="; ".join(violations[:3]),
                verdict="recorded",
            )
        )

    def stance_outcomes(self) -> list[Observation]:
        """Answers to requests invalid only under a stance: which reading of the docs this server follows."""
        return [o for o in self.observations if o.status == "stance"]

    def identity_seen(self, source: str, readings: tuple[str, ...]) -> None:
        """Record which readings of code identity the answers of one history fit (() while undecided)."""
        shown = ", ".join(readings) or UNDECIDED
        with self._lock:
            counts = self.identity.setdefault(source, {})
            counts[shown] = counts.get(shown, 0) + 1

    def code_identity(self) -> dict[str, Any]:
        """The reading of code identity this server showed: the readings every decided history fits (in the
        vocabulary's order), ``undecided`` when no history told them apart, and what each source saw."""
        shown_all = [shown for counts in self.identity.values() for shown in counts]
        decided = [set(shown.split(", ")) for shown in shown_all if shown != UNDECIDED]
        fits = set.intersection(*decided) if decided else set()
        order = {r: i for i, r in enumerate(reading_names())}
        readings = sorted(fits, key=lambda r: order.get(r, len(order)))
        if not decided:
            shown = UNDECIDED
        elif not readings:  # each history fits a reading, but not the same one: a server has one reading
            shown = "incoherent: the histories fit different readings"
        else:
            shown = " or ".join(readings)
        return {"shown": shown, "readings": readings, "seen": self.identity}

    def failed(self, test: str, text: str) -> None:
        """Record a failing test and the oracles its message names (``[postcondition ...]``, ``[frame]``, ...)."""
        oracles = list(dict.fromkeys(ORACLE_TAG.findall(text)))
        first = next(
            (line for line in text.splitlines() if ORACLE_TAG.search(line)), text.splitlines()[0] if text else ""
        )
        with self._lock:
            self.failures.append({"test": test, "oracles": ", ".join(oracles) or "-", "title": first.strip()[:300]})

    def tool_error(self, test: str, text: str) -> None:
        """Record a test that a tool error ended (the server unreachable, timed out): no verdict on the contract."""
        first = text.splitlines()[0] if text else ""
        with self._lock:
            self.tool_errors.append({"test": test, "error": first.strip()[:300]})

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
            "bytes_received": self.received,
            "reused_free_codes_of_earlier_runs": self.reused,
            "preflight": self.preflight,
            "program_sizes": {
                str(p): {"before": n, "after": self.sizes_after.get(p)} for p, n in sorted(self.sizes_before.items())
            },
            "requests_per_test": {
                k: {"requests": v[0], "bytes_received": v[1]} for k, v in sorted(self.per_test.items())
            },
            "outcome": self.outcome,
            "error_numbers_per_rule": self.error_numbers(),
            "undocumented_outcomes": [asdict(o) for o in self.undocumented()],
            "stance_outcomes": [asdict(o) for o in self.stance_outcomes()],
            "code_identity": self.code_identity(),
            "wire_choices_seen": self.wire,
            "failures": self.failures,
            "tool_errors": self.tool_errors,
            "observations": [asdict(o) for o in self.observations],
            "cleaned": self.cleaned,
            "not_cleaned": self.uncleaned,
            "notes": self.notes,
            **self.extra,
        }

    def markdown(self) -> str:
        """The Markdown summary."""
        lines = [
            "# Contract run report",
            "",
            f"* target: {self.target}",
            f"* code prefix of this run: `{self.prefix}`",
            f"* Hypothesis seed: {self.seed}; profile: {self.profile}",
            f"* requests sent: {self.requests} ({self.received} bytes received; preflight: "
            f"{self.preflight.get('requests', 0)} of them)",
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
        lines += [
            "",
            "## Requests invalid only under a stance (what this server answered where the docs contradict each other)",
            "",
            "| operation | stance (spec info.description) | what the request breaks | error | error_text |",
            "| --- | --- | --- | --- | --- |",
        ]
        shown: set[tuple[str, str, Any, str]] = set()
        for o in self.stance_outcomes():
            if (o.operation, o.rule, o.error, o.changes) in shown:
                continue
            shown.add((o.operation, o.rule, o.error, o.changes))
            if len(shown) > 60:
                lines.append("| ... | | more in contract-report.json (stance_outcomes) | | |")
                break
            what, text = o.changes.replace("|", "\\|"), o.error_text.replace("|", "\\|")
            lines.append(f"| {o.operation} | {o.rule} | {what} | {o.error} | {text} |")
        identity = self.code_identity()
        lines += [
            "",
            "## Code identity (where the docs are silent: letter case, whitespace around a code; x-code-identity)",
            "",
            f"Reading this server showed: {identity['shown']}.",
            "",
            "| source | readings the answers fit | histories |",
            "| --- | --- | --- |",
        ]
        for source, counts in sorted(self.identity.items()):
            lines += [f"| {source} | {shown} | {count} |" for shown, count in sorted(counts.items())]
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
        if self.tool_errors:
            lines += ["", "## Tool errors (no verdict: the server could not be reached or did not answer)", ""]
            lines += ["| test | error |", "| --- | --- |"]
            lines += [f"| {e['test']} | {e['error'].replace('|', chr(92) + '|')} |" for e in self.tool_errors]
        lines += ["", "## Program sizes (codes)", "", f"Free codes of earlier runs reused: {self.reused}.", ""]
        lines += ["| program | before | after |", "| --- | --- | --- |"]
        lines += [f"| {p} | {n} | {self.sizes_after.get(p, '?')} |" for p, n in sorted(self.sizes_before.items())]
        lines += ["", "## Costliest tests (requests, bytes received)", ""]
        lines += ["| test | requests | bytes received |", "| --- | --- | --- |"]
        lines += [f"| {name} | {n} | {size} |" for name, n, size in self.costliest()]
        lines += ["", "## Cleanup", ""]
        lines.append(f"* cleaned: {len(self.cleaned)}")
        lines.append(f"* could not be cleaned: {len(self.uncleaned)}")
        lines += [f"  * {item}" for item in self.uncleaned[:200]]
        if len(self.uncleaned) > 200:
            lines.append(f"  * ... and {len(self.uncleaned) - 200} more (see contract-report.json)")
        notes = [*self.preflight.get("notes", []), *self.notes]
        if notes:
            lines += ["", "## Notes", ""] + [f"* {n}" for n in notes]
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
