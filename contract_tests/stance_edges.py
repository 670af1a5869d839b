"""The edges of the spec's stances, derived from its ``x-stances`` marks: one request per side of each mark.

Where the docs contradict themselves the spec takes a stance and marks the constraint that encodes it
(spec/README.md, "Stances"). Each mark has two sides a server can be judged on:

* ``stance``: a request that breaks only the stance (a value another page documents, or the other reading of a
  default). A faithful server may follow either reading: the answer is recorded, and a success must be coherent.
* ``documented``: a request that breaks the documented constraint beside the stance (a type or value no page
  allows, no identifier at all). Every faithful server refuses it, and nothing changes.

The probes are computed from the spec (the marks and the schema nodes carrying them), never listed by hand, so a
new mark gets its probes. Each probe is sent once per run, on the cheapest operation whose request carries the
mark (``get`` before ``attach``): ``contract_tests/test_stances.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from contract_tests.validity import modes_of_schema
from promo_spec import Spec

# operations a probe may be sent on, cheapest first: get reads, attach attaches a free code of the run's own
CARRIERS = ("get", "attach")
NO_PAGE_VALUE = "zz-no-page-lists-this"  # an enum value no docs page names
# JSON values of each type, in the order a documented probe tries them (XML carries no types: JSON only)
SAMPLES: dict[str, Any] = {"boolean": True, "array": ["json"], "object": {"format": "json"}, "integer": 0}


@dataclass(frozen=True)
class Probe:
    """One request at the edge of one stance: what to change in a valid body, and which side it is on."""

    op: str
    stance: int
    keyword: str  # the marked JSON Schema keyword
    side: str  # "stance" (recorded) or "documented" (must be refused)
    what: str  # what the request breaks, in words
    put: dict[str, Any] = field(default_factory=dict)  # keys set to these values
    drop: tuple[str, ...] = ()  # keys removed
    json_only: bool = False  # a JSON type XML cannot carry
    mode: str = "email"  # attach/detach: the matching mode of the valid body (the one that uses the property)

    @property
    def id(self) -> str:
        """The pytest id, e.g. ``get-format-type-stance1-documented``."""
        name = self.what.split(":", 1)[0]
        return f"{self.op}-{name}-{self.keyword}-stance{self.stance}-{self.side}"

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with this probe's changes."""
        changed = {k: v for k, v in body.items() if k not in self.drop}
        changed.update(self.put)
        return changed


def _type_probes(op: str, name: str, node: dict[str, Any], stance: int) -> list[Probe]:
    declared = node.get("type")
    also = [t for t in node.get("x-also-documented-types", []) if t in SAMPLES]
    allowed = {declared, *node.get("x-also-documented-types", [])}
    probes = [
        Probe(
            op,
            stance,
            "type",
            "stance",
            f"{name}: {SAMPLES[t]!r} (type {t}, documented on another page)",
            {name: SAMPLES[t]},
            json_only=True,
        )
        for t in also[:1]
    ]
    if "x-also-documented-types" in node:  # narrowed: any other type breaks every page
        other = next(t for t in SAMPLES if t not in allowed)
        probes.append(
            Probe(
                op,
                stance,
                "type",
                "documented",
                f"{name}: {SAMPLES[other]!r} (type {other}, on no page)",
                {name: SAMPLES[other]},
                json_only=True,
            )
        )
    return probes


def _enum_probes(op: str, name: str, node: dict[str, Any], stance: int) -> list[Probe]:
    also = node.get("x-also-documented-values")
    if also is None:  # the values are a stance as a whole: any other value is only the stance's
        return [
            Probe(
                op,
                stance,
                "enum",
                "stance",
                f"{name}: {NO_PAGE_VALUE!r} (no page lists the values)",
                {name: NO_PAGE_VALUE},
            )
        ]
    return [
        Probe(op, stance, "enum", "stance", f"{name}: {also[0]!r} (documented on another page)", {name: also[0]}),
        Probe(op, stance, "enum", "documented", f"{name}: {NO_PAGE_VALUE!r} (on no page)", {name: NO_PAGE_VALUE}),
    ]


def _branch_probes(op: str, branch: dict[str, Any]) -> list[Probe]:
    """An ``if: {not: {required: [K]}}`` branch whose ``then.required`` is a stance, beside a documented anyOf."""
    then = branch.get("then", {})
    stance = then.get("x-stances", {}).get("required")
    absent = branch.get("if", {}).get("not", {}).get("required", [])
    if not isinstance(stance, int) or len(absent) != 1:
        return []
    needed = tuple(then.get("required", []))
    every = tuple(dict.fromkeys(k for alt in then.get("anyOf", []) for k in alt.get("required", [])))
    probes = [
        Probe(
            op,
            stance,
            "required",
            "stance",
            f"{absent[0]}: absent, without {', '.join(needed)} (another identifier sent)",
            drop=(absent[0], *needed),
        )
    ]
    if every:
        probes.append(
            Probe(
                op,
                stance,
                "required",
                "documented",
                f"{absent[0]}: absent, without any of {', '.join(every)}",
                drop=(absent[0], *every),
            )
        )
    return probes


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in schema.get("allOf", []):
        if isinstance(node, dict):
            found += [node] if "if" in node else _branches(node)
    return found


def probes_of(spec: Spec) -> list[Probe]:
    """Every probe of every mark, each on the first carrier operation whose request schema holds the mark."""
    found: dict[tuple[str, int, str], Probe] = {}
    for op in CARRIERS:
        schema = spec.operation(op).request_schema
        candidates: list[Probe] = []
        for name, node in schema.get("properties", {}).items():
            marks = node.get("x-stances", {}) if isinstance(node, dict) else {}
            if "type" in marks:
                candidates += _type_probes(op, name, node, marks["type"])
            if "enum" in marks:
                candidates += _enum_probes(op, name, node, marks["enum"])
        for branch in _branches(schema):
            candidates += _branch_probes(op, branch)
        modes = modes_of_schema(schema)
        for probe in candidates:
            name = probe.what.split(":", 1)[0]
            mode = next((m for m, names in modes.items() if name in names), "email")
            found.setdefault((probe.what, probe.stance, probe.side), replace(probe, mode=mode))
    return list(found.values())
