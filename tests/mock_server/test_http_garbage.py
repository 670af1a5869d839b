"""Garbage on the raw socket: the server answers 4xx or closes, never 5xx, never hangs, and keeps serving."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from mock_server.serve import RunningServer, start_background
from tests.mock_server.conftest import BASE

GET = {"token": "mock-token", "code": "P11-0001", "loyalty_id": 11}
BODY = json.dumps(GET).encode()
VALID = (
    f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\nConnection: close\r\n\r\n"
).encode() + BODY
STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


@pytest.fixture(scope="module", params=[frozenset(), frozenset({"attach-race"})], ids=["inline", "thread-pool"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with start_background(faults=request.param) as running:
        yield running


def send(server: RunningServer, pieces: list[bytes], *, shut: bool = False, pause: float = 0.0) -> bytes:
    """Write ``pieces`` one by one, then read until the server closes (the 5 s timeout fails the test)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        try:
            for piece in pieces:
                conn.sendall(piece)
                if pause:
                    time.sleep(pause)
            if shut:
                conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close before everything was written
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass  # closed with our bytes unread: the kernel resets instead
        return b"".join(chunks)


def statuses(answer: bytes) -> list[int]:
    return [int(m.group(1)) for m in STATUS.finditer(answer)]


def assert_still_serves(server: RunningServer) -> None:
    assert b'"error":0' in send(server, [VALID])
    response = requests.post(server.url + BASE + "get", json=GET, timeout=5)
    assert response.status_code == 200 and response.json()["error"] == 0


GARBAGE = {
    "invalid request line": [b"THIS IS NOT HTTP\r\n\r\n"],
    "binary request line": [b"\x00\xff\xfe\r\n\r\n"],
    "http 0.9": [b"GET /\r\n\r\n"],
    "unknown version": [b"POST / HTTP/9.9\r\nHost: x\r\n\r\n"],
    "huge header": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"],
    "endless header, no end": [b"POST / HTTP/1.1\r\n" + b"X: y\r\n" * 20_000],
    "bad content-length": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nContent-Length: nope\r\n\r\n{}"],
    "negative content-length": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nContent-Length: -5\r\n\r\n"],
    "two content-lengths": [
        b"POST " + BASE.encode() + b"get HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    ],
    "content-length and chunked": [
        b"POST " + BASE.encode() + b"get HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ],
    "unknown transfer-encoding": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"],
    "bad chunk size": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    "non-ascii header bytes": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nX-\xff\xfe: \x80\x81\r\n\r\n"],
    "non-ascii header value": [
        b"POST " + BASE.encode() + b"get HTTP/1.1\r\nX-Name: \xd0\xbf\xd1\x80\xd0\xb8\r\nContent-Length: 0\r\n\r\n"
    ],
    "header without colon": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nbroken header line\r\n\r\n"],
    "space before colon": [b"POST " + BASE.encode() + b"get HTTP/1.1\r\nHost : x\r\n\r\n"],
    "bare LF and NUL": [b"POST / HTTP/1.1\nHost: \x00\n\n"],
}


def assert_refused(answer: bytes) -> None:
    """Nothing, an HTTP 4xx, or an HTTP 200 whose envelope refuses the request: never a served request, never 5xx."""
    codes = statuses(answer)
    assert answer == b"" or codes, answer[:200]  # closed without a word, or HTTP: never other bytes
    assert all(400 <= code < 500 or code == 200 for code in codes), answer[:200]
    if 200 in codes:  # the bytes parsed as HTTP and reached the API, which must refuse them in its envelope
        assert codes == [200], answer[:200]
        envelope = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert envelope["error"] != 0 and envelope["data"] is None, envelope


@pytest.mark.parametrize("pieces", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_gets_a_4xx_or_a_closed_connection_and_the_server_keeps_serving(
    server: RunningServer, pieces: list[bytes]
) -> None:
    assert_refused(send(server, pieces, shut=True))
    assert_still_serves(server)


def test_a_truncated_body_then_close_is_refused_or_dropped_and_no_hang(server: RunningServer) -> None:
    head = f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
    chunked = f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    for pieces in ([head, BODY[:10]], [chunked, b"%x\r\n" % len(BODY), BODY[:5]]):
        answer = send(server, pieces, shut=True)
        # nothing, an HTTP 400, or the envelope refusing the cut-off body: never a served request
        assert statuses(answer) in ([], [400]) or (statuses(answer) == [200] and b'"error":400' in answer), answer
    assert_still_serves(server)


def test_a_request_written_one_byte_at_a_time_is_answered(server: RunningServer) -> None:
    answer = send(server, [VALID[i : i + 1] for i in range(len(VALID))], pause=0.0005)
    assert statuses(answer) == [200] and b'"error":0' in answer
    assert_still_serves(server)


def test_an_oversized_chunked_body_is_refused_without_5xx(server: RunningServer) -> None:
    head = f"POST {BASE}get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
    chunk = b"%x\r\n%s\r\n" % (1 << 16, b"a" * (1 << 16))
    answer = send(server, [head] + [chunk] * 20 + [b"0\r\n\r\n"])
    assert statuses(answer) == [200] and b'"error":400' in answer and b"limit" in answer
    assert_still_serves(server)


def test_garbage_after_a_good_request_on_one_connection(server: RunningServer) -> None:
    keep = VALID.replace(b"Connection: close\r\n", b"")
    answer = send(server, [keep + b"\x16\x03\x01\x02\x00garbage\r\n\r\n"], shut=True)
    assert statuses(answer) == [200, 400] and b'"error":0' in answer
    assert_still_serves(server)
