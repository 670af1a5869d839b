"""Generator benchmarks: (a) promo-gen vs openapi-python-client 0.29 generating from the same spec, cold and warm;
(b) the generated Python client's call overhead vs a bare ``requests.Session.post`` of the same body.

Run with ``make bench-generator``. openapi-python-client lives in its own venv (bench/.venv-opc),
created here on first use. Every timing is a fresh process; the commands of one round run one
after the other, rounds interleaved, so the machine's noise falls on all alike. Prints medians and ratios.

Cold, as users meet it: both API versions (v72 and v74: promo-gen writes both trees in one run,
openapi-python-client runs once per version, on ``spec/openapi.yaml`` and on the resolved v74 document),
"spec just edited" (no remembered validation: an empty ``PROMO_SPEC_CACHE`` per run), and CI's
``promo-gen check`` on a fresh clone (``git clone`` of HEAD, no ``__pycache__``, empty ``HOME``: no
validation cache, no compiled-template cache). Goal: cold at least 3x faster than openapi-python-client.
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
from dataclasses import dataclass, field
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


def ensure_opc() -> None:
    """Install openapi-python-client into its own venv (it pins its own ruff, httpx, pydantic...)."""
    if OPC.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(OPC_VENV)], check=True)
    pip = str(OPC_VENV / "bin" / "pip")
    subprocess.run([pip, "install", "-q", f"openapi-python-client=={OPC_VERSION}"], check=True)


@dataclass
class Timed:
    """One command, timed once per round; ``prepare`` runs before each timing, untimed."""

    label: str
    command: list[str]
    cwd: Path
    env: dict[str, str] | None = None
    prepare: Callable[[], None] | None = None
    seconds: list[float] = field(default_factory=list)

    def run(self) -> None:
        if self.prepare is not None:
            self.prepare()
        start = time.perf_counter()
        done = subprocess.run(self.command, cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False)
        self.seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"bench: {self.label} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _rounds(commands: list[Timed], runs: int) -> None:
    for round_number in range(runs):
        shift = round_number % len(commands)  # rotate who goes first
        for command in commands[shift:] + commands[:shift]:
            command.run()


def _paired(first: Timed, second: Timed) -> float:
    """Median over rounds of the two commands' summed time (one run per version, same round)."""
    return statistics.median(a + b for a, b in zip(first.seconds, second.seconds, strict=True))


def _fresh_clone(work: Path) -> Path:
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    return clone


def _pristine(clone: Path, home: Path) -> Callable[[], None]:
    """Before each run: the clone as ``git clone`` left it (no __pycache__), and an empty home (no caches)."""

    def prepare() -> None:
        for cache in clone.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()

    return prepare


def _empty(directory: Path) -> Callable[[], None]:
    def prepare() -> None:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()

    return prepare


def bench_generation(runs: int = RUNS) -> None:
    ensure_opc()
    work = Path(tempfile.mkdtemp(prefix="bench-gen-"))
    try:
        v74 = work / "v74.yaml"
        subprocess.run(
            [sys.executable, "-m", "generator.cli", "resolve", "--api-version", "74", "--out", str(v74)],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        no_hooks = work / "opc-config.yaml"
        no_hooks.write_text("post_hooks: []\n", encoding="utf-8")
        clone = _fresh_clone(work)
        home, cold_cache, warm_cache = work / "home", work / "cold-cache", work / "warm-cache"
        base_env = {k: v for k, v in os.environ.items() if k not in {"PROMO_SPEC_CACHE", "XDG_CACHE_HOME"}}
        ours = [sys.executable, "-m", "generator.cli"]
        # openapi-python-client's default post-hooks run ruff: its venv's bin on PATH, so they do.
        opc_env = {**base_env, "PATH": f"{OPC_VENV / 'bin'}{os.pathsep}{base_env.get('PATH', '')}"}

        def opc(spec: Path, hooks: bool, name: str) -> Timed:
            command = [str(OPC), "generate", "--path", str(spec), "--output-path", str(work / name), "--overwrite"]
            return Timed(name, command + ([] if hooks else ["--config", str(no_hooks)]), work, opc_env)

        cold = Timed("cold", [*ours, "generate", "--out", str(work / "ours")], REPO,
                     {**base_env, "PROMO_SPEC_CACHE": str(cold_cache)}, _empty(cold_cache))  # fmt: skip
        ci = Timed("ci", [*ours, "check"], clone, {**base_env, "HOME": str(home)}, _pristine(clone, home))
        warm = Timed("warm", [*ours, "generate", "--out", str(work / "ours")], REPO,
                     {**base_env, "PROMO_SPEC_CACHE": str(warm_cache)})  # fmt: skip
        one = Timed("one", [*ours, "generate", "--spec", str(SPEC), "--out", str(work / "ours-one")], REPO,
                    {**base_env, "PROMO_SPEC_CACHE": str(cold_cache)}, _empty(cold_cache))  # fmt: skip
        opc72, opc74 = opc(SPEC, True, "opc72"), opc(v74, True, "opc74")
        bare72, bare74 = opc(SPEC, False, "bare72"), opc(v74, False, "bare74")
        warm.run()  # remember the validation once: "warm" is the unchanged spec
        warm.seconds.clear()
        _rounds([cold, ci, warm, one, opc72, opc74, bare72, bare74], runs)
        files = sum(1 for p in (work / "ours").rglob("*") if p.is_file())
        opc_both, bare_both = _paired(opc72, opc74), _paired(bare72, bare74)
        ms = 1000
        print(f"(a) generation, median of {runs} rounds, each command a fresh process, rounds interleaved:")
        print(f"    both API versions (v72 + v74; promo-gen: {files} files in one run, "
              "openapi-python-client: one run per version)")
        print(f"    promo-gen generate, spec just edited (no valid cache)         {cold.median * ms:8.0f} ms")
        print(f"    promo-gen check, CI on a fresh clone (no caches, no .pyc)     {ci.median * ms:8.0f} ms")
        print(f"    promo-gen generate, spec unchanged (validation remembered)    {warm.median * ms:8.0f} ms")
        print(f"    openapi-python-client {OPC_VERSION}, default (ruff post-hooks)     {opc_both * ms:8.0f} ms"
              f"  (v72 {opc72.median * ms:.0f}, v74 {opc74.median * ms:.0f})")
        print(f"    openapi-python-client {OPC_VERSION}, post_hooks: []              {bare_both * ms:8.0f} ms"
              f"  (v72 {bare72.median * ms:.0f}, v74 {bare74.median * ms:.0f})")
        for label, ours_seconds in (("spec just edited", cold.median), ("CI check, fresh clone", ci.median),
                                    ("spec unchanged", warm.median)):  # fmt: skip
            print(f"    ratio, {label + ':':<24} {opc_both / ours_seconds:4.1f}x faster than default, "
                  f"{bare_both / ours_seconds:4.1f}x than no-hooks (goal >= 3x)")
        print("    one version (v72 only, --spec spec/openapi.yaml, spec just edited):")
        print(f"    promo-gen {one.median * ms:.0f} ms; openapi-python-client {opc72.median * ms:.0f} ms default, "
              f"{bare72.median * ms:.0f} ms no-hooks: "
              f"{opc72.median / one.median:.1f}x / {bare72.median / one.median:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bench_stages()


_STAGES = """
import json, os, tempfile, time
t0 = time.perf_counter()
import promo_spec
t1 = time.perf_counter()
import generator.cli
from generator import per_version
from generator.examples import with_examples
from generator.parse import build
from generator.render import render
from generator.write import replace_output
from promo_spec.versions import known_versions
t2 = time.perf_counter()
specs = [promo_spec.load_spec(api_version=v) for v in known_versions()]; t3 = time.perf_counter()
apis = per_version.with_layout(per_version.with_since([build(s) for s in specs])); t4 = time.perf_counter()
apis = [with_examples(a, s) for a, s in zip(apis, specs)]; t5 = time.perf_counter()
files = {a.out_prefix + k: v for a in apis for k, v in render(a).items()}; t6 = time.perf_counter()
replace_output(files, __import__("pathlib").Path(tempfile.mkdtemp()) / "out"); t7 = time.perf_counter()
print(json.dumps({"import promo_spec": t1 - t0, "import generator (jinja2, mock)": t2 - t1,
                  "load + validate, both versions": t3 - t2, "IR": t4 - t3, "examples (in-process mock)": t5 - t4,
                  "render": t6 - t5, "write": t7 - t6}))
"""


def bench_stages(runs: int = RUNS) -> None:
    """Where promo-gen's cold time goes, per stage (fresh process each run, no remembered validation)."""
    samples: dict[str, list[float]] = {}
    env = {**os.environ, "PROMO_SPEC_CACHE": "off"}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _STAGES], cwd=REPO, check=True, capture_output=True, text=True,
                             env=env)  # fmt: skip
        for key, value in json.loads(out.stdout).items():
            samples.setdefault(key, []).append(value)
    print(f"    promo-gen stages, spec just edited, median of {runs} fresh processes:")
    for key, values in samples.items():
        print(f"      {key:<34} {statistics.median(values) * 1000:7.1f} ms")


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
