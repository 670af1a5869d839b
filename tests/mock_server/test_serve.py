"""The HTTP server and the ``promo-mock`` command, over real sockets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from mock_server.serve import RunningServer, start_background
from tests.mock_server.conftest import BASE

GET = {"token": "mock-token", "code": "P11-0001", "loyalty_id": 11}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_background() as running:
        yield running


def exchange(server: RunningServer, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_start_background_serves_the_default_seed(server: RunningServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    with requests.Session() as session:
        for _ in range(3):  # keep-alive: one connection, several requests
            response = session.post(server.url + BASE + "get", json=GET, timeout=5)
            assert response.status_code == 200 and response.json()["error"] == 0
    assert requests.post(server.url + BASE + "get", json={**GET, "token": "x"}, timeout=5).json()["error"] == 403


def test_stop_releases_the_port() -> None:
    running = start_background(token="other")
    port = running.port
    running.stop()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_a_chunked_body_is_read(server: RunningServer) -> None:
    body = json.dumps(GET).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    answer = exchange(server, head.encode() + chunked)
    assert b'"error":0' in answer


def test_odd_methods_get_405_over_http(server: RunningServer) -> None:
    answer = exchange(server, f"QUERY {BASE}get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 405") and b"allow: post" in answer.lower()


def test_garbage_request_lines_do_not_crash_the_server(server: RunningServer) -> None:
    for raw in (b"\x00\xff\r\n\r\n", b"GET\r\n\r\n", b"POST / HTTP/9.9\r\n\r\n"):
        exchange(server, raw)
    assert requests.post(server.url + BASE + "get", json=GET, timeout=5).status_code == 200


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mock_server.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fault", "nope"), "unknown fault(s): nope"),
        (("--seed", "/nonexistent/seed.yaml"), "/nonexistent/seed.yaml: cannot read the seed file"),
        (("--port", "70000"), "--port must be between 0 and 65535"),
        (("--port", "x"), "invalid int value"),
        (("--bogus",), "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_bad_seed_file_names_the_key(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("databases: []\nprograms: [{id: 1, kind: shared}]\n", encoding="utf-8")
    result = run_cli("--seed", str(seed))
    assert result.returncode == 2
    assert f"{seed}: programs[0].kind: must be 'personal' or 'universal'" in result.stderr


def test_port_zero_prints_the_chosen_port_and_serves_the_env_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server.cli", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ALTCRAFT_TOKEN": "from-env"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[2]
        assert "from-env" not in line
        assert requests.post(url + BASE + "get", json={**GET, "token": "from-env"}, timeout=5).json()["error"] == 0
        assert requests.post(url + BASE + "get", json=GET, timeout=5).json()["error"] == 403
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_body_arriving_in_pieces_is_waited_for(server: RunningServer) -> None:
    body = json.dumps(GET).encode()
    head = (
        f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(head.encode())
        assert conn.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        for n in range(0, len(body), 7):
            conn.sendall(body[n : n + 7])
        answer = b"".join(iter(lambda: conn.recv(65536), b""))
    assert b'"error":0' in answer


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /api/v1.1/promocodes/get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /api/v1.1/promocodes/get HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"POST /api/v1.1/promocodes/get HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n",
        # hyper sometimes grows its buffer and answers (404 for /) instead of 431: the close is asked for, so
        # a kept-alive connection does not wait for the idle timeout
        b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX: " + b"a" * 500_000 + b"\r\n\r\n",
    ],
    ids=["bad chunk size", "bad content-length", "header without colon", "head over granian's buffer"],
)
def test_broken_framing_is_refused_and_the_connection_closes(server: RunningServer, raw: bytes) -> None:
    answer = exchange(server, raw)  # returns only once the server closed the connection
    status = answer.split(b" ", 2)[1] if answer else b""
    # granian (hyper) answers 400/431 itself, or hands the app a cut-off body that it refuses in the envelope
    assert answer == b"" or status.startswith(b"4") or (status == b"200" and b'"error":400' in answer), answer[:200]


def test_an_http_1_0_request_is_answered_and_closed(server: RunningServer) -> None:
    answer = exchange(server, b"POST /api/v1.1/promocodes/get HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
    assert answer.startswith(b"HTTP/1.0 200 OK") and b'"error":401' in answer


def test_the_race_fault_really_races_over_http() -> None:
    # Three attaches of one free code, released together by a barrier; on a busy machine the three may still reach
    # the 20 ms window one by one, so each round takes a fresh code and one round with two winners is enough.
    profiles = ["65a1f0c2e4b0a1b2c3d4e5f1", "65a1f0c2e4b0a1b2c3d4e5f2", "65a1f0c2e4b0a1b2c3d4e5f3"]
    with start_background(faults=frozenset({"attach-race"})) as running:
        url = running.url + BASE + "attach"
        winners = []
        for code in ("P11-0001", "P11-0002", "P11-0003", "P11-0004", "P11-0005"):
            barrier = threading.Barrier(len(profiles))

            def attach(profile: str, code: str = code, barrier: threading.Barrier = barrier) -> int:
                body = {"token": "mock-token", "db_id": 1, "loyalty_id": 11, "code": code}
                barrier.wait(timeout=30)
                answer = requests.post(url, json={**body, "matching": "profile_id", "profile_id": profile}, timeout=30)
                return int(answer.json()["error"])

            with ThreadPoolExecutor(len(profiles)) as pool:
                winners.append(list(pool.map(attach, profiles)).count(0))
            if winners[-1] > 1:
                break
    assert max(winners) > 1, f"no round had two winners: {winners}"


def test_start_background_reports_why_the_mock_did_not_start(tmp_path: Path) -> None:
    from mock_server.faults import UnknownFaultError
    from mock_server.seed import SeedError
    from mock_server.serve import ServerError

    with pytest.raises(SeedError, match="cannot read the seed file"):
        start_background(seed_path=tmp_path / "missing.yaml")
    with pytest.raises(UnknownFaultError, match="unknown fault"):
        start_background(faults=frozenset({"no-such-fault"}))
    with pytest.raises(ServerError, match=r"promo-mock: cannot listen on 256\.0\.0\.1"):
        start_background(host="256.0.0.1")


def test_a_host_name_is_resolved() -> None:
    with start_background(host="localhost") as running:
        assert running.url == f"http://127.0.0.1:{running.port}"
        assert requests.post(running.url + BASE + "get", json=GET, timeout=5).json()["error"] == 0


def test_only_serve_reads_the_banner() -> None:
    # one function starts promo-mock for everyone (mock_server.serve.launch): nobody else parses its first line
    root = Path(__file__).resolve().parents[2]
    readers = [
        path.relative_to(root).as_posix()
        for room in ("contract_tests", "generator", "bench", "tests")
        for path in (root / room).rglob("*.py")
        if "listening on" in path.read_text(encoding="utf-8") and path != Path(__file__).resolve()
    ]
    assert readers == [], readers
