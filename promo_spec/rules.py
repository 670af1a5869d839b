"""The ``x-rules`` extension as typed data: what each rule assumes and what it expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promo_spec.compiled import compiled_checker
from promo_spec.document import shared_document
from promo_spec.errors import SpecError
from promo_spec.locate import vocabulary_path

_GIVEN_DEFAULTS: dict[str, str] = {
    "token": "valid",
    "header_token": "absent",
    "request": "valid",
    "program": "any",
    "pool": "any",
    "creation": "any",
    "profile": "matched",
    "matching": "each",
}


@dataclass(frozen=True)
class Expectation:
    """What the server must answer and which state must change (``effects``) on success."""

    error: str
    effects: tuple[str, ...]
    error_code: int | None = None
    item_error: str | int | None = None
    reports: str | None = None
    behaves_as: str | None = None


@dataclass(frozen=True)
class Rule:
    """One declared behaviour of one operation."""

    id: str
    operation: str
    summary: str
    status: str
    source: str
    given: dict[str, str] = field(hash=False, compare=True)
    expect: Expectation = field(hash=False)
    note: str = ""

    def given_value(self, key: str) -> str | None:
        """Return the precondition ``key``, with the vocabulary's default when the rule leaves it out."""
        return self.given.get(key, _GIVEN_DEFAULTS.get(key))

    @property
    def asserted(self) -> bool:
        """Whether the suite asserts this rule's outcome (documented or inferred) or only records it."""
        return self.status != "undocumented"


def _vocabulary() -> Any:
    return compiled_checker(shared_document(vocabulary_path()))


def parse_rules(
    spec: dict[str, Any], operation_ids: dict[str, str], *, path: str, check_vocabulary: bool = True
) -> tuple[Rule, ...]:
    """Validate every ``x-rules`` entry against the vocabulary and return them, root rules expanded per operation.

    ``check_vocabulary=False`` skips the JSON Schema check, for a spec already validated unchanged.
    """
    validator = _vocabulary() if check_vocabulary else None
    located: list[tuple[str, dict[str, Any], list[str]]] = []
    for index, raw in enumerate(spec.get("x-rules", []) or []):
        at = f"/x-rules/{index}"
        ops = raw.get("operations") if isinstance(raw, dict) else None
        if not isinstance(ops, list) or not ops:
            raise SpecError(path, at, "a root-level rule needs 'operations': a list of operationIds it applies to")
        located.append((at, raw, [str(o) for o in ops]))
    for op_id, pointer in operation_ids.items():
        operation = _at(spec, pointer)
        for index, raw in enumerate(operation.get("x-rules", []) or []):
            at = f"{pointer}/x-rules/{index}"
            if isinstance(raw, dict) and "operations" in raw:
                raise SpecError(path, f"{at}/operations", "'operations' belongs on root-level rules only")
            located.append((at, raw, [op_id]))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for at, raw, ops in located:
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path)) if validator else []
        if errors:
            first = errors[0]
            sub = "".join(f"/{p}" for p in first.absolute_path)
            raise SpecError(path, at + sub, f"rule breaks the vocabulary (spec/README.md): {first.message}")
        if raw["id"] in seen:
            raise SpecError(path, f"{at}/id", f"rule id {raw['id']!r} is already used at {seen[raw['id']]}")
        seen[raw["id"]] = at
        for op in ops:
            if op not in operation_ids:
                raise SpecError(path, f"{at}/operations", f"rule names operation {op!r}, which the spec does not have")
            exp = raw["expect"]
            rules.append(
                Rule(
                    id=raw["id"],
                    operation=op,
                    summary=raw["summary"],
                    status=raw["status"],
                    source=raw["source"],
                    given=dict(raw["given"]),
                    expect=Expectation(
                        error=exp["error"],
                        effects=tuple(exp["effects"]),
                        error_code=exp.get("error_code"),
                        item_error=exp.get("item_error"),
                        reports=exp.get("reports"),
                        behaves_as=exp.get("behaves_as"),
                    ),
                    note=raw.get("note", ""),
                )
            )
    return tuple(rules)


def _at(spec: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = spec
    for token in pointer.strip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict)
    return node
