"""Decide whether a sent body clearly breaks its schema (the only cases where error != 0 is required)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

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


def clear_violations(validator: Draft202012Validator, body: Any) -> list[str]:
    """Messages of the clear violations of ``body``; empty when the body is valid or only subtly invalid."""
    found = []
    for error in validator.iter_errors(body):
        if _clear(error):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(f"{where}: {error.message}")
    return found


def fully_valid(validator: Draft202012Validator, body: Any) -> bool:
    """True when the body satisfies its schema completely (formats included)."""
    return not any(True for _ in validator.iter_errors(body))
