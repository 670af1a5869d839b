"""The target file's ``api_version``: the suite loads that version, tries both token placements on v74, masks both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.harness import MOCK_TARGET, ROOT, run_suite, serving_mock, write_target
from contract_tests.target import TargetError, parse_target

CANARY = "CANARY-b41e-header-token"


def _mock_target(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MOCK_TARGET.read_text(encoding="utf-8"))
    data.update(extra)
    return data


def test_absent_means_72_and_74_is_read() -> None:
    env = {"ALTCRAFT_TOKEN": "t"}
    assert parse_target(_mock_target(), where="t.yaml", environ=env).api_version == "72"
    assert parse_target(_mock_target(api_version="74"), where="t.yaml", environ=env).api_version == "74"


@pytest.mark.parametrize("value", ["73", 74, "", None])
def test_unknown_version_is_one_message_listing_the_known(value: Any) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(_mock_target(api_version=value), where="t.yaml", environ={"ALTCRAFT_TOKEN": "t"})
    assert str(caught.value) == (
        f"target file t.yaml: 'api_version' must be one of the versions the project describes ('72', '74'), "
        f"as a string, not {value!r}"
    )


def test_the_suite_stops_on_an_unknown_version(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text(yaml.safe_dump(_mock_target(api_version="73")), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "contract_tests", "--target", str(target), "-o", "testpaths=contract_tests",
         "-p", "no:cacheprovider", "-q"],
        cwd=ROOT, env=dict(os.environ, ALTCRAFT_TOKEN="t"), capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 4  # pytest's usage error
    assert "'api_version' must be one of the versions the project describes ('72', '74')" in run.stderr


def _run(tmp_path: Path, name: str, faults: tuple[str, ...], *extra: str) -> subprocess.CompletedProcess[str]:
    work = tmp_path / name
    work.mkdir()
    with serving_mock(faults, token=CANARY, api_version="74") as url:
        target = write_target(url, work / "target.yaml", api_version="74")
        return run_suite(target, work, *extra, env={"ALTCRAFT_TOKEN": CANARY})


@pytest.mark.slow
def test_v74_suite_passes_the_v74_mock_trying_both_placements(tmp_path: Path) -> None:
    run = _run(tmp_path, "pass", (), "-k", "auth or attach.code-free or import.codes-new", "-rA")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "auth.header-token[get-json-json]" in run.stdout
    assert "auth.header-valid-body-wrong[export_all-xml-xml]" in run.stdout


def test_ordinary_rules_send_the_token_in_the_header_too(tmp_path: Path) -> None:
    # A mock that ignores the header fails rules that are not about auth: their requests carry the token there.
    run = _run(tmp_path, "placement", ("auth-header-ignored",), "-k", "test_rule and not auth", "--maxfail=1")
    assert run.returncode == 1, run.stdout[-3000:]
    assert "expected error 0, got 401" in run.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["auth-header-ignored", "auth-header-any-token", "auth-header-some-operations"])
def test_each_v74_auth_fault_is_caught_and_the_header_token_stays_masked(tmp_path: Path, fault: str) -> None:
    # a fixed seed: which three failures come first (and so whether one shows the header) must not vary by run
    run = _run(tmp_path, fault, (fault,), "-k", "auth", "--maxfail=3", "-v", "-rA", "--hypothesis-seed", "1")
    assert run.returncode == 1, run.stdout[-3000:]
    assert "Authorization: Bearer ***" in run.stdout, "failures should show the header with the token masked"
    outputs = [run.stdout, run.stderr]
    outputs += [p.read_text(encoding="utf-8") for p in sorted((tmp_path / fault).rglob("*")) if p.is_file()]
    for secret in (CANARY, CANARY[:-1], CANARY + "x"):
        assert not [text for text in outputs if secret in text], f"{secret[:6]}… leaked"
