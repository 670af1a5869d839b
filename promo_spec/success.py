"""The ``x-success`` extension: what an operation's ``error 0`` means in every branch (its postconditions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promo_spec.compiled import compiled_checker
from promo_spec.document import shared_document
from promo_spec.errors import SpecError
from promo_spec.locate import vocabulary_path


@dataclass(frozen=True)
class Success:
    """An operation's meaning of ``error 0``: a sentence and the vocabulary's postcondition terms."""

    operation: str
    summary: str
    postconditions: tuple[str, ...]
    source: str = ""


def postcondition_terms() -> tuple[str, ...]:
    """Every postcondition term the vocabulary (``$defs/success``) knows."""
    vocabulary = shared_document(vocabulary_path())
    return tuple(vocabulary["$defs"]["success"]["properties"]["postconditions"]["items"]["enum"])


def parse_success(
    spec: dict[str, Any], operation_ids: dict[str, str], *, path: str, check_vocabulary: bool = True
) -> dict[str, Success]:
    """Every operation's ``x-success``, checked against the vocabulary; operations without one are left out."""
    validator = compiled_checker(shared_document(vocabulary_path())["$defs"]["success"]) if check_vocabulary else None
    found: dict[str, Success] = {}
    for op_id, pointer in operation_ids.items():
        node: Any = spec
        for token in pointer.strip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        raw = node.get("x-success") if isinstance(node, dict) else None
        if raw is None:
            continue
        at = f"{pointer}/x-success"
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path)) if validator else []
        if errors:
            sub = "".join(f"/{p}" for p in errors[0].absolute_path)
            raise SpecError(path, at + sub, f"x-success breaks the vocabulary (spec/README.md): {errors[0].message}")
        found[op_id] = Success(op_id, raw["summary"], tuple(raw["postconditions"]), raw.get("source", ""))
    return found
