"""Requests per second of promo-mock (granian), of the same app behind uvicorn + uvloop, and of Prism.

The same requests (get and attach), one load generator (wrk), side by side in one invocation: all servers
run at once and are measured in rounds, so the load of a shared machine changes the same way for each.

Usage: python bench/mock/throughput.py [--runs 5] [--duration 5] [--connections 16] [--op get --op attach]
Prism comes from npm (``npx --yes @stoplight/prism-cli@5``); without npx it is left out and the goal is not judged.
The goal: promo-mock at least 3x Prism on every operation (exit 1 otherwise).
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


# The hand-written asyncio+httptools server that granian replaced (deleted; its code is in git history),
# measured on this machine by wrk -t2 -c16, medians of three 4 s runs (shared/reference/toolchain-notes.md).
OLD_SERVER = {"get": 4520.0, "attach": 2980.0}


def measure(
    servers: dict[str, list[str]], args: argparse.Namespace, scripts: dict[str, Path]
) -> dict[str, dict[str, float]]:
    """Start every server, then run wrk in rounds (each round: every server, every operation, one run), so
    that a change in the machine's load hits every server alike; return the median req/s per server and operation.
    """
    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    runs: dict[str, dict[str, list[float]]] = {name: {op: [] for op in args.op} for name in servers}
    try:
        for name, template in servers.items():
            port = free_port()
            processes[name] = (start([part.format(port=port) for part in template]), port)
        for name, (process, port) in processes.items():
            for op in args.op:
                url = f"http://127.0.0.1:{port}/api/v1.1/promocodes/{op}"
                wait_ready(url, REQUESTS[op], process)
                check = requests.post(url, json=REQUESTS[op], timeout=5)
                print(f"{name} {op}: HTTP {check.status_code} {check.text[:90]}")
                wrk(url, scripts[op], duration=1, connections=args.connections)  # warm up
        for _ in range(args.runs):
            for name, (_, port) in processes.items():
                for op in args.op:
                    url = f"http://127.0.0.1:{port}/api/v1.1/promocodes/{op}"
                    runs[name][op].append(wrk(url, scripts[op], duration=args.duration, connections=args.connections))
    finally:
        for process, _ in processes.values():
            stop(process)
    for name in servers:
        for op in args.op:
            print(f"{name} {op}: " + ", ".join(f"{r:,.0f}" for r in runs[name][op]) + " req/s")
    return {name: {op: statistics.median(values) for op, values in by_op.items()} for name, by_op in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--op", choices=sorted(REQUESTS), action="append", help="repeatable (default: get and attach)")
    args = parser.parse_args()
    args.op = args.op or ["get", "attach"]
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    lua = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n'
    servers: dict[str, list[str]] = {
        "promo-mock (granian)": [sys.executable, "-m", "mock_server.cli", "--port", "{port}"],
        "uvicorn+uvloop": [sys.executable, str(ROOT / "bench" / "mock" / "uvicorn_serve.py"), "--port", "{port}"],
    }
    if shutil.which("npx") is not None:
        servers["prism"] = [
            "npx",
            "--yes",
            "@stoplight/prism-cli@5",
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            "{port}",
            str(SPEC),
        ]
    else:
        print("npx not found: Prism not measured")
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {}
        for op in args.op:
            scripts[op] = Path(tmp) / f"{op}.lua"
            scripts[op].write_text(lua % json.dumps(REQUESTS[op]), encoding="utf-8")
        load = f"wrk -t2 -c{args.connections}, {args.runs} runs x {args.duration} s"
        print(f"requests: POST {', '.join(args.op)} (JSON), {load}")
        results = measure(servers, args, scripts)
    print()
    names = list(results)
    print("| operation | " + " | ".join(names) + " | old server (note) | promo-mock / prism | promo-mock / old |")
    print("| --- |" + " --- |" * (len(names) + 3))
    met = True
    for op in args.op:
        mock = results["promo-mock (granian)"][op]
        prism = results.get("prism", {}).get(op)
        ratio = f"{mock / prism:.1f}x" if prism else "-"
        met = met and prism is not None and mock / prism >= 3
        cells = " | ".join(f"{results[name][op]:,.0f}" for name in names)
        print(f"| {op} | {cells} | {OLD_SERVER[op]:,.0f} | {ratio} | {mock / OLD_SERVER[op]:.2f}x |")
    print(f"\ngoal (promo-mock >= 3x Prism on every operation): {'met' if met else 'MISSED or not measured'}")
    print("req/s medians; machine shared with other jobs, so compare the ratios within one run")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
