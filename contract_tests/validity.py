"""Decide whether a sent body clearly breaks its schema (the only cases where error != 0 is required)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

# Violations a faithful server must refuse; format and length subtleties are left out on purpose.
CLEAR = frozenset({"required", "type", "enum", "const", "anyOf"})


def _clear(error: ValidationError) -> bool:
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
