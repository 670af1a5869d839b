"""The spec is valid OpenAPI 3.1, its examples match its schemas, its rules use the vocabulary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from promo_spec import SpecError, load_spec
from promo_spec.loader import JSON, XML
from promo_spec.locate import REPO_ROOT, default_spec_path, vocabulary_path
from promo_spec.success import postcondition_terms
from promo_spec.xml_codec import parse_xml

SPEC = load_spec()
SEED_DIR = REPO_ROOT.parent / "shared" / "seed"


def _examples() -> list[tuple[str, str, str, str, Any]]:
    found = []
    for op in SPEC.operations.values():
        for where, content in (
            ("request", op.raw["requestBody"]["content"]),
            ("response", op.raw["responses"]["200"]["content"]),
        ):
            for media, body in content.items():
                for name, example in body.get("examples", {}).items():
                    found.append((op.id, where, media, name, example["value"]))
    return found


def test_seven_operations_under_promocodes() -> None:
    assert sorted(SPEC.operations) == sorted(["import", "get", "activate", "update", "attach", "detach", "export_all"])
    for op in SPEC.operations.values():
        assert op.path == f"/api/v1.1/promocodes/{op.id}"
        assert op.method == "POST"
        assert set(op.raw["requestBody"]["content"]) == {JSON, XML}
        assert set(op.raw["responses"]["200"]["content"]) == {JSON, XML}


@pytest.mark.parametrize("op_id,where,media,name,value", _examples(), ids=lambda v: str(v)[:24])
def test_example_validates_against_its_schema(op_id: str, where: str, media: str, name: str, value: Any) -> None:
    op = SPEC.operation(op_id)
    schema = op.request_schema if where == "request" else op.response_schema
    validator = SPEC.request_validators[op_id] if where == "request" else SPEC.response_validators[op_id]
    document = parse_xml(value, schema) if media == XML else value
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_every_operation_has_json_and_xml_examples_both_ways() -> None:
    seen = {(op, where, media) for op, where, media, _, _ in _examples()}
    for op in SPEC.operations:
        for where in ("request", "response"):
            for media in (JSON, XML):
                assert (op, where, media) in seen, f"{op} has no {where} example in {media}"


def test_seed_examples_are_embedded() -> None:
    attach = SPEC.operation("attach").raw
    assert attach["requestBody"]["content"][JSON]["examples"]["docs"]["value"] == {
        "token": "abcdefghijklmnqrstuvwxyz",
        "db_id": 1,
        "matching": "profile_id",
        "profile_id": "abcdefghijklmnqrstuvwxyz",
        "loyalty_id": 5,
        "code": "CODE-1",
    }


def _seed_rule_sentences() -> list[str]:
    """The sentences of the attach description that state behaviour (the seed's Description)."""
    text = SPEC.operation("attach").description
    return [s.strip(" *") for s in text.splitlines() if s.strip().startswith(("*", "If", "With no"))]


def test_every_sentence_of_the_seed_description_is_in_the_spec() -> None:
    if not SEED_DIR.is_dir():
        pytest.skip("../shared/seed is not beside this checkout")
    seed = " ".join(p.read_text(encoding="utf-8") for p in SEED_DIR.glob("*.txt"))
    description = re.search(r"Description\s+(.*?)\s+Request URL", seed, re.S)
    assert description is not None
    sentences = [s.strip(" •\n") for s in description.group(1).split("\n") if s.strip(" •")]
    assert len(sentences) >= 6
    spec_text = " ".join(SPEC.operation("attach").description.split())
    for sentence in sentences:
        assert " ".join(sentence.split()) in spec_text


def test_every_seed_rule_sentence_is_the_source_of_a_rule() -> None:
    sentences = _seed_rule_sentences()
    assert len(sentences) >= 5
    sources = " ".join(r.source for r in SPEC.rules_for("attach"))
    for sentence in sentences:
        if sentence.startswith("Attaches"):
            continue
        assert sentence in sources, f"no attach rule quotes: {sentence!r}"


@pytest.mark.parametrize(
    "rule_id,error,effects",
    [
        ("attach.code-attached-restricted", "nonzero", ()),
        ("attach.code-free", "zero", ("code_attached_to_profile",)),
        ("attach.code-unknown", "zero", ("code_imported", "code_attached_to_profile")),
        ("attach.no-code-free-available", "zero", ("free_code_attached_to_profile",)),
        ("import.codes-duplicate", "zero", ("duplicates_counted",)),
        ("detach.code-omitted", "nonzero", ()),
        ("detach.code-attached-several", "nonzero", ()),
        ("activate.code-free", "nonzero", ()),
        ("update.no-options", "nonzero", ()),
        ("auth.token-missing", "nonzero", ()),
        ("auth.token-wrong", "nonzero", ()),
    ],
)
def test_issue_named_rules_are_declared(rule_id: str, error: str, effects: tuple[str, ...]) -> None:
    rules = [r for r in SPEC.rules if r.id == rule_id]
    assert rules, f"rule {rule_id} is missing"
    assert all(r.expect.error == error and r.expect.effects == effects for r in rules)


def test_token_rules_cover_every_operation() -> None:
    for rule_id in ("auth.token-missing", "auth.token-wrong"):
        assert {r.operation for r in SPEC.rules if r.id == rule_id} == set(SPEC.operations)


def test_error_codes_are_one_shared_component() -> None:
    codes = SPEC.document["components"]["schemas"]["ErrorCode"]["x-documented-codes"]
    assert [c["code"] for c in codes] == [0, 400, 401, 402, 403]
    for op in SPEC.operations.values():
        assert op.response_schema["properties"]["error"]["x-documented-codes"] == codes


def test_only_documented_rules_name_an_error_number() -> None:
    for rule in SPEC.rules:
        if rule.expect.error_code is not None:
            assert rule.status == "documented", rule.id


def test_readme_explains_every_vocabulary_term() -> None:
    vocabulary = yaml.safe_load(vocabulary_path().read_text(encoding="utf-8"))
    readme = (REPO_ROOT / "spec" / "README.md").read_text(encoding="utf-8")
    terms: set[str] = set()
    for key, schema in vocabulary["properties"]["given"]["properties"].items():
        terms.add(key)
        terms.update(schema["enum"])
    expect = vocabulary["properties"]["expect"]["properties"]
    terms.update(expect)
    terms.update(expect["error"]["enum"])
    terms.update(expect["reports"]["enum"])
    terms.update(expect["behaves_as"]["enum"])
    terms.update(expect["effects"]["items"]["enum"])
    terms.update(vocabulary["properties"]["status"]["enum"])
    missing = sorted(t for t in terms if f"`{t}`" not in readme)
    assert missing == []


# --- matching requirements live in the schema itself -------------------------------------------

BASE = {"token": "t", "db_id": 1, "loyalty_id": 5}


@pytest.mark.parametrize(
    "extra,valid",
    [
        ({"email": "a@b.c"}, True),  # default matching is email
        ({"profile_id": "p"}, False),  # default email needs email
        ({"matching": "email", "email": "a@b.c"}, True),
        ({"matching": "email"}, False),
        ({"matching": "phone", "phone": "+7"}, True),
        ({"matching": "phone", "email": "a@b.c"}, False),
        ({"matching": "profile_id", "profile_id": "p"}, True),
        ({"matching": "profile_id"}, False),
        ({"matching": "custom", "field_name": "CRM_ID", "field_value": "1"}, True),
        ({"matching": "custom", "field_name": "CRM_ID"}, False),
        ({"matching": "sms", "email": "a@b.c"}, False),
    ],
)
@pytest.mark.parametrize("op_id", ["attach", "detach"])
def test_matching_modes_require_their_fields(op_id: str, extra: dict[str, Any], valid: bool) -> None:
    assert SPEC.request_validators[op_id].is_valid({**BASE, **extra}) is valid


def test_update_needs_an_option() -> None:
    validator = SPEC.request_validators["update"]
    assert not validator.is_valid({"token": "t", "code": "C", "loyalty_id": 1})
    assert validator.is_valid({"token": "t", "code": "C", "loyalty_id": 1, "activated": False})
    assert validator.is_valid({"token": "t", "code": "C", "loyalty_id": 1, "expire_date": "2024-08-10T08:00:00Z"})


# --- broken copies are rejected with their location --------------------------------------------


def _broken(tmp_path: Path, edit: Any) -> Path:
    document = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    edit(document)
    target = tmp_path / "openapi.yaml"
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


def _set(document: dict[str, Any], pointer: list[Any], value: Any) -> None:
    node = document
    for key in pointer[:-1]:
        node = node[key]
    node[pointer[-1]] = value


ATTACH = ["paths", "/api/v1.1/promocodes/attach", "post"]


@pytest.mark.parametrize(
    "edit,pointer,words",
    [
        (
            lambda d: _set(d, ["components", "schemas", "AttachRequest", "properties", "code", "$ref"], "#/nowhere"),
            "/components/schemas/AttachRequest/properties/code/$ref",
            "points to nothing",
        ),
        (
            lambda d: _set(d, [*ATTACH, "responses"], "none"),
            "/paths/~1api~1v1.1~1promocodes~1attach/post/responses",
            "not valid OpenAPI",
        ),
        (
            lambda d: _set(d, [*ATTACH, "x-rules", 0, "given", "code"], "stolen"),
            "/paths/~1api~1v1.1~1promocodes~1attach/post/x-rules/0/given/code",
            "vocabulary",
        ),
        (
            lambda d: _set(d, [*ATTACH, "x-rules", 2, "expect", "effects"], ["code_teleported"]),
            "/paths/~1api~1v1.1~1promocodes~1attach/post/x-rules/2/expect/effects/0",
            "vocabulary",
        ),
        (
            lambda d: _set(d, ["x-rules", 0, "operations"], ["attach", "delete_everything"]),
            "/x-rules/0/operations",
            "delete_everything",
        ),
        (
            lambda d: _set(d, [*ATTACH, "x-rules", 1, "id"], "attach.code-attached-restricted"),
            "/paths/~1api~1v1.1~1promocodes~1attach/post/x-rules/1/id",
            "already used",
        ),
        (
            lambda d: _set(d, [*ATTACH, "x-rules", 6, "expect", "error_code"], 400),
            "/paths/~1api~1v1.1~1promocodes~1attach/post/x-rules/6/status",
            "vocabulary",
        ),
    ],
)
def test_broken_copy_is_rejected_naming_the_location(tmp_path: Path, edit: Any, pointer: str, words: str) -> None:
    path = _broken(tmp_path, edit)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.pointer == pointer
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_invalid_yaml_is_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text("openapi: 3.1.0\npaths: {\n  broken", encoding="utf-8")
    with pytest.raises(SpecError, match=r"invalid YAML \(line \d+"):
        load_spec(path)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(tmp_path / "nope.yaml")


def test_every_operation_declares_what_success_means() -> None:
    spec = load_spec()
    assert set(spec.success) == set(spec.operations)
    terms = set(postcondition_terms())
    for success in spec.success.values():
        assert success.postconditions and set(success.postconditions) <= terms
    readme = (REPO_ROOT / "spec" / "README.md").read_text(encoding="utf-8")
    for term in terms:
        assert f"`{term}`" in readme, f"spec/README.md does not explain the postcondition {term}"


def test_x_success_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    document = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    document["paths"]["/api/v1.1/promocodes/get"]["post"]["x-success"]["postconditions"] = ["made_up"]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(SpecError, match="x-success breaks the vocabulary"):
        load_spec(path)
