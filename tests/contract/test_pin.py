"""Schemathesis' requests pinned to the target (api_checks.pin): a code that is no string never reaches a real
program, where a server reading it as absent would draw from the pool (taking another worker's free code
unannounced) or, reading it as text, create a code outside the run's namespace."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from contract_tests.api_checks import NO_PROGRAM, pin
from contract_tests.harness import TOKEN, write_target
from contract_tests.strategies import CodeNames
from contract_tests.target import load_target
from promo_spec import load_spec


@pytest.fixture
def suite(tmp_path: Path) -> Any:
    path = write_target("http://127.0.0.1:9", tmp_path / "target.yaml")
    target = load_target(path, environ={"ALTCRAFT_TOKEN": TOKEN})
    return SimpleNamespace(target=target, names=CodeNames("ct-run-"), spec=load_spec())


ATTACH = {"loyalty_id": 1, "db_id": 1, "matching": "email", "email": "x@y.z", "token": "t"}


@pytest.mark.parametrize("code", [None, 0, 1.5, True, ["A"], {"c": "A"}])
def test_an_attach_whose_code_is_no_string_goes_to_no_program(suite: Any, code: Any) -> None:
    sent = pin({**ATTACH, "code": code}, suite, "salt", op="attach")
    assert sent["loyalty_id"] == NO_PROGRAM
    assert sent["code"] == code, "the invalid value is kept: the case stays negative"


@pytest.mark.parametrize("codes", [[0], ["A", None], "A", None, {"A": 1}])
def test_an_import_of_codes_that_are_not_strings_goes_to_no_program(suite: Any, codes: Any) -> None:
    sent = pin({"loyalty_id": 1, "codes": codes, "token": "t"}, suite, "salt", op="import")
    assert sent["loyalty_id"] == NO_PROGRAM


def test_codes_that_are_strings_go_to_a_program_of_the_target(suite: Any) -> None:
    target = suite.target
    attached = pin({**ATTACH, "code": "A"}, suite, "salt", op="attach")
    assert attached["loyalty_id"] in (target.personal, target.universal)
    assert attached["code"].startswith("ct-run-")
    drawless = pin(dict(ATTACH), suite, "salt", op="attach")  # no code at all: one of the run's, never a draw
    assert drawless["loyalty_id"] in (target.personal, target.universal) and drawless["code"].startswith("ct-run-")
    imported = pin({"loyalty_id": 1, "codes": ["A", "B"], "token": "t"}, suite, "salt", op="import")
    assert imported["loyalty_id"] in (target.personal, target.universal)
    # a code that is no string elsewhere (get, detach...) draws nothing and creates nothing: the usual program
    got = pin({"loyalty_id": 1, "code": None, "token": "t"}, suite, "salt", op="get")
    assert got["loyalty_id"] in (target.personal, target.universal)
