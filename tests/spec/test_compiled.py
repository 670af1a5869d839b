"""A CompiledChecker answers exactly as jsonschema does; the schemas of the cold path are compiled; cold
generation imports neither jsonschema nor openapi-spec-validator (what makes it fast, checked as a fact)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from promo_spec import load_spec
from promo_spec.compiled import CompiledChecker, compiled_checker, differs
from promo_spec.document import shared_document
from promo_spec.locate import REPO_ROOT, vocabulary_path
from promo_spec.overlay import _OVERLAY_SCHEMA
from promo_spec.versions import known_versions

# Values jsonschema-rs and Python read differently if anything does: huge and float integers, Unicode
# digits and spaces, trailing newlines, lone surrogates, RFC 3339 edge cases, containers in scalars' places.
TRICKY: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 1.0, 1.5, 2**31, 2**53 + 1, -(2**64), float("inf"), "", " ", "a", "P11-0001",
    "P11-0001\n", "٣", "\u00a0", "\ufeff", "\x1c", "\ud800", "x" * 300, "2024-08-10T08:00:00Z",
    "2024-08-10t08:00:00z", "2024-02-30T08:00:00Z", "2024-08-10T23:59:60Z", "2024-08-10 08:00:00Z",
    "2024-08-10T08:00:00+03:00", "2024-08-10T08:00:00", [], ["a"], ["a", "a"], [1, True], {}, {"k": 1}, ("a",),
)  # fmt: skip


def _errors(validator: Any, instance: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted((e.message, tuple(e.absolute_path)) for e in validator.iter_errors(instance))


def _instances(example: dict[str, Any]) -> list[dict[str, Any]]:
    """The example, then every field of it (and one unknown field) set to every tricky value, then each left out."""
    found = [example]
    for key in [*example, "zzz_unknown"]:
        for value in TRICKY:
            changed = copy.deepcopy(example)
            changed[key] = value
            found.append(changed)
        found.append({k: v for k, v in example.items() if k != key})
    return found


REQUESTS = [
    (version, op.id, op.request_schema, (op.raw["requestBody"]["content"]["application/json"].get("examples") or {}))
    for version in known_versions()
    for op in load_spec(api_version=version).operations.values()
]


@pytest.mark.parametrize(
    ("version", "op_id", "schema", "examples"), REQUESTS, ids=[f"v{r[0]}-{r[1]}" for r in REQUESTS]
)
def test_request_checks_give_jsonschemas_errors_exactly(
    version: str, op_id: str, schema: dict[str, Any], examples: dict[str, Any]
) -> None:
    checker = compiled_checker(schema, formats=True)
    assert checker.inexact is None, "the mock's request schemas are compiled"
    reference = Draft202012Validator(schema, format_checker=FormatChecker())
    fast = 0
    for example in examples.values():
        for instance in _instances(example["value"]):
            assert _errors(checker, instance) == _errors(reference, instance), instance
            fast += checker.fast_valid(instance)
    assert fast, "valid requests are told apart without jsonschema"


def test_vocabulary_overlay_and_seed_schemas_are_compiled_and_agree() -> None:
    vocabulary = shared_document(vocabulary_path())
    seed_schema = json.loads((REPO_ROOT / "mock_server" / "seed.schema.json").read_text(encoding="utf-8"))
    spec = load_spec()
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        (vocabulary, [op.raw["x-rules"][0] for op in list(spec.operations.values())[:2]]),
        (vocabulary["$defs"]["success"], [op.raw["x-success"] for op in spec.operations.values()]),
        (_OVERLAY_SCHEMA, [shared_document(REPO_ROOT / "spec" / "versions" / "74.overlay.yaml")]),
        (seed_schema, [shared_document(REPO_ROOT / "mock_server" / "default_seed.yaml")]),
    ]
    for schema, valid in cases:
        checker = CompiledChecker(schema)
        assert checker.inexact is None
        reference = Draft202012Validator(schema)
        for document in valid:
            assert checker.fast_valid(document)
            for instance in _instances(document) if isinstance(document, dict) else [document]:
                assert _errors(checker, instance) == _errors(reference, instance)


@pytest.mark.parametrize(
    ("schema", "formats", "why"),
    [
        ({"type": "number", "multipleOf": 0.1}, None, "multipleOf"),
        ({"type": "string", "pattern": r"\S"}, None, "pattern"),
        ({"type": "string", "pattern": r"^\w+$"}, None, "pattern"),
        ({"type": "string", "pattern": r"(?i)abc"}, None, "pattern"),
        ({"patternProperties": {"^a.$": {"type": "string"}}}, None, "patternProperties"),
        ({"properties": {"m": {"type": "string", "format": "email"}}}, ("date-time",), "format"),
        ({"$ref": "https://example.com/schema"}, None, "$ref"),
    ],
)
def test_what_the_engines_read_differently_goes_to_jsonschema(
    schema: dict[str, Any], formats: tuple[str, ...] | None, why: str
) -> None:
    found = differs(schema, formats)
    assert found is not None and found.startswith(why)
    checker = CompiledChecker(schema, formats=formats is not None)
    assert checker.inexact is not None and not checker.fast_valid({})


def test_a_pattern_jsonschema_rs_reads_otherwise_is_still_decided_by_jsonschema() -> None:
    schema = {"type": "string", "pattern": r"^\S$"}
    assert CompiledChecker(schema).is_valid("\x1c") is Draft202012Validator(schema).is_valid("\x1c") is False
    assert CompiledChecker(schema).is_valid("\ufeff") is Draft202012Validator(schema).is_valid("\ufeff") is True


def test_cold_generation_imports_neither_jsonschema_nor_openapi_spec_validator(tmp_path: Any) -> None:
    code = (
        "import sys; from generator.cli import main; "
        f"code = main(['generate', '--out', {str(tmp_path / 'out')!r}]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'openapi_spec_validator'))); "
        "sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False,
        env={"PATH": "", "HOME": str(tmp_path), "PROMO_SPEC_CACHE": "off"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
