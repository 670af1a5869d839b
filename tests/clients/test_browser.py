"""The TypeScript client runs in a browser: bundled with esbuild, in headless Chromium, JSON and XML alike.

browser_page.ts is bundled with the newest API version's client.ts (and its XML parser) for the
browser platform, and loaded from a page served on the same origin as a fresh mock (so no CORS is
involved). The page's calls must get, in JSON and in XML, what the Python client gets for the same
calls against the same mock, and an answer with a DOCTYPE must be refused as the Python client
refuses it. Skipped where Chromium (Debian's `chromium`) is missing.
"""

from __future__ import annotations

import contextlib
import html
import json
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from generator.parse import build
from promo_spec import load_spec
from promo_spec.versions import known_versions
from tests.clients.harness import HERE, REPO, RUN_TIMEOUT, canonical, python_call, run_plan, tree
from tests.clients.test_shared_calls import TOKEN, fresh_mock
from tests.clients.test_xml_answers import LAUGHS
from tools import doc_examples

ESBUILD = REPO / "node_modules" / ".bin" / "esbuild"
# The page's calls (browser_page.ts), by the names it gives their outcomes.
CALLS = {
    "get": {"op": "get", "args": {"code": "X13-0001", "loyalty_id": 13}},
    "exportAll": {"op": "export_all", "args": {"loyalty_id": 13}},
    "activate": {"op": "activate", "args": {"code": "P11-0004", "loyalty_id": 11}},
}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextlib.contextmanager
def same_origin(mock: str, bundle: bytes) -> Iterator[str]:
    """A server giving the page and its bundle, the API (forwarded to ``mock``) and /hostile/ (a DOCTYPE answer)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """No line per request."""

        def _answer(self, body: bytes, media: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/bundle.js":
                self._answer(bundle, "text/javascript")
            else:
                self._answer(b"<!doctype html><body>running<script src='/bundle.js'></script></body>", "text/html")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/hostile/"):
                self._answer(LAUGHS, "application/xml")
                return
            names = ("Content-Type", "Accept", "Authorization")
            headers = {name: self.headers[name] for name in names if self.headers[name] is not None}
            forwarded = urllib.request.Request(mock + self.path, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(forwarded, timeout=RUN_TIMEOUT) as answer:
                self._answer(answer.read(), answer.headers.get("Content-Type", ""))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def page_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("browser run skipped: chromium is not installed (make chromium)")
    doc_examples.require_typescript()  # tsc and esbuild (devDependencies): npm ci when missing, not a skip
    assert ESBUILD.exists(), "node_modules/.bin/esbuild is missing after npm ci: is it in package.json?"
    version = known_versions()[-1]
    workdir = tmp_path_factory.mktemp("browser")
    shutil.copy(tree(version) / "typescript" / "client.ts", workdir / "client.ts")
    shutil.copy(HERE / "browser_page.ts", workdir / "page.ts")
    (workdir / "node_modules").symlink_to(REPO / "node_modules")
    bundle = workdir / "bundle.js"
    command = [str(ESBUILD), str(workdir / "page.ts"), "--bundle", "--platform=browser", "--format=iife"]
    done = subprocess.run([*command, f"--outfile={bundle}"], capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stderr
    with fresh_mock(version) as (mock, _), same_origin(mock, bundle.read_bytes()) as origin:
        shown = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, "--virtual-time-budget=30000", "--dump-dom", f"{origin}/?token={TOKEN}"],
            capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
        )  # fmt: skip
        # The Python client, the same calls against the same mock (the page changed nothing) and the DOCTYPE answer.
        api = build(load_spec(api_version=version))
        runs = [
            {
                "url": origin,
                "request_format": fmt,
                "response_format": fmt,
                "calls": [python_call(api, c) for c in CALLS.values()],
            }
            for fmt in ("json", "xml")
        ]
        runs.append(
            {
                "url": f"{origin}/hostile",
                "request_format": "json",
                "response_format": "xml",
                "calls": [python_call(api, CALLS["get"])],
            }
        )
        python = run_plan(version, "python", {"token": TOKEN, "runs": runs, "calls": []})
    body = html.unescape(shown.stdout)
    assert "RESULT " in body, f"the page did not finish: {body[-2000:]}\n{shown.stderr[-2000:]}"
    results: dict[str, Any] = json.loads(body.split("RESULT ", 1)[1].split("</body>", 1)[0])
    expected = {
        f"{fmt} {name}": outcome
        for fmt, run in zip(("json", "xml"), python, strict=False)
        for name, outcome in zip(CALLS, run, strict=True)
    }
    expected["hostile get"] = python[2][0]
    return {"api": api, "browser": results, "python": expected}


def test_calls_in_a_browser_get_what_the_python_client_gets(page_results: dict[str, Any]) -> None:
    api, browser, python = page_results["api"], page_results["browser"], page_results["python"]
    assert set(browser) == set(python)
    for name, outcome in python.items():
        if name.startswith("hostile"):
            continue
        op = CALLS[name.split()[1]]["op"]
        assert canonical(api, op, browser[name]) == canonical(api, op, outcome), name
    assert "ok" in browser["xml get"] and "refused" in browser["xml activate"]


def test_a_doctype_is_refused_in_a_browser_as_the_python_client_refuses_it(page_results: dict[str, Any]) -> None:
    browser, python = page_results["browser"]["hostile get"], page_results["python"]["hostile get"]
    assert browser == python
    assert python["failed"]["class"] == "ResponseError" and "forbidden XML construct" in python["failed"]["message"]
