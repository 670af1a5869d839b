"""The HTTP layer's guarantees, each shown from a raw socket against a served ``promo-mock``."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
import requests

from mock_server.serve import RunningServer, ServerError, start_background
from tests.mock_server.conftest import BASE

GET = {"token": "mock-token", "code": "P11-0001", "loyalty_id": 11}
HEAD_TIMEOUT = 1.0  # seconds; the server drops a head that takes longer


def request(body: dict[str, object], *, close: bool = False, op: str = "get") -> bytes:
    raw = json.dumps(body).encode()
    extra = "Connection: close\r\n" if close else ""
    head = f"POST {BASE}{op} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
    return (head + extra + "\r\n").encode() + raw


def read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def answers(raw: bytes) -> list[tuple[int, bytes]]:
    """Split HTTP/1.1 answers read from one connection into (status, body), by their Content-Length."""
    found = []
    while raw:
        head, rest = raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
        found.append((int(lines[0].split()[1]), rest[:length]))
        raw = rest[length:]
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_background(head_timeout=HEAD_TIMEOUT) as running:
        yield running


def served(server: RunningServer) -> bool:
    response = requests.post(server.url + BASE + "get", json=GET, timeout=5)
    return response.status_code == 200 and response.json()["error"] == 0


def test_a_body_over_the_limit_is_answered_not_reset(server: RunningServer) -> None:
    body = b"{" + b" " * (5 << 20)
    head = f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(head.encode() + body)  # the whole body, as urllib and requests send it, before reading
        answer = read_all(conn)  # a reset raises ConnectionResetError here
    assert answer.startswith(b"HTTP/1.1 200 OK") and b'"error":400' in answer and b"exceeds the limit" in answer
    # the same through urllib, which failed with ECONNRESET against the hand-written server
    sent = urllib.request.Request(server.url + BASE + "get", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(sent, timeout=10) as response:
        assert json.loads(response.read())["error"] == 400
    assert served(server)


def test_a_slow_head_does_not_block_others_and_is_dropped_after_the_timeout(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        slow.sendall(f"POST {BASE}get HTTP/1.1\r\nHo".encode())
        started = time.monotonic()
        assert served(server)  # answered while the slow head is pending
        dropped_at = None
        try:
            for _ in range(50):  # keep trickling the head, one byte every 0.1 s: still dropped
                slow.sendall(b"s")
                time.sleep(0.1)
            answer = slow.recv(4096)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
        dropped_at = time.monotonic() - started
    assert not answer.startswith(b"HTTP/1.1 200"), answer
    assert HEAD_TIMEOUT * 0.5 < dropped_at < 10, dropped_at
    assert served(server)


def test_many_idle_connections_do_not_starve_a_new_one(server: RunningServer) -> None:
    idle: list[socket.socket] = []
    try:
        for n in range(300):
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if n % 3 == 0:  # a third had a request answered and now idle in keep-alive
                conn.sendall(request(GET))
                assert conn.recv(65536).startswith(b"HTTP/1.1 200 OK")
            idle.append(conn)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as fresh:
            fresh.sendall(request(GET, close=True))
            assert b'"error":0' in read_all(fresh)
    finally:
        for conn in idle:
            conn.close()


def test_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    codes = ["P11-0001", "NOPE-1", "P11-0002", "NOPE-2", "P11-0003"]
    raw = b"".join(request({**GET, "code": code}, close=n == len(codes) - 1) for n, code in enumerate(codes))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(raw)  # all five in one write, before any answer
        answer = read_all(conn)
    bodies = [json.loads(body) for status, body in answers(answer) if status == 200]
    assert len(bodies) == len(codes)
    assert [b["error"] for b in bodies] == [0, 430, 0, 430, 0]
    assert [b["data"]["code"] for b in bodies if b["error"] == 0] == ["P11-0001", "P11-0002", "P11-0003"]


def _sigterm(running: RunningServer) -> None:
    running.process.send_signal(signal.SIGTERM)


def _ctrl_c(running: RunningServer) -> None:
    running.process.send_signal(signal.SIGINT)


def _stop(running: RunningServer) -> None:
    threading.Thread(target=running.stop, daemon=True).start()


@pytest.mark.parametrize("shutdown", [_sigterm, _ctrl_c, _stop], ids=["SIGTERM", "Ctrl-C", "stop()"])
def test_shutdown_finishes_the_request_in_flight_and_releases_the_port(
    shutdown: Callable[[RunningServer], None],
) -> None:
    running = start_background()
    whole = request(GET, close=True).replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n", 1)
    head, body = whole.split(b"\r\n\r\n", 1)
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as conn:
        conn.sendall(head + b"\r\n\r\n" + body[:10])
        # the app is waiting for the body: the request is in flight
        assert conn.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        shutdown(running)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # shutting down: the listener closes first
            try:
                socket.create_connection(("127.0.0.1", running.port), timeout=1).close()
            except OSError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the server kept accepting after the signal")
        conn.sendall(body[10:])
        answer = read_all(conn)
    assert answer.startswith(b"HTTP/1.1 200 OK") and b'"error":0' in answer, answer[:200]
    assert running.process.wait(timeout=20) == 0
    running.stop()
    assert port_is_free(running.port)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=2).close()


def test_a_taken_port_is_a_clear_error() -> None:
    with start_background() as running:
        with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{running.port}: Address already in use"):
            start_background(port=running.port)
        assert served(running)  # the running one is untouched (granian's SO_REUSEPORT would have shared it)


def test_the_cli_exits_1_on_a_taken_port() -> None:
    with start_background() as running:
        result = subprocess.run(
            [sys.executable, "-m", "mock_server.cli", "--port", str(running.port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert f"promo-mock: cannot listen on 127.0.0.1:{running.port}: Address already in use" in result.stderr


def test_the_mock_stops_when_its_embedding_parent_dies() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", "from mock_server.serve import start_background; print(start_background().port)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    port = int(parent.stdout.readline())
    parent.kill()  # no stop(), no atexit: the child sees its standard input close
    parent.wait(timeout=10)
    deadline = time.monotonic() + 20
    while not port_is_free(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert port_is_free(port)
