"""Target-file validation: every bad file gives one message saying what to fix."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.target import TargetError, load_target, parse_target
from mock_server.serve import RunningServer

GOOD: dict[str, Any] = {
    "base_url": "http://127.0.0.1:8080",
    "token_env": "CT_TOKEN",
    "db_id": 1,
    "profiles": [
        {
            "profile_id": "p1",
            "email": "a@example.com",
            "phone": "+1",
            "custom": {"field_name": "CRM_ID", "field_value": "A"},
        },
        {
            "profile_id": "p2",
            "email": "b@example.com",
            "phone": "+2",
            "custom": {"field_name": "CRM_ID", "field_value": "B"},
        },
    ],
    "loyalty_programs": {"personal": 11, "universal": 12, "exhausted": 13},
}
ENV = {"CT_TOKEN": "secret"}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_the_documented_shape_loads() -> None:
    target = parse_target(GOOD, where="t.yaml", environ=ENV)
    assert target.token == "secret"
    assert target.programs == (11, 12, 13)
    assert target.loopback
    assert "secret" not in repr(target)


def test_exhausted_is_optional() -> None:
    data = _with(loyalty_programs={"personal": 1, "universal": 2})
    assert parse_target(data, where="t.yaml", environ=ENV).exhausted is None


@pytest.mark.parametrize(
    ("data", "env", "says"),
    [
        (_with(db_id=None), ENV, "missing key(s) db_id"),
        (_with(db_id="1"), ENV, "'db_id' must be an integer"),
        (_with(db_id=True), ENV, "'db_id' must be an integer"),
        (_with(token_env=None), ENV, "missing key(s) token_env"),
        (GOOD, {}, "environment variable CT_TOKEN"),
        (_with(base_url="127.0.0.1:8080"), ENV, "'base_url' must be scheme://host[:port]"),
        (_with(base_url="http://127.0.0.1:8080/api"), ENV, "no path"),
        (_with(base_url="https://staging.example.com"), ENV, "allow_remote: true"),
        (_with(profiles=[GOOD["profiles"][0]]), ENV, "two or more"),
        (_with(profiles=[GOOD["profiles"][0], {"profile_id": "x"}]), ENV, "profiles[1]' lacks email, phone, custom"),
        (_with(profiles=[GOOD["profiles"][0], GOOD["profiles"][0]]), ENV, "profile_id repeats"),
        (_with(loyalty_programs={"personal": 11}), ENV, "lacks universal: add loyalty_programs.universal"),
        (
            _with(loyalty_programs={"personal": 11, "universal": "12"}),
            ENV,
            "loyalty_programs.universal' must be an integer",
        ),
        (_with(loyalty_programs={"personal": 11, "universal": 11}), ENV, "different programs"),
        (
            _with(surprise=1),
            ENV,
            "'surprise' is not a key of the target file; allowed: allow_remote, api_version, base_url",
        ),
        (_with(request_budget=0), ENV, "request_budget"),
        (_with(rate_limit_per_second=-1), ENV, "rate_limit_per_second"),
        (_with(xml_content_type="application/json"), ENV, "'xml_content_type' must be an XML media type"),
        (_with(xml_content_type=7), ENV, "'xml_content_type' must be an XML media type"),
        ([1, 2], ENV, "must be a YAML mapping"),
        (
            _with(program_settings={"universel": {"creates_codes": False}}),
            ENV,
            "'program_settings.universel' is not a key of the target file (did you mean 'universal'?)",
        ),
        (
            _with(program_settings={"personal": {"creates_codes": "no"}}),
            ENV,
            "'program_settings.personal.creates_codes' must be true or false",
        ),
        (
            _with(loyalty_programs={"personal": 1, "universal": 2}, program_settings={"exhausted": {}}),
            ENV,
            "'program_settings' names exhausted, but 'loyalty_programs' names no exhausted program",
        ),
    ],
)
def test_bad_files_say_what_to_fix(data: Any, env: dict[str, str], says: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(data, where="t.yaml", environ=env)
    assert says in str(caught.value)
    assert str(caught.value).startswith("target file t.yaml")


def test_program_settings_are_optional_and_default_to_the_english_page() -> None:
    plain = parse_target(GOOD, where="t", environ=ENV)
    assert all(plain.creates_codes(p) for p in (11, 12, 13, 99))
    declared = _with(program_settings={"universal": {"creates_codes": False}, "personal": {"creates_codes": True}})
    target = parse_target(declared, where="t", environ=ENV)
    assert (target.creates_codes(11), target.creates_codes(12), target.creates_codes(13)) == (True, False, True)
    assert parse_target(_with(program_settings={"exhausted": {}}), where="t", environ=ENV).no_creation == frozenset()


def test_xml_content_type_is_optional_and_used_for_xml_bodies(shared_mock: RunningServer) -> None:
    from contract_tests.client import Client
    from promo_spec import load_spec
    from tests.conftest import SHARED_TOKEN

    assert parse_target(GOOD, where="t", environ=ENV).xml_content_type == "application/xml"
    target = parse_target(_with(xml_content_type="text/xml; charset=utf-8"), where="t", environ=ENV)
    assert target.xml_content_type == "text/xml; charset=utf-8"
    client = Client(shared_mock.url, SHARED_TOKEN, load_spec(), xml_type=target.xml_content_type)
    exchange = client.call("export_all", {"loyalty_id": 11, "format": "xml"}, body_format="xml")
    assert exchange.request_headers["Content-Type"] == "text/xml; charset=utf-8"
    assert exchange.error == 0, exchange.decode_error


def test_remote_allowed_when_opted_in() -> None:
    target = parse_target(_with(base_url="https://staging.example.com", allow_remote=True), where="t", environ=ENV)
    assert not target.loopback


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read it"):
        load_target(tmp_path / "absent.yaml", environ=ENV)
    bad = tmp_path / "bad.yaml"
    bad.write_text("base_url: [", encoding="utf-8")
    with pytest.raises(TargetError, match="invalid YAML"):
        load_target(bad, environ=ENV)


def test_shipped_examples_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "contract_tests" / "targets"
    for name in ("mock.yaml", "staging.example.yaml"):
        data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
        parse_target(data, where=name, environ={data["token_env"]: "t"})


def test_near_miss_tokens_differ_from_the_token_and_are_never_empty() -> None:
    assert parse_target(GOOD, where="t", environ=ENV).near_miss_tokens == ("secretx", "secre")
    assert parse_target(GOOD, where="t", environ={"CT_TOKEN": "k"}).near_miss_tokens == ("kx",)


def test_a_typo_gets_the_closest_key() -> None:
    data = _with(base_url=None)
    data["base_ur"] = GOOD["base_url"]
    with pytest.raises(TargetError) as caught:
        parse_target(data, where="t.yaml", environ=ENV)
    first = str(caught.value).splitlines()[0]
    assert first == (
        "target file t.yaml: 'base_ur' is not a key of the target file (did you mean 'base_url'?); allowed: "
        "allow_remote, api_version, base_url, db_id, loyalty_programs, name, profiles, program_settings, "
        "rate_limit_per_second, request_budget, timeout_seconds, token_env, xml_content_type"
    )
    assert "also: missing key(s) base_url" in str(caught.value)


def test_a_nested_typo_and_every_problem_are_named() -> None:
    data = copy.deepcopy(GOOD)
    data["profiles"][1]["emial"] = data["profiles"][1].pop("email")
    data["db_id"] = "one"
    with pytest.raises(TargetError) as caught:
        parse_target(data, where="t.yaml", environ=ENV)
    lines = str(caught.value).splitlines()
    assert "'profiles[1].emial' is not a key of the target file (did you mean 'email'?)" in lines[0]
    assert "also: 'profiles[1]' lacks email: add profiles[1].email" in lines[1]
    assert "also: 'db_id' must be an integer, not 'one'" in lines[2]


def test_name_labels_the_target() -> None:
    target = parse_target(_with(name="staging EU"), where="t.yaml", environ=ENV)
    assert target.label == "staging EU (http://127.0.0.1:8080)"
    assert parse_target(GOOD, where="t.yaml", environ=ENV).label == "t.yaml (http://127.0.0.1:8080)"
    with pytest.raises(TargetError, match="'name' must be a non-empty string"):
        parse_target(_with(name=" "), where="t.yaml", environ=ENV)


def test_every_key_of_the_schema_is_documented() -> None:
    from contract_tests.target import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    keys = set(schema["properties"]) | set(schema["properties"]["loyalty_programs"]["properties"])
    keys |= set(schema["$defs"]["profile"]["properties"]) | {"field_name", "field_value"}
    keys |= set(schema["$defs"]["settings"]["properties"])
    root = Path(__file__).resolve().parents[2]
    readme = (root / "contract_tests" / "README.md").read_text(encoding="utf-8")
    example = (root / "contract_tests" / "targets" / "staging.example.yaml").read_text(encoding="utf-8")
    for key in sorted(keys):
        assert f"`{key}`" in readme, f"contract_tests/README.md does not document {key}"
        assert f"{key}:" in example, f"staging.example.yaml does not show {key}"
