"""Serve the mock over HTTP with granian (Rust, hyper): in the foreground for ``promo-mock`` (``serve_forever``),
or as a ``promo-mock`` child process for embedding (``start_background``; ``launch`` for a command line as written).

HTTP/1.1 is granian's: parsing, keep-alive, pipelining, chunked bodies, ``100 Continue``, the timeout on a
request head, backpressure, and the graceful shutdown on SIGTERM or SIGINT (requests in flight are answered,
then the port is released). Granian runs the app in one worker process that it forks, so the app (and its
store, in memory) lives there. This module adapts the app to granian's RSGI interface (asyncio): bodies are
awaited, so a client sending its body slowly holds no thread, and the app then runs inline (about 60 us a
request), or on a thread pool when it may sleep (``app.blocking``: the fault ``attach-race``) so that
requests overlap. Granian's WSGI interface was measured too: its blocking thread waits for a slow body and
stalls every other request. Its embedded in-process mode returns from ``stop()`` before its Rust threads
are done, and the interpreter then aborts at exit (granian 2.8). Why granian and not uvicorn:
``mock_server/README.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.mp import MPServer as GranianServer  # the GIL build's server (processes)

from mock_server import DEFAULT_TOKEN, TOKEN_ENV, errors
from mock_server.app import Answer, MockApp
from mock_server.errors import ApiError
from mock_server.faults import check_faults
from mock_server.seed import load_seed
from promo_spec.versions import known_versions

DRAIN_LIMIT = 64 << 20  # a refused body is read and dropped up to this size, so that the client reads the answer
SHUTDOWN_TIMEOUT = 10  # seconds the requests in flight get to finish after SIGTERM/SIGINT before the worker is killed
HEAD_TIMEOUT = 10.0  # seconds a client may take to send a request head (an idle keep-alive connection too)
BLOCKING_THREADS = 32  # threads for an app that sleeps in requests
START_TIMEOUT = 60.0  # seconds start_background waits for the "listening on" line
LISTENING = re.compile(r"^listening on (http://\S+)")

# granian's logging, to stderr: stdout carries only the "listening on" line (start_background reads it)
_LOGGING = {
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
        "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
    }
}


class ServerError(RuntimeError):
    """The mock could not be served: the address cannot be bound, or the server process did not start."""


class RsgiAdapter:
    """The app behind granian's RSGI interface: route, refuse an over-long body, await the body, answer."""

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self.executor: ThreadPoolExecutor | None = None  # made in the worker process (threads do not survive fork)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """Answer one HTTP request."""
        status, headers, body = await self._answer(scope, proto)
        proto.response_bytes(status, headers, body)

    async def _answer(self, scope: Any, proto: Any) -> Answer:
        app = self.app
        routed = app.route(scope.method, scope.path)
        if not isinstance(routed, str):
            return routed
        try:
            length = app.declared_length(scope.headers.get("content-length") or "")
            body = await self._read(proto, length)
        except ApiError as exc:
            # A client that writes its whole body before reading (urllib, requests) sees a connection reset
            # instead of the answer when the server closes with the body unread: read and drop it first.
            await _drain(proto)
            return app.refusal(exc)
        content_type = scope.headers.get("content-type") or ""
        authorization = scope.headers.get("authorization")  # read as a token only by versions with bearer auth
        if not app.blocking:
            return app.answer(routed, content_type, body, authorization)
        if self.executor is None:
            self.executor = ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix="promo-mock")
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, app.answer, routed, content_type, body, authorization
        )

    async def _read(self, proto: Any, length: int | None) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in proto:  # stop reading a chunked body once it grows past the limit
            size += len(chunk)
            if size > self.app.max_body:
                raise self.app.too_long()
            chunks.append(chunk)
        if length is not None and size < length:  # the client closed its side early
            raise ApiError(errors.INCORRECT_REQUEST, f"body ended after {size} of {length} bytes")
        return b"".join(chunks)


async def _drain(proto: Any) -> None:
    """Read and drop the rest of a refused body, up to ``DRAIN_LIMIT`` bytes."""
    dropped = 0
    with contextlib.suppress(Exception):  # the client went away, or the body was read already
        async for chunk in proto:
            dropped += len(chunk)
            if dropped > DRAIN_LIMIT:
                return


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).split("\n", 1)[0] or type(exc).__name__


def _address(host: str) -> str:
    """The IP address to bind for ``host`` (granian takes addresses only): a name is resolved first."""
    try:
        return str(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0])
    except (OSError, UnicodeError) as exc:
        raise ServerError(f"cannot listen on {host}: {_reason(exc)}") from None


def _check_free(host: str, port: int) -> None:
    """Refuse a port that a process listens on: granian binds with SO_REUSEPORT, so two servers would share it."""
    if port == 0:
        return
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free to listen on
            probe.bind((host, port))
    except OSError as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {_reason(exc)}") from None


def _bound_port(server: GranianServer) -> int:
    """The port granian bound (port 0 asks the OS); granian 2.8 keeps its listener spec in ``_ssp``."""
    spec = getattr(server, "_ssp", None)
    state = spec.__getstate__() if spec is not None else None
    if not (isinstance(state, tuple) and len(state) >= 2 and isinstance(state[1], int)):
        raise ServerError(f"cannot read the bound port from granian ({state!r}); granian 2.8 is required")
    return state[1]


def _announce_when_accepting(host: str, port: int, announce: Callable[[str], Any]) -> None:
    """Announce the URL once the worker answers a request.

    granian binds in the main process before its worker runs, so an accepted connection proves nothing: a
    SIGTERM sent before the worker serves is only acted on after the kill timeout.
    """
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(host, port, timeout=1)
        try:
            connection.request("HEAD", "/")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.01)
            continue
        finally:
            connection.close()
        announce(f"listening on http://{host}:{port}")
        return
    print(f"promo-mock: the server on {host}:{port} did not accept within {START_TIMEOUT:.0f} s", file=sys.stderr)


def serve_forever(
    app: MockApp,
    host: str,
    port: int,
    *,
    verbose: bool = False,
    announce: Callable[[str], Any] = print,
    head_timeout: float = HEAD_TIMEOUT,
    stop_on_stdin_eof: bool = False,
) -> None:
    """Serve until SIGTERM or SIGINT (Ctrl-C); requests in flight are answered, then the port is released.

    ``announce`` gets the ``listening on URL`` line once the server accepts. ``stop_on_stdin_eof`` also stops
    when standard input closes (the embedding parent exited, even killed). ServerError when the address
    cannot be bound.
    """
    address = _address(host)
    _check_free(address, port)
    server = GranianServer(
        "mock_server.serve:RsgiAdapter",  # a label: the app itself is handed over by target_loader below
        address=address,
        port=port,
        interface=Interfaces.RSGI,
        http=HTTPModes.http1,
        workers=1,  # one process holds the store
        workers_kill_timeout=SHUTDOWN_TIMEOUT,
        http1_settings=HTTP1Settings(header_read_timeout=int(head_timeout * 1000)),
        websockets=False,
        log_level=LogLevels.error,
        log_dictconfig=_LOGGING,
        log_access=verbose,
        log_access_format="%(method)s %(path)s %(status)d",  # never the body, so never the token
    )

    def started() -> None:
        bound = _bound_port(server)
        threading.Thread(target=_announce_when_accepting, args=(address, bound, announce), daemon=True).start()

    server.on_startup(started)
    if stop_on_stdin_eof:
        threading.Thread(target=_stop_on_eof, daemon=True).start()
    try:
        server.serve(target_loader=lambda *_args, **_kwargs: RsgiAdapter(app).__rsgi__, wrap_loader=False)
    except SystemExit as exc:  # granian exits when its worker cannot start (e.g. it cannot bind)
        raise ServerError(f"cannot serve on {host}:{port}: granian exited with {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {_reason(exc)}") from None


def _stop_on_eof() -> None:
    """Wait for standard input to close, then stop the server with SIGTERM (gracefully)."""
    # os.read, not sys.stdin: the forked worker closes sys.stdin, which would wait for a lock this thread holds
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
    os.kill(os.getpid(), signal.SIGTERM)


class RunningServer:
    """A ``promo-mock`` child process; ``stop()`` or leaving ``with`` ends it gracefully and releases the port."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.host, port = url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``sig`` (SIGTERM, or SIGINT as Ctrl-C does) and wait for the exit; return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        return self.process.returncode

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _first_line(stream: IO[str], timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else ""


def start_background(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed_path: Path | str | None = None,
    token: str = DEFAULT_TOKEN,
    faults: frozenset[str] = frozenset(),
    api_version: str | None = None,
    head_timeout: float = HEAD_TIMEOUT,
    stderr: int | IO[Any] | None = None,
) -> RunningServer:
    """Start ``promo-mock`` serving the seed at ``seed_path`` (default seed if None); return once it accepts.

    ``api_version`` is the API version served (default: the base version, v72, like ``create_app``).

    The token goes through the environment, never the command line. UnknownFaultError or SeedError for a bad
    fault name or seed file; ServerError (with promo-mock's own message) when it cannot start otherwise,
    e.g. the port is taken.
    """
    check_faults(faults)  # UnknownFaultError and SeedError here, in the caller, as from create_app
    load_seed(seed_path)
    command = [sys.executable, "-m", "mock_server.cli", "--host", host, "--port", str(port)]
    command += ["--head-timeout", str(head_timeout), "--stop-on-stdin-eof"]
    # The version served: the given one, else the base version (spec/openapi.yaml), as create_app serves.
    command += ["--api-version", api_version or known_versions()[0]]
    if seed_path is not None:
        command += ["--seed", str(seed_path)]
    for name in sorted(faults):
        command += ["--fault", name]
    return launch(command, env={TOKEN_ENV: token}, stderr=stderr)


def launch(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path | str | None = None, stderr: Any = None
) -> RunningServer:
    """Run a ``promo-mock`` command line as given and return once it prints its ``listening on URL`` line.

    The one place that starts promo-mock and reads its banner: ``start_background`` builds the command from
    keyword options; tests that run a command as a README writes it pass that command here. ``env`` is added to
    this process's environment. ServerError (with promo-mock's own last words) when no banner comes.
    """
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.PIPE,  # closed when this process ends, however it ends (--stop-on-stdin-eof then stops it)
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr is None else stderr,
        text=True,
    )
    assert process.stdout is not None
    line = _first_line(process.stdout, START_TIMEOUT)
    found = LISTENING.match(line)
    if found is None:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=10)
        why = (err or "").strip().splitlines()[-1:] or [f"no 'listening on' line within {START_TIMEOUT:.0f} s"]
        raise ServerError(f"promo-mock did not start (exit {process.returncode}): {why[0]}")
    if stderr is None and process.stderr is not None:
        threading.Thread(target=_relay, args=(process.stderr,), daemon=True).start()
    return RunningServer(process, found.group(1))


def _relay(stream: IO[str]) -> None:
    """Copy the server's stderr (tracebacks of mock bugs) to ours, so it never fills the pipe and blocks."""
    for line in stream:
        sys.stderr.write(line)
