"""A small HTTP/1.1 server for one WSGI app on an asyncio event loop (keep-alive, pipelining, chunked bodies).

Why not a threaded server: on this 2-core machine Werkzeug's threaded server made about
1,100 req/s and a stdlib ``ThreadingHTTPServer`` adapter about 2,400 req/s with 16
connections (GIL hand-offs between connection threads), below 3x Prism (about 1,340 req/s
under the same wrk load). The mock's work per request is about 60 us, so one event loop
running the app inline serves every connection without thread switches, and the store's
lock still guards any other thread (embedding code, tests) that calls the app.

An app with ``blocking = True`` (the fault ``attach-race``, which sleeps between check and
set) is run on a thread pool instead, so concurrent requests really do overlap.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]

MAX_HEAD = 65536
DEFAULT_MAX_BODY = 1 << 20


def call_app(app: WsgiApp, environ: dict[str, Any]) -> Answer:
    """Run the WSGI app once and collect its answer."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
        started[:] = [status, headers]
        return lambda _data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return started[0], started[1], body


class _Request:
    __slots__ = ("body", "close_after", "environ")

    def __init__(self, environ: dict[str, Any], body: bytes, close_after: bool) -> None:
        self.environ = environ
        self.body = body
        self.close_after = close_after


class _Connection(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.head: tuple[str, str, str, dict[str, str]] | None = None
        self.busy = False
        self.closing = False
        self.continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._pump()

    def _pump(self) -> None:
        while not self.busy and not self.closing:
            request = self._next()
            if request is None:
                return
            self._dispatch(request)

    def _fail(self, status: str) -> None:
        self._write(status, [("Content-Type", "text/plain"), ("Content-Length", "0")], b"", close=True)

    def _next(self) -> _Request | None:
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
            if end < 0:
                if len(self.buffer) >= MAX_HEAD:
                    self._fail("431 Request Header Fields Too Large")
                return None
            try:
                self.head = _parse_head(bytes(self.buffer[:end]))
            except ValueError:
                self._fail("400 Bad Request")
                return None
            del self.buffer[: end + 4]
            self.continued = False
        method, target, version, headers = self.head
        limit = getattr(self.server.app, "max_body", DEFAULT_MAX_BODY)
        close_after = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parsed = _dechunk(self.buffer, limit)
            if parsed is None:
                self._maybe_continue(headers)
                return None
            body, used, complete = parsed
            del self.buffer[:used]
            length = str(len(body))
            close_after = close_after or not complete
        else:
            raw = headers.get("content-length", "")
            try:
                size = int(raw) if raw else 0
            except ValueError:
                size = -1
            if size < 0 or size > limit:  # the app refuses it without reading; the unread bytes end the connection
                body, length, close_after = b"", raw, True
            else:
                if len(self.buffer) < size:
                    self._maybe_continue(headers)
                    return None
                body, length = bytes(self.buffer[:size]), raw
                del self.buffer[:size]
        self.head = None
        path, _, query = target.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": length,
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            if name not in ("content-type", "content-length"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return _Request(environ, body, close_after)

    def _maybe_continue(self, headers: dict[str, str]) -> None:
        if not self.continued and headers.get("expect", "").lower() == "100-continue" and self.transport:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.continued = True

    def _dispatch(self, request: _Request) -> None:
        app = self.server.app
        if self.server.executor is None:
            self._answer(request, call_app(app, request.environ))
            return
        self.busy = True
        future = asyncio.get_running_loop().run_in_executor(self.server.executor, call_app, app, request.environ)

        def done(finished: asyncio.Future[Answer]) -> None:
            self.busy = False
            self._answer(request, finished.result())
            self._pump()

        future.add_done_callback(done)

    def _answer(self, request: _Request, answer: Answer) -> None:
        status, headers, body = answer
        if self.server.verbose:
            env = request.environ
            sys.stderr.write(
                f"{env['REQUEST_METHOD']} {env['PATH_INFO']} {status}\n"
            )  # never the body: it has the token
        if request.environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        self._write(status, headers, body, close=request.close_after)

    def _write(self, status: str, headers: list[tuple[str, str]], body: bytes, *, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status}", "Server: promo-mock"]
        lines += [f"{name}: {value}" for name, value in headers]
        if close:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.closing = True
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.closing = True
        self.server.connections.discard(self)


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    text = head.decode("latin-1")
    request_line, *header_lines = text.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        raise ValueError(request_line)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ValueError(line)
        headers[name.lower()] = value.strip()
    return parts[0], parts[1], parts[2], headers


def _dechunk(buffer: bytearray, limit: int) -> tuple[bytes, int, bool] | None:
    """(body, bytes used, complete) once the chunked body is in ``buffer`` or exceeds ``limit``; None: need more."""
    parts: list[bytes] = []
    total = pos = 0
    while True:
        end = buffer.find(b"\r\n", pos)
        if end < 0:
            return None
        try:
            size = int(bytes(buffer[pos:end]).split(b";", 1)[0].strip(), 16)
        except ValueError:
            return b"\0" * (limit + 1), len(buffer), False  # bad framing: refused as too large, connection closed
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", end)
            if trailer_end < 0:
                return None
            return b"".join(parts), trailer_end + 4, True
        total += size
        if total > limit:
            return b"\0" * (limit + 1), len(buffer), False
        start = end + 2
        if len(buffer) < start + size + 2:
            return None
        parts.append(bytes(buffer[start : start + size]))
        pos = start + size + 2


class Server:
    """One WSGI app served on an asyncio event loop."""

    def __init__(self, app: WsgiApp, host: str, port: int, *, verbose: bool = False) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.verbose = verbose
        self.executor = (
            ThreadPoolExecutor(32, thread_name_prefix="promo-mock") if getattr(app, "blocking", False) else None
        )
        self._server: asyncio.base_events.Server | None = None
        self.connections: set[_Connection] = set()

    async def start(self) -> None:
        """Bind and start accepting; ``port`` is the bound port afterwards."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port, backlog=512)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop accepting and close the listening socket."""
        if self._server is not None:
            self._server.close()
            for connection in list(self.connections):
                if connection.transport is not None:
                    connection.transport.close()
            await self._server.wait_closed()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
