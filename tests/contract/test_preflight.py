"""The preflight: a target file that is wrong about the server stops the run with one message, exit 4, no test run;
a server that breaks the contract in the preflight's reads fails the run (exit 1) with the evidence."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from contract_tests.client import Client
from contract_tests.diagnosis import ServerFault
from contract_tests.harness import MOCK_TARGET, run_suite, serving_mock, write_target
from contract_tests.preflight import PreflightError, preflight
from contract_tests.target import Target, load_target
from mock_server.serve import start_background
from promo_spec import load_spec

TOKEN = "preflight-token-not-a-secret"
STOPS_WITHIN = 90.0  # seconds for a run the preflight stops: generous, a busy machine must not fail a healthy run


def _run_suite(target: Path, work: Path, token: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    run = run_suite(target, work, env={"ALTCRAFT_TOKEN": token})
    return run, time.monotonic() - started


def _stopped_with(run: subprocess.CompletedProcess[str], says: str) -> str:
    """The run stopped before any test with exit 4 and one message; return it."""
    assert run.returncode == 4, run.stdout[-2000:] + run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, run.stderr
    assert says in run.stderr, run.stderr
    assert not re.search(r"\d+ (passed|failed|error)", run.stdout), run.stdout
    return run.stderr


def test_a_wrong_token_stops_the_run_in_seconds(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        target = write_target(server.url, tmp_path / "target.yaml")
        run, seconds = _run_suite(target, tmp_path, "not-the-token")
    message = _stopped_with(run, "the token in $ALTCRAFT_TOKEN is not accepted")
    assert "export the API token in ALTCRAFT_TOKEN" in message
    assert "not-the-token" not in run.stdout + run.stderr  # masked like the real token
    # no test ran (_stopped_with); the bound only catches a run waiting out request timeouts, and is generous:
    # interpreter start and imports alone took 15 s while other suites loaded this 2-core machine
    assert seconds < STOPS_WITHIN


def test_a_closed_port_stops_the_run(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port the OS just handed out, closed again: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = write_target(f"http://127.0.0.1:{port}", tmp_path / "target.yaml")
    run, seconds = _run_suite(target, tmp_path, TOKEN)
    message = _stopped_with(run, f"cannot reach the server at http://127.0.0.1:{port}")
    assert "check base_url in" in message
    assert seconds < STOPS_WITHIN


def test_a_missing_program_stops_the_run(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        target = write_target(server.url, tmp_path / "target.yaml")
        target.write_text(target.read_text(encoding="utf-8").replace("universal: 12", "universal: 99"), "utf-8")
        run, _ = _run_suite(target, tmp_path, TOKEN)
    _stopped_with(run, "loyalty_programs.universal: program 99 is not found")


def _target(url: str, tmp_path: Path, *changes: tuple[str, str]) -> tuple[Client, Target]:
    text = MOCK_TARGET.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = write_target(url, tmp_path / "t.yaml")
    path.write_text(re.sub(r"(?m)^base_url:.*$", f"base_url: {url}", text), encoding="utf-8")
    target = load_target(path, environ={"ALTCRAFT_TOKEN": TOKEN})
    return Client(url, TOKEN, load_spec()), target


def test_an_exhausted_program_with_a_free_code_is_refused(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        swapped = (("exhausted: 13", "exhausted: 12"), ("universal: 12", "universal: 13"))
        client, target = _target(server.url, tmp_path, *swapped)
        with pytest.raises(PreflightError, match=r"loyalty_programs.exhausted: program 12 has 8 free code\(s\)"):
            preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-x")


def test_a_profile_not_found_by_an_identifier_is_named(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        client, target = _target(server.url, tmp_path, ('phone: "+79000000002"', 'phone: "+79000000099"'))
        with pytest.raises(PreflightError) as caught:
            preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-x")
        message = str(caught.value)
        assert message.startswith(
            "profiles[1] (65a1f0c2e4b0a1b2c3d4e5f2): no profile of db_id 1 is found by phone '+79000000099'"
        )
        assert message.endswith("fix the identifier in the target file")
        assert len(message.splitlines()) == 1  # the other identifiers of that profile, and the other profiles, are fine
        # the check leaves its code free: the next preflight reuses it instead of importing another
        codes = client.call("export_all", {"loyalty_id": 11}).data
        mine = [c for c in codes if c["code"].startswith("ct261130000000abcd")]
        assert len(mine) == 1 and not mine[0].get("attached")


@pytest.mark.parametrize(
    ("changes", "hint"),
    [
        # every phone of the file missed, the other identifiers found: the phones, or the server's phone matching
        (
            tuple((f'phone: "+7900000000{n}"', f'phone: "+7900000009{n}"') for n in (1, 2, 3)),
            "no profile is found by phone, while every profile is found by the other identifiers: if the phone "
            "identifiers in the target file are right, the server's matching by phone is broken",
        ),
        # nothing found by anything: the db_id, or the server's matching
        ((("db_id: 1", "db_id: 3"),), "no profile is found by any identifier: check db_id (3)"),
    ],
)
def test_refusals_with_a_pattern_say_what_else_may_be_wrong(
    changes: tuple[tuple[str, str], ...], hint: str, tmp_path: Path
) -> None:
    with start_background(port=0, token=TOKEN) as server:
        client, target = _target(server.url, tmp_path, *changes)
        with pytest.raises(PreflightError) as caught:
            preflight(client, target, where="t.yaml", new_code="ct261130000000abce-x")
        lines = str(caught.value).splitlines()
        assert lines[-1].startswith(hint), lines[-1]
        assert all(line.endswith("fix the identifier in the target file") for line in lines[:-1])


def test_a_single_wrong_identifier_gets_no_pattern_hint(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        client, target = _target(server.url, tmp_path, ('phone: "+79000000001"', 'phone: "+79000000091"'))
        with pytest.raises(PreflightError) as caught:
            preflight(client, target, where="t.yaml", new_code="ct261130000000abcf-x")
        assert "broken" not in str(caught.value)


def test_a_good_target_passes_and_reuses_an_earlier_runs_free_code(tmp_path: Path) -> None:
    with start_background(port=0, token=TOKEN) as server:
        client, target = _target(server.url, tmp_path)
        first = preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-first")
        second = preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-second")
        assert first.sizes() == {11: 8, 12: 8, 13: 2}
        assert second.sizes() == {11: 9, 12: 8, 13: 2}  # the first run's code, and no second one
        assert "every profile found by each identifier" in second.notes[0]
        assert "ct261130000000abcd-first" in second.notes[0]


# --- server faults are contract violations (exit 1), not target-file problems (exit 4) ---------------------------

# each fault is an example of issue 18 that the preflight used to blame on the target file, and what it said then
SERVER_FAULTS = {
    "attach-http-500": ("[preflight] an HTTP 5xx answer", "answered HTTP 500", "fix the identifier"),
    "json-requests-refused": (
        "[preflight] a valid request refused",
        "served when the same request is sent as XML",
        "is not accepted",
    ),
    "error-as-string": (
        "[preflight] a broken envelope",
        "'0' is not of type 'integer'",
        "token not accepted or program",
    ),
    "export-other-program": (
        "[preflight] contradicting answers",
        "export_all of program 13 lists 'P11-0001' as a free",
        "has 8 free code(s)",
    ),
}


# one in the developer's loop (make unit); the others in make slow (make power runs all four too)
@pytest.mark.parametrize(
    "fault", [f if f == "attach-http-500" else pytest.param(f, marks=pytest.mark.slow) for f in sorted(SERVER_FAULTS)]
)
def test_a_server_fault_in_the_preflight_is_a_contract_failure(fault: str, tmp_path: Path) -> None:
    kind, evidence, old_blame = SERVER_FAULTS[fault]
    with serving_mock((fault,), token=TOKEN) as url:
        target = write_target(url, tmp_path / "target.yaml")
        run, _ = _run_suite(target, tmp_path, TOKEN)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert kind in run.stdout and evidence in run.stdout
    assert old_blame not in run.stdout + run.stderr  # the target file is not blamed
    assert "look at the server" in run.stdout and "evidence 1:" in run.stdout
    assert "1 failed, " in run.stdout and " deselected" in run.stdout  # no test ran against the broken server
    assert TOKEN not in run.stdout + run.stderr
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert 'name="test_preflight"' in junit and kind in junit
    report = json.loads((tmp_path / "reports" / "contract-report.json").read_text(encoding="utf-8"))
    assert report["failures"][0]["test"] == "test_preflight" and "[preflight]" in report["failures"][0]["oracles"]


def test_a_server_refusing_every_request_alike_is_not_a_token_problem(tmp_path: Path) -> None:
    # JSON and XML both refused with 400: a request without any token gets the same 400, not the documented 401
    with start_background(
        port=0, token=TOKEN, faults=frozenset({"json-requests-refused", "xml-request-rejected"})
    ) as s:
        client, target = _target(s.url, tmp_path)
        with pytest.raises(ServerFault) as caught:
            preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-x")
    message = caught.value.message
    assert message.startswith("[preflight] a refusal that does not depend on the token: export_all answers error 400")
    assert "the docs give 401 'API token required' (rule auth.token-missing)" in message
    assert TOKEN not in message and message.count("evidence ") == 2


def test_a_wrong_token_is_still_the_target_files(tmp_path: Path) -> None:
    # the faithful mock refuses a made-up token and the target's alike, and a missing token with 401
    with start_background(port=0, token=TOKEN) as server:
        client = Client(server.url, "not-the-token", load_spec())
        _, target = _target(server.url, tmp_path)
        with pytest.raises(PreflightError, match=r"the token in \$ALTCRAFT_TOKEN is not accepted"):
            preflight(client, target, where="t.yaml", new_code="ct261130000000abcd-x")
