"""Decide whether a sent body clearly breaks its schema (the only cases where error != 0 is required).

A constraint of the spec is *documented* unless the schema node carrying it marks the keyword in ``x-stances``:
then it encodes a stance the spec takes where the docs contradict themselves (spec/README.md), and a server
may follow the other reading. ``x-also-documented-types`` and ``x-also-documented-values`` narrow a stance to
what the other pages allow: a value allowed on no page still breaks a documented constraint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract_tests.wire import is_error_envelope

# Violations a faithful server must refuse; format and length subtleties are left out on purpose.
CLEAR = frozenset({"required", "type", "enum", "const", "anyOf"})


def _coercible(error: ValidationError) -> bool:
    """A string spelling a value of the expected type ("12", "true"): the same text in XML; a server may read it.

    This is also the other reading of stance 2 (``loyalty_id`` shown quoted on get/activate).
    """
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
    """Whether ``error`` (or one of its sub-errors) is a violation a server reading the schema must refuse."""
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


def stance_of(error: ValidationError) -> int | None:
    """The number of the stance (spec ``info.description``) that ``error`` breaks, None when it breaks a documented
    constraint: the keyword is marked in ``x-stances`` of its schema node, and the value is one another page allows
    (``x-also-documented-types`` / ``-values``, when the node narrows the stance)."""
    node = error.schema if isinstance(error.schema, dict) else {}
    marks = node.get("x-stances", {})
    stance = marks.get(error.validator) if isinstance(marks, dict) else None
    if not isinstance(stance, int):
        return None
    if error.validator == "type" and "x-also-documented-types" in node:
        also = node["x-also-documented-types"]
        allowed = any(Draft202012Validator.TYPE_CHECKER.is_type(error.instance, kind) for kind in also)
        return stance if allowed else None
    if error.validator == "enum" and "x-also-documented-values" in node:
        return stance if error.instance in node["x-also-documented-values"] else None
    return stance


def modes_of_schema(schema: dict[str, Any]) -> dict[str, list[str]]:
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
    modes = modes_of_schema(schema)
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


@dataclass(frozen=True)
class Violation:
    """One clear violation of a body: where, the validator's message, and the stance it breaks (None: documented)."""

    where: str
    message: str
    stance: int | None

    def __str__(self) -> str:
        tag = f" (stance {self.stance})" if self.stance is not None else ""
        return f"{self.where}: {self.message}{tag}"


def _violations(validator: Draft202012Validator, body: Any) -> list[Violation]:
    found = []
    for error in validator.iter_errors(body):
        if _clear(error):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(Violation(where, error.message, stance_of(error)))
    return found


@dataclass(frozen=True)
class Verdict:
    """How a body stands to its schema: documented violations (clear in every reading), or only stances."""

    documented: tuple[str, ...]  # non-empty: a faithful server must refuse the body
    stances: tuple[Violation, ...]  # non-empty (and documented empty): invalid only under the spec's stances

    @property
    def stance_numbers(self) -> tuple[int, ...]:
        """The stances the body breaks, each once, in order."""
        return tuple(dict.fromkeys(v.stance for v in self.stances if v.stance is not None))


def verdict(validator: Draft202012Validator, body: Any) -> Verdict:
    """Judge ``body`` in every reading a faithful server may take (``readings``).

    ``documented``: every reading breaks a documented constraint (messages of the body as sent). ``stances``: some
    reading breaks none, but every reading breaks the schema counting the stances too (the violations of the body as
    sent that are stances): the spec's own reading refuses it, another reading of the docs need not.
    """
    every = [_violations(validator, reading) for reading in readings(body, validator.schema)]
    if all(any(v.stance is None for v in found) for found in every):
        return Verdict(tuple(str(v) for v in every[0] if v.stance is None), ())
    if all(every):
        return Verdict((), tuple(v for v in every[0] if v.stance is not None) or tuple(every[0]))
    return Verdict((), ())


def clear_violations(validator: Draft202012Validator, body: Any) -> list[str]:
    """Messages of the documented violations of ``body``: empty when the body is valid, only subtly invalid, or
    invalid only under a stance.

    Clear means clear in every reading a faithful server may take (see ``readings``).
    """
    return list(verdict(validator, body).documented)


# The docs show no error answer (only import's per-code error): of an error envelope only these are known.
ERROR_ENVELOPE = Draft202012Validator(
    {
        "type": "object",
        "required": ["error", "error_text"],
        "properties": {"error": {"type": "integer"}, "error_text": {"type": "string"}},
    }
)


class ErrorSource(Protocol):
    """What ``response_problems`` reads errors from: a jsonschema validator or a ``promo_spec`` CompiledChecker."""

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]: ...


def response_problems(validator: ErrorSource, envelope: Any) -> list[str]:
    """How an answer breaks its response schema (``validator``); an error envelope only needs error and error_text.

    The docs show no refused request's answer, so ``data`` (null, absent or anything else) and the other
    fields of an error envelope are not judged.
    """
    checker: ErrorSource = ERROR_ENVELOPE if is_error_envelope(envelope) else validator
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in checker.iter_errors(envelope)]


def fully_valid(validator: Draft202012Validator, body: Any) -> bool:
    """True when the body satisfies its schema completely (formats included)."""
    return not any(True for _ in validator.iter_errors(body))
