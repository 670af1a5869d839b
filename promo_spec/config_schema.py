"""Validate a configuration document (target file, seed file) against a JSON Schema and say what to fix."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_spec.compiled import CompiledChecker

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where (``profiles[1].email``; '' for the document itself) and what."""

    path: str
    text: str
    kind: str  # unknown | missing | value


def load_schema(path: Path) -> CompiledChecker:
    """Read a JSON Schema file and return its checker (the schema itself is checked first).

    The checker yields jsonschema's errors; a valid document is told apart by jsonschema-rs where that is
    exact (``promo_spec.compiled``), so reading a good file does not import jsonschema.
    """
    schema = json.loads(path.read_text(encoding="utf-8"))
    checker = CompiledChecker(schema)
    if checker.inexact:
        checker.explainer()  # jsonschema checks the schema itself now, as it always did
    return checker


def join(path: str, key: Any) -> str:
    """``a.b`` for a key, ``a[0]`` for an index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _path(error: ValidationError) -> str:
    where = ""
    for key in error.absolute_path:
        where = join(where, key)
    return where


def closest(word: str, options: list[str]) -> str | None:
    """The option ``word`` most likely misspells (difflib), or None when none is close."""
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown(error: ValidationError, where: str) -> list[Problem]:
    allowed = sorted((error.schema.get("properties") or {}).keys())
    extra = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
    problems = []
    for key in extra:
        guess = closest(str(key), allowed)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        problems.append(Problem(join(where, key), f"unknown key{hint}; allowed: {', '.join(allowed)}", "unknown"))
    return problems


def _value(error: ValidationError, where: str) -> Problem:
    expect = error.schema.get("x-expect") if isinstance(error.schema, dict) else None
    if expect:
        shown = repr(error.instance)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return Problem(where, f"must be {expect}, not {shown}", "value")
    return Problem(where, error.message, "value")


def problems(validator: CompiledChecker, document: Any) -> list[Problem]:
    """Every problem of ``document``, unknown keys first, then missing keys, then bad values; [] when valid.

    Unknown keys come first because a typo (``base_ur``) also makes the intended key missing.
    """
    found: list[tuple[int, str, Problem]] = []
    missing: dict[str, list[str]] = {}
    for error in validator.iter_errors(document):
        where = _path(error)
        if error.validator == "additionalProperties":
            found += [(0, p.path, p) for p in _unknown(error, where)]
        elif error.validator == "required":
            missing.setdefault(where, []).extend(k for k in error.validator_value if k not in error.instance)
        else:
            found.append((2, where, _value(error, where)))
    for where, keys in missing.items():
        found.append((1, where, Problem(where, ", ".join(dict.fromkeys(keys)), "missing")))
    found.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in found]
