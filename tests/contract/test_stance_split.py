"""A stance is not a requirement: the negative checks require refusal only of requests that break a documented
constraint, and record the answer to requests that break only a stance the spec takes (``x-stances``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from contract_tests import api_checks
from contract_tests.exchange import Masker
from contract_tests.harness import run_suite
from contract_tests.report import Report
from contract_tests.stance_edges import probes_of
from contract_tests.validity import clear_violations, verdict
from promo_spec import load_spec
from promo_spec.errors import SpecError
from promo_spec.loader import Spec
from tests.contract.many_seeds import SECOND_TOKEN, second_server

SPEC = load_spec()
ATTACH, GET = SPEC.request_validators["attach"], SPEC.request_validators["get"]
BASE = {"token": "t", "db_id": 1, "loyalty_id": 11}
# the 2020 attach example: profile_id and no matching (the spec's stance 11 reads it as email mode without email)
OLD_EXAMPLE = {**BASE, "code": "CODE-12345", "profile_id": "abcdefghijklmnqrstuvwxyz"}


@pytest.mark.parametrize(
    ("validator", "body", "stances"),
    [
        (ATTACH, OLD_EXAMPLE, (11,)),
        (GET, {**BASE, "code": "C", "format": 0}, (1,)),  # format is typed int on four pages
        (GET, {**BASE, "code": "C", "format": "csv"}, (1,)),  # no page lists the values
        (ATTACH, {**BASE, "matching": "email_profile", "email": "a@b.c"}, (13,)),  # the RU attach page
        (ATTACH, {**BASE, "matching": "custom", "field_name": "CRM_ID", "field_value": 7}, (12,)),
    ],
)
def test_a_request_breaking_only_a_stance_is_not_clearly_invalid(validator: Any, body: Any, stances: Any) -> None:
    judged = verdict(validator, body)
    assert judged.documented == ()
    assert judged.stance_numbers == stances
    assert clear_violations(validator, body) == []


@pytest.mark.parametrize(
    ("validator", "body"),
    [
        (GET, {**BASE, "code": "C", "format": True}),  # a boolean format: on no page
        (GET, {**BASE, "code": "C", "format": ["json"]}),
        (ATTACH, {**BASE, "matching": "nickname", "email": "a@b.c"}),  # a mode on no page
        (ATTACH, BASE),  # no matching and no identifier at all: every reading refuses
        (ATTACH, {**BASE, "matching": "email", "profile_id": "p"}),  # explicit email mode without email
        (ATTACH, {**BASE, "matching": "custom", "field_name": "CRM_ID", "field_value": True}),
    ],
)
def test_a_documented_constraint_beside_a_stance_is_still_clear(validator: Any, body: Any) -> None:
    judged = verdict(validator, body)
    assert judged.documented, body
    assert clear_violations(validator, body) == list(judged.documented)


def _check(op: str, sent: dict[str, Any], envelope: dict[str, Any]) -> Report:
    """Run Schemathesis' envelope_matches_input on one answered request, as test_api does; return the report."""
    report = Report(target="t", prefix="p", seed="1", profile="default", mask=Masker())
    suite = SimpleNamespace(spec=SPEC, target=SimpleNamespace(token="t", programs=(11, 12)), report=report)
    response = SimpleNamespace(request=SimpleNamespace(method="POST"))
    reading = api_checks._Reading(suite)  # type: ignore[arg-type]
    reading.last = (response, api_checks._Answer(suite, op, sent, envelope, ""))  # type: ignore[arg-type]
    api_checks.envelope_matches_input(None, response, None, reading=reading)  # type: ignore[arg-type]
    return report


SUCCESS = {"data": None, "error": 0, "error_text": "Successful operation"}


def test_schemathesis_records_a_success_to_the_2020_example_instead_of_failing() -> None:
    # the false alarm: a faithful server that reads profile_id without matching attached the code (error 0)
    report = _check("attach", OLD_EXAMPLE, SUCCESS)
    [seen] = report.stance_outcomes()
    assert (seen.operation, seen.rule, seen.error) == ("attach", "stance 11", 0)
    assert "email" in seen.changes
    markdown = report.markdown()
    assert "## Requests invalid only under a stance" in markdown
    assert "| attach | stance 11 |" in markdown
    assert report.as_dict()["stance_outcomes"][0]["rule"] == "stance 11"


def test_schemathesis_still_fails_a_success_to_a_documented_violation() -> None:
    said = r"\[rule request.invalid\] a request that breaks a documented constraint got error 0 \(get: format: True"
    with pytest.raises(AssertionError, match=said):
        _check("get", {**BASE, "code": "C", "format": True}, SUCCESS)
    refused = {"data": None, "error": 400, "error_text": "Incorrect request"}
    assert _check("get", {**BASE, "code": "C", "format": True}, refused).stance_outcomes() == []


def _spec_with(edit: Any) -> Spec:
    document = copy.deepcopy(SPEC.document)
    edit(document["components"]["schemas"])
    return Spec(SPEC.path, document)


def test_the_probes_follow_the_marks() -> None:
    ids = [p.id for p in probes_of(SPEC)]
    assert "get-format-type-stance1-documented" in ids and "attach-matching-required-stance11-stance" in ids
    unmarked = _spec_with(lambda s: s["Matching"].pop("x-stances") and s["Matching"].pop("x-also-documented-values"))
    assert not any(p.id.startswith("attach-matching-enum") for p in probes_of(unmarked))
    widened = _spec_with(lambda s: s["Format"].pop("x-also-documented-types"))
    assert "get-format-type-stance1-documented" not in [p.id for p in probes_of(widened)]


def test_a_mark_must_name_a_keyword_of_its_node_and_a_listed_stance() -> None:
    with pytest.raises(SpecError, match="stance 99 is not in the list") as caught:
        _spec_with(lambda s: s["Format"]["x-stances"].update(enum=99))
    assert caught.value.pointer == "/components/schemas/Format/x-stances/enum"
    with pytest.raises(SpecError, match="marks 'minLength', which this schema does not have"):
        _spec_with(lambda s: s["Format"]["x-stances"].update(minLength=1))
    with pytest.raises(SpecError, match="x-stances breaks the vocabulary"):
        _spec_with(lambda s: s["Format"]["x-stances"].update(type="one"))


def test_a_faithful_server_reading_the_other_side_passes_schemathesis(tmp_path: Path) -> None:
    # Reproduction: before the split every seed failed here (the coverage phase sends `format: 0`, the second
    # server reading format as the int four pages type it answers error 0, and the check demanded a refusal).
    with second_server("text-xml-http-status", tmp_path, seed="1") as target:
        run = run_suite(
            target,
            tmp_path,
            "--hypothesis-seed",
            "1",
            "-k",
            "test_api or test_stance_edge",
            env={"SECOND_SERVER_TOKEN": SECOND_TOKEN},
        )
    assert run.returncode == 0, run.stdout[-3000:]
    report = (tmp_path / "reports" / "contract-report.md").read_text(encoding="utf-8")
    section = report[report.index("## Requests invalid only under a stance") : report.index("## Wire choices")]
    assert "| import | stance 1 | format: 0 is not of type 'string' (stance 1)" in section
    outcomes = json.loads((tmp_path / "reports" / "contract-report.json").read_text(encoding="utf-8"))[
        "stance_outcomes"
    ]
    assert {(o["operation"], o["error"]) for o in outcomes if o["rule"] == "stance 1"} >= {("import", 0), ("get", 0)}
    assert "| attach | stance 11 | matching: absent, without email (another identifier sent) | 0 |" in section
    assert "| attach | stance 13 | matching: 'email_profile' (documented on another page) | 0 |" in section
