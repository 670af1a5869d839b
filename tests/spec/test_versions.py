"""API versions: v72 is the base file, v74 an Overlay on it; both resolve, validate and say what the facts say."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main as promo_gen
from promo_spec import SpecError, load_spec
from promo_spec.locate import SPEC_DIR
from promo_spec.overlay import apply_overlay
from promo_spec.versions import DirectorySource, GitSource, known_versions, resolve

OPS = ["import", "get", "activate", "update", "attach", "detach", "export_all"]


def test_known_versions_oldest_first() -> None:
    assert known_versions() == ["72", "74"]


@pytest.mark.parametrize("version", ["72", "74"])
def test_each_version_loads_and_validates(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMO_SPEC_CACHE", "off")  # really validate, not a cache hit
    spec = load_spec(api_version=version)
    assert spec.version == version
    assert sorted(spec.operations) == sorted(OPS)


def test_default_load_is_still_v72_file() -> None:
    spec = load_spec()
    assert spec.version == "72"
    assert spec.path == SPEC_DIR / "openapi.yaml"


def test_v72_has_no_header_auth() -> None:
    spec = load_spec(api_version="72")
    assert "securitySchemes" not in spec.document["components"]
    for op in spec.operations.values():
        assert "security" not in op.raw
        assert "token" in op.request_schema["required"]
    assert not [r for r in spec.rules if "header_token" in r.given]


def test_v74_bearer_on_every_operation_and_body_token_optional() -> None:
    spec = load_spec(api_version="74")
    scheme = spec.document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for op in spec.operations.values():
        assert {"bearerAuth": []} in op.raw["security"], op.id
        assert "token" in op.request_schema["properties"]
        assert "token" not in op.request_schema.get("required", []), op.id
        assert spec.request_validators[op.id].is_valid({"loyalty_id": 1, "code": "C", "codes": ["C"], "db_id": 1,
                                                       "email": "a@b.c", "activated": True})


@pytest.mark.parametrize(
    "given,error,behaves_as,status",
    [
        ({"token": "missing", "header_token": "valid"}, "any", "body_token", "documented"),
        ({"token": "missing", "header_token": "wrong"}, "nonzero", None, "inferred"),
        ({"token": "missing"}, "nonzero", None, "documented"),  # neither: 401
        ({"token": "valid", "header_token": "valid"}, "any", "body_token", "inferred"),
        ({"token": "valid", "header_token": "wrong"}, "any", "body_token_or_refusal", "undocumented"),
        ({"token": "wrong", "header_token": "valid"}, "any", "body_token_or_refusal", "undocumented"),
    ],
)
def test_v74_token_placement_rules_on_every_operation(
    given: dict[str, str], error: str, behaves_as: str | None, status: str
) -> None:
    spec = load_spec(api_version="74")
    for op in OPS:
        found = [r for r in spec.rules_for(op) if r.given == given]
        assert len(found) == 1, (op, given)
        rule = found[0]
        assert (rule.expect.error, rule.expect.behaves_as, rule.status) == (error, behaves_as, status)
        assert rule.expect.effects == ()
        if given == {"token": "missing"}:
            assert rule.expect.error_code == 401
            assert rule.given_value("header_token") == "absent"


def test_v74_keeps_every_v72_rule() -> None:
    old = {(r.id, r.operation) for r in load_spec(api_version="72").rules}
    new = {(r.id, r.operation) for r in load_spec(api_version="74").rules}
    assert old <= new


def test_resolve_cli_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["resolve", "--api-version", "74"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == resolve("74").document


def test_resolve_cli_defaults_to_newest_and_writes_json(tmp_path: Path) -> None:
    import json

    out = tmp_path / "v.json"
    assert promo_gen(["resolve", "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["info"]["version"] == "74"


def test_resolve_cli_unknown_version_lists_known(capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["resolve", "--api-version", "73"]) == 2
    assert "known: 72, 74" in capsys.readouterr().err


# --- the Overlay engine ------------------------------------------------------------------------


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_merges_primitives_arrays_objects() -> None:
    doc = {"a": {"x": 1, "list": [1], "obj": {"k": "v"}}, "arr": [1]}
    out = apply_overlay(doc, _overlay(
        {"target": "$.a", "update": {"x": 2, "list": [2], "obj": {"j": "w"}, "new": True}},
        {"target": "$.arr", "update": 5},
    ), path="o.yaml")
    assert out == {"a": {"x": 2, "list": [1, 2], "obj": {"k": "v", "j": "w"}, "new": True}, "arr": [1, 5]}
    assert doc == {"a": {"x": 1, "list": [1], "obj": {"k": "v"}}, "arr": [1]}  # input untouched


def test_remove_by_filter_and_wildcard() -> None:
    doc = {"s": {"A": {"required": ["token", "a", "token"]}, "B": {"required": ["b"]}}, "gone": {"x": 1}}
    out = apply_overlay(doc, _overlay(
        {"target": "$.s[*].required[?@ == 'token']", "remove": True},
        {"target": "$.gone", "remove": True},
    ), path="o.yaml")
    assert out == {"s": {"A": {"required": ["a"]}, "B": {"required": ["b"]}}}


@pytest.mark.parametrize(
    "action,pointer,words",
    [
        ({"target": "$.nowhere", "update": {"x": 1}}, "/actions/1/target", "selects nothing"),
        ({"target": "$.a[", "update": {"x": 1}}, "/actions/1/target", "invalid JSONPath"),
        ({"target": "$.a.x", "update": {"x": 1}}, "/actions/1/target", "update needs an object or an array"),
        ({"target": "$.a", "update": {"obj": 3}}, "/actions/1/update/obj", "merge a int into the dict at /a/obj"),
        ({"target": "$.a", "update": 3}, "/actions/1/update", "update must be one"),
        ({"target": "a", "update": {}}, "/actions/1/target", "not an Overlay 1.0 document"),
        ({"target": "$.a"}, "/actions/1", "not an Overlay 1.0 document"),
        ({"target": "$", "remove": True}, "/actions/1/target", "whole document"),
    ],
)
def test_bad_action_is_located(action: dict[str, Any], pointer: str, words: str) -> None:
    doc = {"a": {"x": 1, "obj": {"k": 1}}}
    with pytest.raises(SpecError) as caught:
        apply_overlay(doc, _overlay({"target": "$.a", "update": {"y": 1}}, action), path="v/75.overlay.yaml")
    assert (caught.value.path, caught.value.pointer) == ("v/75.overlay.yaml", pointer)
    assert words in caught.value.message


def _spec_copy(tmp_path: Path) -> Path:
    root = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, root)
    return root


def test_broken_overlay_file_is_located_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _spec_copy(tmp_path)
    overlay = root / "versions" / "74.overlay.yaml"
    overlay.write_text(overlay.read_text().replace("$.paths.*.post", "$.paths.*.pots"))
    with pytest.raises(SpecError) as caught:
        resolve("74", DirectorySource(root))
    assert caught.value.path == str(overlay)
    assert caught.value.pointer == "/actions/2/target"
    assert "'$.paths.*.pots' selects nothing" in caught.value.message


def test_overlay_must_set_its_version(tmp_path: Path) -> None:
    root = _spec_copy(tmp_path)
    later = _overlay({"target": "$.info", "update": {"x-a": 1}})
    (root / "versions" / "75.overlay.yaml").write_text(yaml.safe_dump(later))
    assert known_versions(DirectorySource(root)) == ["72", "74", "75"]
    with pytest.raises(SpecError, match="must set it to '75'"):
        resolve("75", DirectorySource(root))


def test_resolve_at_a_git_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SPEC_DIR, repo / "spec")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    (repo / "spec" / "versions" / "74.overlay.yaml").unlink()
    source = GitSource("HEAD", repo=repo)
    assert known_versions(source) == ["72", "74"]
    assert known_versions(DirectorySource(repo / "spec")) == ["72"]
    assert resolve("74", source).document == resolve("74").document
    with pytest.raises(SpecError, match="git cannot read it"):
        GitSource("no-such-rev", repo=repo).read("openapi.yaml")
