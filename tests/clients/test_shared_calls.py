"""Both generated clients, every API version: the shared table of calls (calls.yaml), in JSON and in XML.

For each API version, the Python client (run_python.py, in a process with only that client) and the
TypeScript client (run_typescript.ts, compiled beside that version's client.ts) make every call of
the table once per combination of request and answer format, each run against a fresh mock of that
version (default seed, one frozen clock). Every run must get the same outcomes: the same values
(projected onto the result's declared fields) and the same error class, number and text for the
refusals. The requests the mock received must say the same thing too (same parameters, media types
and token placement), and the TypeScript client's XML answers must resolve to exactly what its
JSON answers resolve to.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from defusedxml.ElementTree import fromstring
from werkzeug.serving import WSGIRequestHandler, make_server

from generator.ir import Api
from generator.parse import build
from mock_server import clock
from mock_server.app import create_app
from mock_server.seed import default_seed_path, load_seed
from mock_server.store import Store
from promo_spec import load_spec
from promo_spec.versions import known_versions
from tests.clients.harness import (
    HERE,
    canonical,
    python_call,
    run_plan,
    typescript_call,
)

TABLE = HERE / "calls.yaml"
TOKEN = "shared-table-token"
FORMATS = (("json", "json"), ("xml", "xml"), ("xml", "json"), ("json", "xml"))  # (request, answer)
NOW = clock.now()  # the one frozen clock of every mock of this module: runs compare timestamps too


@dataclass(frozen=True)
class Run:
    """One client's run of the table against one fresh mock, and what the mock received."""

    client: str  # python | typescript
    request_format: str
    response_format: str
    outcomes: list[dict[str, Any]]
    requests: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return f"{self.client} {self.request_format}->{self.response_format}"


class _Quiet(WSGIRequestHandler):
    disable_nagle_algorithm = True  # keep-alive requests on loopback without a 40 ms stall

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No line per request."""


@contextlib.contextmanager
def fresh_mock(version: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A fresh mock of ``version`` (default seed, clock frozen at NOW) on a free port; yields (url, requests)."""
    seed = load_seed(default_seed_path())
    app = create_app(seed, token=TOKEN, api_version=version)
    # The frozen clock from the seed's loading on: codes without `created` get NOW too.
    app.parts.store = app.store = Store.from_seed(seed, now=lambda: NOW)
    app.context = app.parts.context()
    received: list[dict[str, Any]] = []

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        received.append(_request(environ, body))
        environ["wsgi.input"] = io.BytesIO(body)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _request(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """What a request says: path, media types, Authorization, and its parameters (JSON or XML alike)."""
    media = environ.get("CONTENT_TYPE", "")
    params: Any
    if media.endswith("xml"):
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        params = {"<root>": root.tag}
        for child in root:  # repeated elements keep their order; different names compare as a set
            params.setdefault(child.tag, []).append(child.text or "")
    else:
        params = {name: value if isinstance(value, list) else [value] for name, value in json.loads(body).items()}
        params = {name: [v if isinstance(v, str) else json.dumps(v) for v in values] for name, values in params.items()}
        params["<root>"] = "xml"  # JSON has no root; the XML twin's is <xml>
    return {
        "path": environ["PATH_INFO"],
        "content_type": media,
        "accept": environ.get("HTTP_ACCEPT", ""),
        "authorization": environ.get("HTTP_AUTHORIZATION", ""),
        "params": params,
    }


# -- the table, resolved for each client ----------------------------------------------------------


def table(version: str) -> list[dict[str, Any]]:
    """The calls of calls.yaml that apply to ``version``."""
    calls: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["calls"]
    return [c for c in calls if version in c.get("versions", [version])]


def run_client(version: str, client: str, calls: list[dict[str, Any]], typescript: Path | None = None) -> list[Run]:
    """One client's runs of ``calls``, once per format pair, each against its own fresh mock."""
    with contextlib.ExitStack() as stack:
        mocks = [stack.enter_context(fresh_mock(version)) for _ in FORMATS]
        runs = [
            {"url": url, "request_format": request, "response_format": answer}
            for (url, _), (request, answer) in zip(mocks, FORMATS, strict=True)
        ]
        results = run_plan(version, client, {"token": TOKEN, "runs": runs, "calls": calls}, typescript)
        return [
            Run(client, request, answer, outcomes, received)
            for outcomes, (_, received), (request, answer) in zip(results, mocks, FORMATS, strict=True)
        ]


# -- comparing ------------------------------------------------------------------------------------


def _first_difference(api: Api, calls: list[dict[str, Any]], runs: list[Run]) -> str:
    reference = runs[0]
    for index, call in enumerate(calls):
        expected = canonical(api, call["op"], reference.outcomes[index])
        for run in runs[1:]:
            got = canonical(api, call["op"], run.outcomes[index])
            if got != expected:
                return (
                    f"call {index} ({call['op']} {json.dumps(call['args'], ensure_ascii=False)}):\n"
                    f"  {reference.name}: {json.dumps(expected, ensure_ascii=False)}\n"
                    f"  {run.name}: {json.dumps(got, ensure_ascii=False)}"
                )
    return ""


VERSIONS = known_versions()


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def version_runs(
    request: pytest.FixtureRequest, ts_runner: Callable[[str], Path]
) -> tuple[Api, list[dict[str, Any]], list[Run]]:
    """Every run of the table against API version ``request.param``: both clients, every format pair."""
    version: str = request.param
    api = build(load_spec(api_version=version))
    calls = table(version)
    runner = ts_runner(version)
    with ThreadPoolExecutor(2) as pool:  # the two runners are processes of their own: run them side by side
        python = pool.submit(run_client, version, "python", [python_call(api, c) for c in calls])
        typescript = pool.submit(run_client, version, "typescript", [typescript_call(api, c) for c in calls], runner)
        return api, calls, python.result() + typescript.result()


def test_every_run_gets_the_same_outcomes(version_runs: tuple[Api, list[dict[str, Any]], list[Run]]) -> None:
    api, calls, runs = version_runs
    assert all(len(run.outcomes) == len(calls) for run in runs)
    difference = _first_difference(api, calls, runs)
    assert not difference, f"API v{api.version}: the clients disagree at {difference}"


def test_the_table_calls_every_operation_successfully_and_is_refused_too(
    version_runs: tuple[Api, list[dict[str, Any]], list[Run]],
) -> None:
    api, calls, runs = version_runs
    outcomes = runs[0].outcomes
    succeeded = {call["op"] for call, outcome in zip(calls, outcomes, strict=True) if "ok" in outcome}
    assert succeeded == {op.id for op in api.operations}
    refused = {o["refused"]["class"] for o in outcomes if "refused" in o}
    assert refused and not any("failed" in o for o in outcomes), outcomes


def test_both_clients_send_the_same_requests(version_runs: tuple[Api, list[dict[str, Any]], list[Run]]) -> None:
    api, _, runs = version_runs
    for request, answer in FORMATS:
        python, typescript = (
            next(r for r in runs if (r.client, r.request_format, r.response_format) == (c, request, answer))
            for c in ("python", "typescript")
        )
        assert typescript.requests == python.requests, f"API v{api.version}, {request}->{answer}"
    xml = next(r for r in runs if r.request_format == "xml")
    assert {r["content_type"] for r in xml.requests} == {"application/xml"}


def test_typescript_xml_answers_resolve_to_what_its_json_answers_resolve_to(
    version_runs: tuple[Api, list[dict[str, Any]], list[Run]],
) -> None:
    """Not only the declared fields: the whole value (import's counters and envelope too)."""
    api, calls, runs = version_runs
    json_run, xml_run = (
        next(r for r in runs if r.client == "typescript" and r.response_format == f and r.request_format == f)
        for f in ("json", "xml")
    )
    for index, call in enumerate(calls):
        assert xml_run.outcomes[index] == json_run.outcomes[index], f"API v{api.version}, call {index}: {call}"
