"""Requests per second of promo-mock and of Prism on the same request, measured by one load generator (wrk).

Usage: python bench/mock/throughput.py [--runs 5] [--duration 5] [--connections 16] [--op get|attach]
Prism comes from npm (``npx --yes @stoplight/prism-cli@5``); without npx the mock is measured alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"
TOKEN = "bench-token"
REQUESTS = {
    "get": {"token": TOKEN, "code": "P11-0001", "loyalty_id": 11},
    # a universal code already held by the profile: repeatable, always error 0, the state stays the same
    "attach": {"token": TOKEN, "db_id": 1, "loyalty_id": 12, "code": "U12-0001", "email": "alice@example.com"},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(url: str, body: dict[str, object], process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with {process.returncode}")
        try:
            if requests.post(url, json=body, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} not ready after {timeout} s")


def start(command: list[str]) -> subprocess.Popen[bytes]:
    # a new session, so stopping it stops its children too (npx starts node)
    env = {**os.environ, "ALTCRAFT_TOKEN": TOKEN}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, script: Path, *, duration: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(match.group(1))


def measure(name: str, command: list[str], port: int, op: str, args: argparse.Namespace, script: Path) -> list[float]:
    url = f"http://127.0.0.1:{port}/api/v1.1/promocodes/{op}"
    process = start(command)
    try:
        wait_ready(url, REQUESTS[op], process)
        check = requests.post(url, json=REQUESTS[op], timeout=5)
        print(f"{name}: HTTP {check.status_code} {check.text[:100]}")
        wrk(url, script, duration=1, connections=args.connections)  # warm up
        runs = [wrk(url, script, duration=args.duration, connections=args.connections) for _ in range(args.runs)]
    finally:
        stop(process)
    print(f"{name}: " + ", ".join(f"{r:,.0f}" for r in runs) + f" req/s -> median {statistics.median(runs):,.0f}")
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--op", choices=sorted(REQUESTS), default="get")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    lua = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n'
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(lua % json.dumps(REQUESTS[args.op]), encoding="utf-8")
        print(f"request: POST {args.op} (JSON), wrk -t2 -c{args.connections}, {args.runs} runs x {args.duration} s")
        port = free_port()
        mock = measure(
            "promo-mock", [sys.executable, "-m", "mock_server.cli", "--port", str(port)], port, args.op, args, script
        )
        if shutil.which("npx") is None:
            print("npx not found: Prism not measured")
            return 0
        port = free_port()
        prism_cmd = ["npx", "--yes", "@stoplight/prism-cli@5", "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
        prism = measure("prism", prism_cmd, port, args.op, args, script)
    ratio = statistics.median(mock) / statistics.median(prism)
    print(
        f"median promo-mock {statistics.median(mock):,.0f} req/s, prism {statistics.median(prism):,.0f} req/s: "
        f"ratio {ratio:.1f}x (goal >= 3x) {'goal met' if ratio >= 3 else 'GOAL MISSED'}"
    )
    return 0 if ratio >= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
