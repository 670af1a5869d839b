"""Serve a WSGI app over HTTP/1.1 keep-alive with one thread per connection (stdlib, Nagle off).

Werkzeug's development server measured about 1,100 req/s here; this lean adapter over
``http.server`` about 5x that, which is what lets the mock outrun Prism (bench/mock/).
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from mock_server import DEFAULT_TOKEN
from mock_server.app import MAX_BODY, create_app
from mock_server.seed import load_seed

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Body(io.RawIOBase):
    """The request body as a stream that never reads past Content-Length."""

    def __init__(self, source: Any, length: int) -> None:
        self.source = source
        self.left = length

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.source.read(want)
        self.left -= len(data)
        if len(data) < want:
            self.left = 0
        return data


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~40 ms per keep-alive request (Nagle + delayed ACK)
    server_version = "promo-mock"
    timeout = 60  # idle keep-alive connections end
    server: MockHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:  # method, path and status only: bodies carry the token
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._run()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _body(self, limit: int) -> tuple[_Body | io.BytesIO, str, bool]:
        """Return the body stream, the CONTENT_LENGTH to report, and whether the connection must close after."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data, complete = self._dechunk(limit)
            return io.BytesIO(data), str(len(data)), not complete
        raw = self.headers.get("Content-Length", "")
        try:
            length = int(raw) if raw else 0
        except ValueError:
            return _Body(self.rfile, 0), raw, True
        return _Body(self.rfile, max(length, 0)), raw, length < 0

    def _dechunk(self, limit: int) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        total = 0
        while total <= limit:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)
            except ValueError:
                return b"".join(parts) + b"\0" * (limit + 1), False  # unreadable framing: refuse as too large
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts), True
            chunk = self.rfile.read(min(size, limit + 1 - total))
            parts.append(chunk)
            total += len(chunk)
            if len(chunk) < size:
                break
            self.rfile.readline(1024)
        return b"".join(parts), False

    def _run(self) -> None:
        app = self.server.app
        stream, length, must_close = self._body(getattr(app, "max_body", MAX_BODY))
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": length,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": stream,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[name] = value
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            started[:] = [status, headers]
            return self.wfile.write

        chunks = list(app(environ, start_response))
        if isinstance(stream, _Body) and stream.left > 0:
            must_close = True  # the app left body bytes unread: they must not be taken for the next request
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            self.send_header(name, value)
        if must_close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            for chunk in chunks:
                self.wfile.write(chunk)


class MockHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server for one WSGI app."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WsgiApp, *, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self.server_address[1])


class RunningServer:
    """A mock serving in a daemon thread; ``stop()`` (or leaving the ``with`` block) shuts it down."""

    def __init__(self, server: MockHTTPServer, app: Any) -> None:
        self.server = server
        self.app = app
        self.host = str(server.server_address[0])
        self.port = server.port
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name=f"promo-mock:{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_background(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed_path: Path | str | None = None,
    token: str = DEFAULT_TOKEN,
    faults: frozenset[str] = frozenset(),
) -> RunningServer:
    """Serve the seed at ``seed_path`` (default seed if None) in a daemon thread; returns once listening."""
    app = create_app(load_seed(seed_path), token=token, faults=faults)
    return RunningServer(MockHTTPServer((host, port), app), app)
