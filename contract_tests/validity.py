"""Decide whether a sent body clearly breaks its schema (the only cases where error != 0 is required)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract_tests.wire import is_error_envelope

# Violations a faithful server must refuse; format and length subtleties are left out on purpose.
CLEAR = frozenset({"required", "type", "enum", "const", "anyOf"})
# The docs list no values of `format` (the spec's json|xml is a stance), so an unknown value is not clear.
UNDOCUMENTED_ENUMS = frozenset({("format",)})


def _coercible(error: ValidationError) -> bool:
    """A string spelling a value of the expected type ("12", "true"): the same text in XML; a server may read it."""
    if error.validator != "type" or not isinstance(error.instance, str):
        return False
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    text = error.instance.strip()
    if "integer" in expected or "number" in expected:
        try:
            float(text)
            return True
        except ValueError:
            pass
    return "boolean" in expected and text in {"true", "false"}


def _clear(error: ValidationError) -> bool:
    if error.validator == "enum" and tuple(error.absolute_path) in UNDOCUMENTED_ENUMS:
        return False
    if _coercible(error):
        return False
    if error.validator in CLEAR:
        if error.validator == "anyOf" and error.context:
            # update's anyOf (activated or expire_date) fails by 'required' only; other anyOfs are not clear.
            return all(sub.validator == "required" for sub in error.context)
        return True
    if error.validator == "minLength" and list(error.absolute_path) == ["token"]:
        return True  # an empty token is a missing token
    return bool(error.context) and any(_clear(sub) for sub in error.context if sub.validator != "anyOf")


def _matching_modes(schema: dict[str, Any]) -> dict[str, list[str]]:
    """The spec's ``x-matching-modes`` of a request schema (top level or in its allOf), or {}."""
    for node in [schema, *schema.get("allOf", [])]:
        modes = node.get("x-matching-modes") if isinstance(node, dict) else None
        if isinstance(modes, dict):
            return modes
    return {}


def _without_empty(body: dict[str, Any]) -> dict[str, Any]:
    """The body as a server that reads ``null`` and ``""`` (in XML an empty element) as an absent value sees it."""
    return {k: v for k, v in body.items() if v is not None and v != ""}


def _without_unused(body: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The body as a server that ignores the identifiers its matching mode does not use sees it."""
    modes = _matching_modes(schema)
    if not modes:
        return body
    default = schema.get("properties", {}).get("matching", {}).get("default")
    mode = body.get("matching", default)
    if not isinstance(mode, str) or mode not in modes:
        return body  # no readable mode: nothing is known to be unused
    unused = {name for names in modes.values() for name in names} - set(modes[mode])
    return {k: v for k, v in body.items() if k not in unused}


def readings(body: Any, schema: dict[str, Any]) -> list[Any]:
    """Every way a faithful server may read ``body`` where the docs are silent.

    The docs say nothing about ``null`` or empty values of optional parameters, nor whether identifiers that
    the matching mode does not use are checked. A request must be refused only when it is clearly invalid in
    every reading.
    """
    if not isinstance(body, dict):
        return [body]
    found = [body]
    for variant in (
        _without_empty(body),
        _without_unused(body, schema),
        _without_unused(_without_empty(body), schema),
    ):
        if variant not in found:
            found.append(variant)
    return found


def _accepted_elsewhere(error: ValidationError) -> bool:
    """A type another docs page allows, declared by the spec as ``x-also-documented-types``."""
    if error.validator != "type" or not isinstance(error.schema, dict):
        return False
    also = error.schema.get("x-also-documented-types", [])
    return any(Draft202012Validator.TYPE_CHECKER.is_type(error.instance, kind) for kind in also)


def _messages(validator: Draft202012Validator, body: Any) -> list[str]:
    found = []
    for error in validator.iter_errors(body):
        if _clear(error) and not _accepted_elsewhere(error):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(f"{where}: {error.message}")
    return found


def clear_violations(validator: Draft202012Validator, body: Any) -> list[str]:
    """Messages of the clear violations of ``body``; empty when the body is valid or only subtly invalid.

    Clear means clear in every reading a faithful server may take (see ``readings``).
    """
    found: list[str] = []
    for index, reading in enumerate(readings(body, validator.schema)):
        messages = _messages(validator, reading)
        if not messages:
            return []
        if index == 0:
            found = messages
    return found


# The docs show no error answer (only import's per-code error): of an error envelope only these are known.
ERROR_ENVELOPE = Draft202012Validator(
    {
        "type": "object",
        "required": ["error", "error_text"],
        "properties": {"error": {"type": "integer"}, "error_text": {"type": "string"}},
    }
)


def response_problems(validator: Draft202012Validator, envelope: Any) -> list[str]:
    """How an answer breaks its response schema (``validator``); an error envelope only needs error and error_text.

    The docs show no refused request's answer, so ``data`` (null, absent or anything else) and the other
    fields of an error envelope are not judged.
    """
    checker = ERROR_ENVELOPE if is_error_envelope(envelope) else validator
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in checker.iter_errors(envelope)]


def fully_valid(validator: Draft202012Validator, body: Any) -> bool:
    """True when the body satisfies its schema completely (formats included)."""
    return not any(True for _ in validator.iter_errors(body))
