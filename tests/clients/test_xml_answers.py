"""Both generated clients read XML answers by the same rules, and refuse hostile XML the same way.

A canned server answers each case's bytes. A readable case has a JSON twin: each client must resolve
the XML answer to exactly what it resolves the twin to, and both clients must agree (children in any
order, ``<x/>`` and ``<x></x>``, ``<data/>`` as null, one repeated element as a list of one, entities,
CDATA, a 20,000-code listing). A hostile or broken case must be refused by both clients with a
ResponseError: the Python client (defusedxml) is the reference, and the TypeScript client must say the
same (the same text, or for malformed XML the same "malformed XML:" opening; the parsers word the
detail differently).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from generator.ir import Api
from generator.parse import build
from promo_spec import load_spec
from promo_spec.versions import known_versions
from tests.clients.harness import (
    HERE as HARNESS_DIR,
)
from tests.clients.harness import (
    REPO,
    RUN_TIMEOUT,
    canonical,
    python_call,
    run_plan,
    tree,
    typescript_call,
)

TOKEN = "canned-answer-token"
GET = {"op": "get", "args": {"code": "X13-0001", "loyalty_id": 13}}
EXPORT = {"op": "export_all", "args": {"loyalty_id": 13}}
IMPORT = {"op": "import", "args": {"codes": ["A-1"], "loyalty_id": 11}}
INFO: dict[str, Any] = {
    "activated": "",
    "attached": "2024-04-02T10:00:00Z",
    "code": "X13-0001",
    "created": "2024-04-01T12:00:00Z",
    "database_id": 1,
    "expire_date": "",
    "expired": "",
    "is_activated": False,
    "is_attached": True,
    "is_expired": False,
    "loyalty_id": 13,
    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f1",
}
OK = {"error": 0, "error_text": "Successful operation"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("&", "&amp;").replace("<", "&lt;")


def xml(data: dict[str, Any], *, reverse: bool = False, empty: str = "<{}/>", root: str = "xml") -> bytes:
    """``data`` as the API writes XML (children sorted, or reversed), empties written as ``empty``."""

    def element(name: str, value: Any) -> str:
        if isinstance(value, list):
            return "".join(element(name, item) for item in value)
        if isinstance(value, dict):
            inner = "".join(element(k, value[k]) for k in sorted(value, reverse=reverse))
        else:
            inner = "" if value is None or value == "" else _text(value)
        return f"<{name}>{inner}</{name}>" if inner else empty.format(name)

    body = "".join(element(k, data[k]) for k in sorted(data, reverse=reverse))
    return f"<{root}>{body}</{root}>".encode()


@dataclass(frozen=True)
class Case:
    """One canned XML answer to one call, and what both clients must make of it."""

    name: str
    call: dict[str, Any]
    body: bytes
    media: str | None = "application/xml"
    twin: dict[str, Any] | None = None  # the JSON answer it must read as
    refusal: str = ""  # "same": the same message from both; "malformed": both open with "malformed XML:"
    oldest_only: bool = False  # codec-only and slow: run against the oldest API version alone


EXPORTED = [{"code": f"C{n:06d}", "attached": "2024-04-02T10:00:00Z"} for n in range(20_000)]
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n > 1 else b"&lol;" * 10) for n in range(1, 10)
    )
    + b"]><xml><error>0</error><error_text>&lol9;</error_text></xml>"
)
CASES = [
    Case("children in reverse order", GET, xml({"data": INFO, **OK}, reverse=True), twin={"data": INFO, **OK}),
    Case("empty elements as <x></x>", GET, xml({"data": INFO, **OK}, empty="<{0}></{0}>"), twin={"data": INFO, **OK}),
    Case("empty list <data/> is null", EXPORT, xml({"data": None, **OK}), twin={"data": None, **OK}),
    Case(
        "<data></data> is null too", EXPORT, xml({"data": None, **OK}, empty="<{0}></{0}>"), twin={"data": None, **OK}
    ),
    Case(
        "one repeated element is a list of one",
        EXPORT,
        xml({"data": EXPORTED[:1], **OK}),
        twin={"data": EXPORTED[:1], **OK},
    ),
    Case(
        "repeated elements keep their order",
        EXPORT,
        xml({"data": EXPORTED[2::-1], **OK}),
        twin={"data": EXPORTED[2::-1], **OK},
    ),
    Case(
        "import counters, data null",
        IMPORT,
        xml({"data": None, "duplicated": 0, "inserted": 0, "discarded_by_limit": 3, **OK}),
        twin={"data": None, "duplicated": 0, "inserted": 0, "discarded_by_limit": 3, **OK},
    ),
    Case(
        "entities, CDATA, a comment, blanks around numbers, an unknown element",
        GET,
        xml({"data": {**INFO, "code": "X&1<2"}, **OK})
        .replace(b"<code>X&amp;1&lt;2</code>", b"<code><![CDATA[X&]]><!-- one -->1&#x3C;&#50;</code>")
        .replace(b"<loyalty_id>13</loyalty_id>", b"<loyalty_id>\n 13 </loyalty_id><extra>1</extra>"),
        twin={"data": {**INFO, "code": "X&1<2", "extra": "1"}, **OK},
    ),
    Case(
        "media type text/xml with a charset",
        GET,
        xml({"data": INFO, **OK}),
        "text/xml; charset=utf-8",
        twin={"data": INFO, **OK},
    ),
    Case("no media type, blanks, then <", GET, b" \n" + xml({"data": INFO, **OK}), None, twin={"data": INFO, **OK}),
    Case(
        "a BOM and an XML declaration",
        GET,
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + xml({"data": INFO, **OK}),
        twin={"data": INFO, **OK},
    ),
    Case(
        "a loyalty program of 20,000 codes",
        EXPORT,
        xml({"data": EXPORTED, **OK}),
        twin={"data": EXPORTED, **OK},
        oldest_only=True,
    ),
    Case(
        "a refusal in XML, the token masked in its text",
        GET,
        xml({"data": None, "error": 430, "error_text": f"Promocode not found (token {TOKEN})"}),
        twin={"data": None, "error": 430, "error_text": f"Promocode not found (token {TOKEN})"},
    ),
    # Hostile and broken answers: refused, never expanded or half-read.
    Case("entity expansion (billion laughs)", GET, LAUGHS, refusal="same"),
    Case(
        "an external entity",
        GET,
        b'<!DOCTYPE xml [<!ENTITY ext SYSTEM "file:///etc/passwd">]><xml><error>0</error><error_text>&ext;</error_text></xml>',
        refusal="same",
    ),
    Case("a bare DOCTYPE", GET, b"<!DOCTYPE xml><xml><error>0</error></xml>", refusal="same"),
    Case(
        "an undeclared entity", GET, b"<xml><error>0</error><error_text>&lol;</error_text></xml>", refusal="malformed"
    ),
    Case(
        "100,000 nested elements",
        GET,
        b"<xml><error>0</error>" + b"<u>" * 100_000 + b"</u>" * 100_000 + b"</xml>",
        refusal="same",
    ),
    Case("an unclosed element", GET, b"<xml><error>0</error>", refusal="malformed"),
    Case("two root elements", GET, b"<xml><error>0</error></xml><xml/>", refusal="malformed"),
    Case("not UTF-8", GET, b"<xml><error>0</error><error_text>\xff\xfe</error_text></xml>", refusal="malformed"),
    Case("a control character", GET, b"<xml><error>0</error><error_text>\x01</error_text></xml>", refusal="malformed"),
    Case("another root", GET, xml({"data": INFO, **OK}, root="data"), refusal="same"),
    Case("an integer that is not", GET, b"<xml><error>zero</error></xml>", refusal="same"),
    Case("a boolean that is not", GET, xml({"data": {**INFO, "is_expired": "no"}, **OK}), refusal="same"),
]


class _Canned(BaseHTTPRequestHandler):
    """Answers POST /case-N/... with case N's bytes and media type, whatever was asked."""

    answers: ClassVar[list[tuple[bytes, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body, media = self.answers[int(self.path.split("/")[1].removeprefix("case-"))]
        self.send_response(200)
        if media is not None:
            self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """No line per request."""


@contextlib.contextmanager
def canned(answers: list[tuple[bytes, str | None]]) -> Iterator[str]:
    """A server answering the N-th of ``answers`` under /case-N; yields its base URL."""
    handler = type("Canned", (_Canned,), {"answers": answers})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


VERSIONS = known_versions()


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def outcomes(request: pytest.FixtureRequest, ts_runner: Callable[[str], Path]) -> dict[str, Any]:
    """Each client's outcome for each case's XML answer and for its JSON twin, against API version ``request.param``."""
    version: str = request.param
    api = build(load_spec(api_version=version))
    cases = [c for c in CASES if version == VERSIONS[0] or not c.oldest_only]
    answers: list[tuple[bytes, str | None]] = []
    for case in cases:
        answers.append((case.body, case.media))
        answers.append((json.dumps(case.twin or {}).encode(), "application/json"))
    runner = ts_runner(version)
    found: dict[str, Any] = {"api": api}
    with canned(answers) as url:
        for client, resolve in (("python", python_call), ("typescript", typescript_call)):
            runs = [
                {
                    "url": f"{url}/case-{n}",
                    "request_format": "json",
                    "response_format": fmt,
                    "calls": [resolve(api, case.call)],
                }
                for n, (case, fmt) in enumerate((case, fmt) for case in cases for fmt in ("xml", "json"))
            ]
            results = run_plan(version, client, {"token": TOKEN, "runs": runs, "calls": []}, runner)
            found[client] = {case.name: (results[2 * i][0], results[2 * i + 1][0]) for i, case in enumerate(cases)}
    return found


READABLE = [c for c in CASES if c.twin is not None]
HOSTILE = [c for c in CASES if c.refusal]


@pytest.mark.parametrize("case", READABLE, ids=[c.name for c in READABLE])
def test_an_xml_answer_reads_as_its_json_twin_in_both_clients(case: Case, outcomes: dict[str, Any]) -> None:
    api: Api = outcomes["api"]
    if case.name not in outcomes["python"]:
        pytest.skip("run against the oldest API version only")
    seen = {}
    for client in ("python", "typescript"):
        from_xml, from_json = (canonical(api, case.call["op"], o) for o in outcomes[client][case.name])
        assert from_xml == from_json, f"{client}: XML {str(from_xml)[:300]} but JSON {str(from_json)[:300]}"
        assert "failed" not in from_xml, from_xml
        seen[client] = from_xml
    assert seen["python"] == seen["typescript"]
    if "refused" in seen["python"]:
        assert TOKEN not in json.dumps(seen["python"]) and "***" in seen["python"]["refused"]["text"]


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_or_broken_xml_is_refused_alike(case: Case, outcomes: dict[str, Any]) -> None:
    (python, _), (typescript, _) = outcomes["python"][case.name], outcomes["typescript"][case.name]
    for outcome in (python, typescript):
        assert outcome.get("failed", {}).get("class") == "ResponseError", outcome
    opening = f"{case.call['op']}: the answer is not the envelope ("
    assert python["failed"]["message"].startswith(opening), python
    if case.refusal == "same":
        assert typescript["failed"]["message"] == python["failed"]["message"]
    else:
        assert python["failed"]["message"].startswith(opening + "malformed XML: ")
        assert typescript["failed"]["message"].startswith(opening + "malformed XML: "), typescript


def test_each_typescript_client_declares_what_it_imports_and_the_tests_install() -> None:
    """The generated package.json names every package client.ts imports, at the range the repository tests."""
    tested = json.loads((REPO / "package.json").read_text("utf-8"))["devDependencies"]
    for version in VERSIONS:
        folder = tree(version) / "typescript"
        declared = json.loads((folder / "package.json").read_text("utf-8"))["dependencies"]
        source = (folder / "client.ts").read_text("utf-8")
        imported = {line.rsplit('"', 2)[1] for line in source.splitlines() if line.startswith("import ")}
        assert imported == set(declared), version
        assert all(tested.get(name) == wanted for name, wanted in declared.items()), (declared, tested)


def test_both_clients_refuse_an_unknown_wire_format(ts_runner: Callable[[str], Path]) -> None:
    version = VERSIONS[-1]
    runner = ts_runner(version)
    plan = json.dumps(
        {
            "token": TOKEN,
            "runs": [{"url": "http://127.0.0.1:9", "request_format": "yaml", "response_format": "json"}],
            "calls": [],
        }
    )
    env = {**os.environ, "PYTHONPATH": str(tree(version) / "python")}
    for command in (["node", str(runner)], [sys.executable, str(HARNESS_DIR / "run_python.py")]):
        done = subprocess.run(
            command, input=plan, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT, check=False
        )
        assert done.returncode != 0
        assert (
            "requestFormat and responseFormat must be" in done.stderr
            or "request_format and response_format must be" in done.stderr
        ), done.stderr
