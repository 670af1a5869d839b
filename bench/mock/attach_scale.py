"""Attach latency at 1k and at 1M codes in the program: drawing from the pool must not grow with its size.

Calls the WSGI app in-process (no sockets), so only the mock's own work is timed.
Usage: python bench/mock/attach_scale.py [--calls N]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time

from mock_server.app import MockApp, create_app
from mock_server.handlers import do_import
from mock_server.seed import parse_seed

TOKEN = "bench-token"
SIZES = (1_000, 1_000_000)


def build(size: int) -> MockApp:
    seed = parse_seed(
        {
            "databases": [{"id": 1, "profiles": [{"profile_id": "p1", "email": "a@example.com"}]}],
            "programs": [{"id": 1, "kind": "personal"}],
        }
    )
    app = create_app(seed, token=TOKEN)
    do_import(app.context, {"codes": [f"C-{n:07d}" for n in range(size)], "loyalty_id": 1})
    return app


def environ(body: dict[str, object]) -> dict[str, object]:
    raw = json.dumps(body).encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1.1/promocodes/attach",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }


def latencies(app: MockApp, calls: int, *, named: bool, size: int) -> list[float]:
    base = {"token": TOKEN, "db_id": 1, "loyalty_id": 1, "email": "a@example.com"}
    timings = []
    for n in range(calls):
        # named: a free code from the far end of the program; otherwise the pool picks one
        body = {**base, "code": f"C-{size - 1 - n:07d}"} if named else base
        env = environ(body)
        started = time.perf_counter()
        _, _, out = app.respond(env)
        timings.append(time.perf_counter() - started)
        assert b'"error":0' in out, out
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="attaches timed per size and mode (default 400)")
    args = parser.parse_args()
    medians: dict[tuple[str, int], float] = {}
    for size in SIZES:
        started = time.perf_counter()
        app = build(size)
        print(f"program of {size:>9,} codes built in {time.perf_counter() - started:5.1f} s")
        for mode in ("pool", "named"):
            latencies(app, 50, named=mode == "named", size=size - 50 * (mode == "named"))  # warm up
            timings = latencies(app, args.calls, named=mode == "named", size=size - 100)
            medians[(mode, size)] = statistics.median(timings)
            p99 = sorted(timings)[int(len(timings) * 0.99) - 1]
            print(f"  attach ({mode:5}): median {medians[(mode, size)] * 1e6:7.1f} us, p99 {p99 * 1e6:7.1f} us")
    worst = 0.0
    for mode in ("pool", "named"):
        ratio = medians[(mode, SIZES[1])] / medians[(mode, SIZES[0])]
        worst = max(worst, ratio)
        print(f"attach ({mode}) median at 1M / at 1k: {ratio:.2f}x (goal <= 1.5x)")
    print("goal met" if worst <= 1.5 else "GOAL MISSED")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
