"""Generator benchmarks: (a) promo-gen vs openapi-python-client 0.29 generating from the same spec;
(b) the generated Python client's call overhead vs a bare ``requests.Session.post`` of the same body.

Run with ``make bench-generator``. openapi-python-client lives in its own venv (bench/.venv-opc),
created here on first use. Prints medians and ratios.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import requests

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "spec" / "openapi.yaml"
OPC_VENV = REPO / "bench" / ".venv-opc"
OPC = OPC_VENV / "bin" / "openapi-python-client"
OPC_VERSION = "0.29.1"
RUNS = 7
TOKEN = "bench-token"


def _median_seconds(command: list[str], cwd: Path, runs: int = RUNS, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ensure_opc() -> None:
    """Install openapi-python-client into its own venv (it pins its own ruff, httpx, pydantic...)."""
    if OPC.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(OPC_VENV)], check=True)
    pip = str(OPC_VENV / "bin" / "pip")
    subprocess.run([pip, "install", "-q", f"openapi-python-client=={OPC_VERSION}"], check=True)


_STAGES = """
import json, sys, tempfile, time
t0 = time.perf_counter()
import promo_spec
t1 = time.perf_counter()
import generator.cli
from generator.load import load
from generator.parse import build
from generator.render import render
from generator.write import replace_output
t2 = time.perf_counter()
spec = load(None); t3 = time.perf_counter()
api = build(spec); t4 = time.perf_counter()
files = render(api); t5 = time.perf_counter()
replace_output(files, __import__("pathlib").Path(tempfile.mkdtemp()) / "out"); t6 = time.perf_counter()
print(json.dumps({"import promo_spec": t1 - t0, "import generator+jinja2": t2 - t1,
                  "load+validate (promo_spec)": t3 - t2, "IR": t4 - t3, "render": t5 - t4, "write": t6 - t5}))
"""


def bench_stages(runs: int = RUNS) -> None:
    """Where promo-gen's time goes, per stage (fresh process each run)."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _STAGES], cwd=REPO, check=True, capture_output=True, text=True)
        for key, value in json.loads(out.stdout).items():
            samples.setdefault(key, []).append(value)
    print(f"    promo-gen stages, median of {runs} fresh processes:")
    for key, values in samples.items():
        print(f"      {key:<30} {statistics.median(values) * 1000:7.1f} ms")


def bench_generation() -> None:
    ensure_opc()
    work = Path(tempfile.mkdtemp(prefix="bench-gen-"))
    try:
        no_hooks = work / "opc-config.yaml"
        no_hooks.write_text("post_hooks: []\n", encoding="utf-8")
        gen_cmd = [sys.executable, "-m", "generator.cli", "generate", "--spec", str(SPEC), "--out", str(work / "ours")]
        ours = _median_seconds(gen_cmd, REPO)
        # The first generation after a spec edit validates the spec in full (no remembered validation).
        ours_cold = _median_seconds(gen_cmd, REPO, env={**os.environ, "PROMO_SPEC_CACHE": "off"})
        opc_cmd = [str(OPC), "generate", "--path", str(SPEC), "--output-path", str(work / "opc"), "--overwrite"]
        opc = _median_seconds(opc_cmd, work)
        opc_bare = _median_seconds([*opc_cmd, "--config", str(no_hooks)], work)
        files = sum(1 for p in (work / "ours").rglob("*") if p.is_file())
        print(f"(a) generation, median of {RUNS} runs, each a fresh process, same spec:")
        print(f"    promo-gen generate (all 4 targets, {files} files)      {ours * 1000:8.0f} ms")
        print(f"    openapi-python-client {OPC_VERSION} (default, ruff hooks) {opc * 1000:8.0f} ms")
        print(f"    openapi-python-client {OPC_VERSION} (post_hooks: [])      {opc_bare * 1000:8.0f} ms")
        print(f"    promo-gen, spec just edited (PROMO_SPEC_CACHE=off)   {ours_cold * 1000:8.0f} ms")
        print(f"    ratio: {opc / ours:.1f}x faster than default, {opc_bare / ours:.1f}x than no-hooks (goal >= 3x)")
        print(
            f"    ratio, spec just edited: {opc / ours_cold:.1f}x faster than default, "
            f"{opc_bare / ours_cold:.1f}x than no-hooks"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bench_stages()


class _Tiny(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    BODY = json.dumps({"data": None, "error": 0, "error_text": "Successful operation"}).encode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def server() -> Iterator[tuple[str, str]]:
    """The mock when it is in the tree (a real ``get``), else a tiny stdlib server; yields (url, kind)."""
    try:
        from mock_server.serve import start_background
    except ImportError:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tiny)
        Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}", "tiny stdlib server"
        finally:
            httpd.shutdown()
        return
    with start_background(port=0, token=TOKEN) as running:
        yield running.url, "promo-mock"


def _per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def bench_overhead(batches: int = 15, calls: int = 200) -> None:
    sys.path.insert(0, str(REPO / "generated_clients" / "python"))
    from altcraft_promo_client import PromoClient

    with server() as (url, kind):
        client = PromoClient(url, TOKEN)
        session = requests.Session()
        params = {"code": "X13-0001", "loyalty_id": 13}
        body = json.dumps({"token": TOKEN, **params}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        path = url + "/api/v1.1/promocodes/get"

        def generated() -> object:
            return client.get(code="X13-0001", loyalty_id=13)

        def bare() -> object:
            return session.post(path, data=body, headers=headers, timeout=30).content

        for fn in (generated, bare):  # warm both connections up
            _per_call(fn, 50)
        ours: list[float] = []
        base: list[float] = []
        for _ in range(batches):  # interleaved batches: drift hits both sides alike
            ours.append(_per_call(generated, calls))
            base.append(_per_call(bare, calls))
        client.close()
        session.close()
    o, b = statistics.median(ours), statistics.median(base)
    print(f"(b) call overhead against {kind} (get, JSON), median of {batches} batches x {calls} calls:")
    print(f"    generated client .get()        {o * 1e6:8.1f} us/call")
    print(f"    bare requests.Session.post     {b * 1e6:8.1f} us/call")
    print(f"    ratio: {o / b:.3f} (overhead {100 * (o / b - 1):+.1f}%, goal within +10%)")


if __name__ == "__main__":
    bench_generation()
    bench_overhead()
