"""A kept-alive connection the server closes as a request goes out: sent again once, on a new connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from contract_tests.client import Client
from contract_tests.errors import TransportError
from promo_spec import load_spec

ANSWER = b'{"data": [], "error": 0, "error_text": ""}'


def _read_request(connection: socket.socket) -> bool:
    """Read one request (head and Content-Length body); False when the client closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        body += connection.recv(65536)
    return True


@contextmanager
def scripted_server(scripts: list[list[str]]) -> Iterator[str]:
    """Serve connection N by ``scripts[N]``: per request ``answer`` (200, kept alive) or ``close`` (no answer)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        for script in scripts:
            connection, _ = listener.accept()
            with connection:
                for step in script:
                    if not _read_request(connection):
                        break
                    if step == "close":
                        break
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
                        + ANSWER
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()
        thread.join(timeout=5)


def _client(url: str) -> Client:
    return Client(url, "stale-token", load_spec(), timeout=5)


def test_a_request_the_server_closed_a_kept_alive_connection_on_is_sent_again() -> None:
    with scripted_server([["answer", "close"], ["answer"]]) as url:
        client = _client(url)
        assert client.call("export_all", {"loyalty_id": 11}).error == 0
        assert client.call("export_all", {"loyalty_id": 11}).error == 0  # on a new connection
        assert (client.count, client.resent) == (3, 1)


def test_a_new_connection_closed_unanswered_is_a_transport_error() -> None:
    with scripted_server([["close"]]) as url:
        client = _client(url)
        with pytest.raises(TransportError, match=r"RemoteDisconnected|Connection aborted") as caught:
            client.call("export_all", {"loyalty_id": 11})
        assert client.resent == 0 and "again" not in str(caught.value)
        assert "stale-token" not in str(caught.value)


def test_sent_again_only_once() -> None:
    with scripted_server([["answer", "close"], ["close"]]) as url:
        client = _client(url)
        assert client.call("export_all", {"loyalty_id": 11}).error == 0
        with pytest.raises(TransportError, match="sent again on a new connection"):
            client.call("export_all", {"loyalty_id": 11})
        assert (client.count, client.resent) == (3, 1)
