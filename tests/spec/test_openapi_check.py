"""The compiled OpenAPI checks find whatever openapi-spec-validator finds, and the error reported is still its own.

``promo_spec.openapi_check`` only decides whether to call openapi-spec-validator (the reference): a
document it passes is never validated by the reference again. So the property that matters is one-way:
whenever the reference refuses a document, the compiled checks report something. Checked on one
mutation per kind of check the reference makes, and on a few hundred systematic mutations of a small
spec; the real specs (both API versions, the golden and corpus specs) pass both.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as reference_validate

from promo_spec import SpecError, load_spec
from promo_spec.locate import REPO_ROOT
from promo_spec.openapi_check import LeftToReference, problems
from promo_spec.versions import known_versions, resolve

Document = dict[str, Any]
SMALL = REPO_ROOT / "tests" / "golden" / "matching" / "spec.yaml"
GET = ["paths", "/api/v1.1/promocodes/get", "post"]


def reference_refuses(document: Document) -> bool:
    try:
        reference_validate(copy.deepcopy(document))
    except Exception:
        return True
    return False


def compiled_flags(document: Document) -> bool:
    try:
        return bool(problems(document))
    except LeftToReference:
        return True


def _small() -> Document:
    loaded: Document = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("version", known_versions())
def test_both_api_versions_pass_both(version: str) -> None:
    document = resolve(version).document
    assert problems(document) == []
    assert not reference_refuses(document)


def test_golden_and_corpus_specs_pass_both() -> None:
    paths = [*sorted((REPO_ROOT / "tests" / "golden").glob("*/spec.yaml")), REPO_ROOT / "tests/diff_corpus/base.yaml"]
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert problems(document) == [], path
        assert not reference_refuses(document), path


def _at(document: Document, path: list[Any]) -> Any:
    node: Any = document
    for key in path:
        node = node[key]
    return node


def _schemas(document: Document) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


# One mutation per kind of check the reference makes (names say which).
KINDS: dict[str, Callable[[Document], None]] = {
    "document structure": lambda d: _at(d, GET).__setitem__("responses", "none"),
    "unknown operation field": lambda d: _at(d, GET).__setitem__("bogus", 1),
    "schema type misspelt": lambda d: _schemas(d)["Code"].__setitem__("type", "strin"),
    "nested schema keyword wrong": lambda d: _schemas(d)["CodeRequest"]["properties"]["code"].__setitem__(
        "minLength", -1
    ),
    "pattern Python cannot compile": lambda d: _schemas(d)["Code"].__setitem__("pattern", r"\p{L}+"),
    "pattern nobody can compile": lambda d: _schemas(d)["Code"].__setitem__("pattern", "(unclosed"),
    "default of the wrong type": lambda d: _schemas(d)["Format"].__setitem__("default", 5),
    "default outside the enum": lambda d: _schemas(d)["Format"].__setitem__("default", "csv"),
    "nested default outside its enum": lambda d: _schemas(d)["CodeRequest"]["properties"].__setitem__(
        "shape", {"type": "string", "enum": ["a"], "default": "b"}
    ),
    "default not a date-time": lambda d: _schemas(d)["Code"].update({"format": "date-time", "default": "yesterday"}),
    "default not an int32": lambda d: _schemas(d)["LoyaltyId"].update({"format": "int32", "default": 2**40}),
    "duplicate operationId": lambda d: _at(d, ["paths", "/api/v1.1/promocodes/attach", "post"]).__setitem__(
        "operationId", "get"
    ),
    "path parameter not declared": lambda d: d["paths"].__setitem__(
        "/api/v1.1/promocodes/{code}", d["paths"].pop("/api/v1.1/promocodes/get")
    ),
    "declared path parameter not in the path": lambda d: _at(d, GET).__setitem__(
        "parameters", [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]
    ),
    "parameter twice": lambda d: _at(d, GET).__setitem__(
        "parameters", [{"name": "q", "in": "query", "schema": {"type": "string"}}] * 2
    ),
    "parameter schema wrong": lambda d: _at(d, GET).__setitem__(
        "parameters", [{"name": "q", "in": "query", "schema": {"type": 7}}]
    ),
    "tag twice": lambda d: d.__setitem__("tags", [{"name": "promo"}, {"name": "promo"}]),
    "allOf requiring an undefined property": lambda d: _schemas(d).__setitem__(
        "Both", {"allOf": [{"properties": {"a": {"type": "string"}}}], "required": ["a", "zzz"]}
    ),
}


@pytest.fixture(scope="module")
def v72() -> Document:
    return resolve(known_versions()[0]).document


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_reference_error_is_flagged_and_reported_as_the_reference_reports_it(
    kind: str, v72: Document, tmp_path: Path
) -> None:
    document = copy.deepcopy(v72)
    KINDS[kind](document)
    assert reference_refuses(document), "the mutation must be one the reference refuses"
    assert compiled_flags(document)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    try:
        reference_validate(yaml.safe_load(path.read_text(encoding="utf-8")))  # the file's key order
    except Exception as exc:
        expected = getattr(exc, "message", str(exc))
    assert expected in caught.value.message  # the reference's own words, not the compiled checks'


VALUES: tuple[Any, ...] = (None, True, 0, -1, 2**40, 1.5, "", "x", "(", "\\p{L}", [], ["a"], {}, {"type": "string"})
KEYWORDS = (
    "type", "enum", "default", "pattern", "format", "minLength", "maxLength", "minimum", "required",
    "properties", "items", "allOf", "anyOf", "not", "additionalProperties", "const", "example", "xml",
)  # fmt: skip


def _schema_places(document: Document) -> Iterator[list[Any]]:
    for name, schema in _schemas(document).items():
        yield ["components", "schemas", name]
        for prop in (schema.get("properties") or {}) if isinstance(schema, dict) else {}:
            yield ["components", "schemas", name, "properties", prop]


STRIDE = 149  # some sixty documents: the reference takes some 50 ms on each


def _mutations() -> Iterator[tuple[str, Document, str, Any]]:
    base = _small()
    places = list(_schema_places(base))
    for index, (place, keyword, value) in enumerate(itertools.product(places, KEYWORDS, VALUES)):
        if index % STRIDE:  # a fixed sample of the grid (the test checks every keyword and value occurs)
            continue
        document = copy.deepcopy(base)
        node = _at(document, place)
        if isinstance(node, dict) and "$ref" not in node:
            node[keyword] = copy.deepcopy(value)
            yield f"{'/'.join(map(str, place))}.{keyword}={value!r}", document, keyword, value


MUTATIONS = list(_mutations())


def test_systematic_mutations_never_pass_the_compiled_checks_when_the_reference_refuses() -> None:
    assert {m[2] for m in MUTATIONS} == set(KEYWORDS)
    assert {repr(m[3]) for m in MUTATIONS} == {repr(v) for v in VALUES}
    refused = [(name, d) for name, d, _, _ in MUTATIONS if reference_refuses(d)]
    assert len(refused) > 20, "the sample must hold many documents the reference refuses"
    missed = [name for name, document in refused if not compiled_flags(document)]
    assert missed == []
