"""An HTTP/1.1 server for one WSGI app on an asyncio event loop; the parsing is httptools' (llhttp, as in uvicorn).

httptools parses request lines, headers, Content-Length and chunked bodies; this module only turns its
callbacks into WSGI calls and writes the answers (keep-alive, pipelining in order, ``100 Continue``). A
request httptools refuses, an HTTP version other than 1.0/1.1 or a head over 64 KiB is answered 400 or
431 and the connection is closed; a body over the app's ``max_body`` is refused by the app from its
Content-Length (or once a chunked body grows past it) without being read, and the connection closes.

Why httptools and not h11: with the pure-Python h11 the mock made about 3.5k req/s for ``get`` but only
1.7k-2.4k for ``attach`` (2.1x-2.5x Prism, goal 3x); with httptools 6.3k and 4.1k (4.9x and 3.9x) on
this 2-core machine under wrk (2 threads, 16 connections); see ``mock_server/README.md``.

Why not a threaded server: Werkzeug's threaded server made about 1,100 req/s and a stdlib
``ThreadingHTTPServer`` adapter about 2,400 req/s (GIL hand-offs between connection threads). The
mock's work per request is about 60 us, so one event loop running the app inline serves every
connection without thread switches, and the store's lock still guards any other thread (embedding
code, tests) that calls the app.

An app with ``blocking = True`` (the fault ``attach-race``, which sleeps between check and set) is run
on a thread pool instead, so concurrent requests really do overlap; reading from that connection
pauses until its answer is out.
"""

from __future__ import annotations

import asyncio
import io
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

import httptools

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]

MAX_HEAD = 65536  # request line + headers; more is answered 431
DEFAULT_MAX_BODY = 1 << 20
MAX_READ = 256 * 1024  # the most one read of asyncio hands over
_REASONS = {400: "Bad Request", 431: "Request Header Fields Too Large"}


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
    __slots__ = ("body", "headers", "keep_alive", "length", "method", "refused", "size", "target", "version")

    def __init__(self) -> None:
        self.method = "GET"
        self.target = b""
        self.version = "1.1"
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.length = ""
        self.keep_alive = True
        self.refused = False  # over the body limit: answered without reading the body, then the connection closes


class _Stop(Exception):
    """Raised in a parser callback to stop parsing: ``status`` is the answer (0: the app answers a refused body)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Connection(asyncio.Protocol):
    """One client connection: httptools parses the bytes and calls back; complete requests queue up in order."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.limit: int = getattr(server.app, "max_body", DEFAULT_MAX_BODY)
        self.transport: asyncio.Transport | None = None
        self.current: _Request | None = None  # the request being parsed
        self.in_head = True  # between requests or inside a head: the bytes count against MAX_HEAD
        self.head_bytes = 0
        self.queue: deque[_Request] = deque()
        self.failure = 0  # once set: no more parsing; this status goes out after the queued answers
        self.busy = False  # an answer is being computed on the thread pool
        self.closing = False

    # httptools callbacks

    def on_message_begin(self) -> None:
        self.current = _Request()
        self.in_head = True

    def on_url(self, url: bytes) -> None:
        assert self.current is not None
        self.current.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.current is not None
        self.current.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        request = self.current
        assert request is not None
        self.in_head = False
        self.head_bytes = 0
        request.method = self.parser.get_method().decode("ascii")
        request.version = self.parser.get_http_version()
        if request.version not in ("1.0", "1.1"):
            raise _Stop(400)
        size = len(request.target) + sum(len(name) + len(value) + 4 for name, value in request.headers)
        if size > MAX_HEAD:
            raise _Stop(431)
        declared = next((value for name, value in request.headers if name == "content-length"), None)
        if declared is not None and int(declared) > self.limit:  # llhttp has checked it is one number
            request.refused, request.length = True, declared.strip()
            raise _Stop(0)
        expect = next((value for name, value in request.headers if name == "expect"), "")
        if expect.lower() == "100-continue" and request.version == "1.1" and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        request = self.current
        assert request is not None
        request.body.append(body)
        request.size += len(body)
        if request.size > self.limit:  # a chunked body grew past the limit
            request.refused, request.length = True, str(request.size)
            raise _Stop(0)

    def on_message_complete(self) -> None:
        request = self.current
        assert request is not None
        request.keep_alive = self.parser.should_keep_alive()
        if request.length == "":
            request.length = str(request.size)
        self.queue.append(request)
        self.current = None
        self.in_head = True

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self.failure or self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            stop = exc.__context__
            if not isinstance(stop, _Stop):  # a bug in a callback above: refuse, do not crash
                traceback.print_exc(file=sys.stderr)
                self.failure = 400
            elif stop.status == 0 and self.current is not None:
                self.queue.append(self.current)  # refused by the app, then closed
                self.current = None
                self.failure = -1
            else:
                self.failure = stop.status
        except httptools.HttpParserUpgrade:  # a protocol switch is never granted: answer what came, then close
            self.failure = -1
        except httptools.HttpParserError:
            self.failure = 400
        if self.in_head and not self.failure:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD + MAX_READ:  # an endless head: what one read may add beyond the limit
                self.failure = 431
        self._drain()

    def eof_received(self) -> bool:
        self._drain()
        return self.busy  # keep the transport open while an answer is still being computed

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.closing = True
        self.server.connections.discard(self)

    # answering

    def _drain(self) -> None:
        """Answer the queued requests in order; then a parse failure, if any, and close."""
        while self.queue and not self.busy and not self.closing:
            self._dispatch(self.queue.popleft())
        if self.busy or self.closing:
            return
        if self.failure > 0:
            self._write(f"{self.failure} {_REASONS[self.failure]}", [("Content-Length", "0")], b"", close=True)
        elif self.failure < 0:
            self._close()

    def _environ(self, request: _Request) -> dict[str, Any]:
        path, _, query = request.target.decode("latin-1").partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": "",
            "CONTENT_LENGTH": request.length,
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": "HTTP/" + request.version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b"" if request.refused else b"".join(request.body)),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers:
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name not in ("content-length", "transfer-encoding"):
                key = "HTTP_" + name.upper().replace("-", "_")
                environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _dispatch(self, request: _Request) -> None:
        environ = self._environ(request)
        close = request.refused or not request.keep_alive
        app = self.server.app
        if self.server.executor is None:
            try:
                answer = call_app(app, environ)
            except Exception:  # the app's own bugs are answered inside it; this is a last resort
                traceback.print_exc(file=sys.stderr)
                self._close()
                return
            self._answer(environ, answer, close=close)
            return
        self.busy = True
        if self.transport is not None:
            self.transport.pause_reading()  # pipelined bytes wait in the socket, not in memory
        future = asyncio.get_running_loop().run_in_executor(self.server.executor, call_app, app, environ)

        def done(finished: asyncio.Future[Answer]) -> None:
            self.busy = False
            if finished.cancelled() or finished.exception() is not None:
                self._close()
                return
            self._answer(environ, finished.result(), close=close)
            self._drain()
            if self.transport is not None and not self.closing:
                self.transport.resume_reading()

        future.add_done_callback(done)

    def _answer(self, environ: dict[str, Any], answer: Answer, *, close: bool) -> None:
        status, headers, body = answer
        if self.server.verbose:
            sys.stderr.write(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {status}\n")  # never the body
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers = [*headers, ("Content-Length", str(len(body)))]
        self._write(status, headers, b"" if environ["REQUEST_METHOD"] == "HEAD" else body, close=close)

    def _write(self, status: str, headers: list[tuple[str, str]], body: bytes, *, close: bool) -> None:
        if self.transport is None or self.closing:
            return
        lines = [f"HTTP/1.1 {status}", "Server: promo-mock"]
        lines += [f"{name}: {value}" for name, value in headers]
        if close:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self._close()

    def _close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


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
