"""A server that stops answering is a tool error, not a contract violation: the test is an ERROR, the run exits 6
(or 1 when a contract failure was found too), the report lists it apart from the failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from defusedxml.ElementTree import parse as parse_xml_file

from contract_tests.errors import TOOL_ERROR_EXIT, ToolError, TransportError
from contract_tests.harness import run_suite, serving_mock, write_target

TOKEN = "tool-error-token"
ACTIVATE_CASE = "activate.code-attached[json-json]"  # its request (activate) is the one the proxy never answers
FAILING_CASE = "auth.token-wrong[get-json-json]"  # fails against the mock with the fault auth-any-token
SLOW = 60.0  # seconds the proxy holds an activate in "timeout" mode: far beyond the target's timeout_seconds


@contextmanager
def unanswering_proxy(upstream: str, mode: str, unanswered: str = "/activate") -> Iterator[str]:
    """A proxy to ``upstream`` that answers every request but one operation's (activate): that one it closes
    unanswered (``mode="close"``) or holds past the client's timeout (``mode="timeout"``)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.endswith(unanswered):
                if mode == "timeout":
                    time.sleep(SLOW)
                self.close_connection = True
                return  # nothing written: the connection closes without an answer
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
            answer = requests.post(upstream + self.path, data=body, headers=headers, timeout=60)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run(tmp_path: Path, mode: str, faults: tuple[str, ...], *cases: str) -> tuple[int, str, dict[str, object], str]:
    with serving_mock(faults, token=TOKEN) as url, unanswering_proxy(url, mode) as proxied:
        target = write_target(proxied, tmp_path / "target.yaml")
        if mode == "timeout":
            target.write_text(target.read_text(encoding="utf-8") + "timeout_seconds: 8\n", encoding="utf-8")
        selected = " or ".join(f"test_rule and {case}" for case in cases)
        run = run_suite(target, tmp_path, "-k", selected, "-p", "no:randomly", env={"ALTCRAFT_TOKEN": TOKEN})
    report = json.loads((tmp_path / "reports" / "contract-report.json").read_text(encoding="utf-8"))
    junit = parse_xml_file(tmp_path / "junit.xml").getroot()
    properties = " ".join(f"{p.get('name')}={p.get('value')}" for p in junit.iter("property"))
    return run.returncode, run.stdout, report, properties


def test_transport_errors_are_tool_errors_not_assertions() -> None:
    assert issubclass(TransportError, ToolError)
    assert not issubclass(TransportError, AssertionError)  # no check's `except AssertionError` can take it


def test_a_connection_closed_unanswered_is_an_error_and_exit_6(tmp_path: Path) -> None:
    code, out, report, properties = _run(tmp_path, "close", (), ACTIVATE_CASE)
    assert code == TOOL_ERROR_EXIT, out
    assert f"ERROR contract_tests/test_rules.py::test_rule[{ACTIVATE_CASE}]" in out, out
    assert "FAILED" not in out, out
    assert "TOOL ERRORS: 1 test(s)" in out, out
    assert report["failures"] == [], report["failures"]
    assert [e["test"] for e in report["tool_errors"]] == [f"test_rule[{ACTIVATE_CASE}]"]  # type: ignore[index]
    assert "tool_error=" in properties and "sent again on a new connection" in properties, properties


def test_a_timeout_is_an_error_and_a_contract_failure_still_exits_1(tmp_path: Path) -> None:
    code, out, report, _ = _run(tmp_path, "timeout", ("auth-any-token",), ACTIVATE_CASE, FAILING_CASE)
    assert code == 1, out  # a contract failure was found: that is the verdict
    assert f"ERROR contract_tests/test_rules.py::test_rule[{ACTIVATE_CASE}]" in out, out
    assert f"FAILED contract_tests/test_rules.py::test_rule[{FAILING_CASE}]" in out, out
    assert [e["test"] for e in report["tool_errors"]] == [f"test_rule[{ACTIVATE_CASE}]"]  # type: ignore[index]
    assert "Timeout" in str(report["tool_errors"]), report["tool_errors"]
    assert [f["test"] for f in report["failures"]] == [f"test_rule[{FAILING_CASE}]"]  # type: ignore[index]


def test_a_server_that_stops_answering_in_the_preflight_is_a_tool_error_not_the_target_file(tmp_path: Path) -> None:
    # export_all answers (the file is right about base_url, token and programs); the profile check's attach does not
    with serving_mock((), token=TOKEN) as url, unanswering_proxy(url, "close", "/attach") as proxied:
        target = write_target(proxied, tmp_path / "target.yaml")
        run = run_suite(target, tmp_path, env={"ALTCRAFT_TOKEN": TOKEN})
    assert run.returncode == TOOL_ERROR_EXIT, run.stdout[-2000:] + run.stderr[-2000:]
    assert "the server stopped answering during the preflight" in run.stderr, run.stderr
    assert "sent again on a new connection" in run.stderr, run.stderr
    assert "fix the target file" not in run.stdout + run.stderr  # not blamed on the file (exit 4)
    assert TOKEN not in run.stdout + run.stderr
