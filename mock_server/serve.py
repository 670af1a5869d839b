"""Run the mock: in a background daemon thread for embedding (``start_background``), or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from mock_server import DEFAULT_TOKEN
from mock_server.app import create_app
from mock_server.http import Server, WsgiApp
from mock_server.seed import load_seed


class RunningServer:
    """An app served on its own event loop in a daemon thread; ``stop()`` or leaving ``with`` shuts it down."""

    def __init__(self, app: WsgiApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = Server(app, host, port)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="promo-mock", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join(timeout=5)
            raise self._failure
        self.host = host
        self.port = self._server.port
        self.url = f"http://{host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.start())
        except BaseException as exc:  # e.g. the port is taken: re-raised in the caller's thread
            self._failure = exc
            self._ready.set()
            self._loop.close()
            return
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._server.close())
            self._loop.close()

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

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
    api_version: str | None = None,
) -> RunningServer:
    """Serve the seed at ``seed_path`` (default seed if None) in a daemon thread; returns once listening."""
    app = create_app(load_seed(seed_path), token=token, faults=faults, api_version=api_version)
    return RunningServer(app, host=host, port=port)


def serve_forever(app: WsgiApp, host: str, port: int, *, verbose: bool = False, announce: Any = print) -> None:
    """Serve in the foreground until interrupted; ``announce`` gets the ``listening on URL`` line once bound."""

    async def main() -> None:
        server = Server(app, host, port, verbose=verbose)
        await server.start()
        announce(f"listening on http://{host}:{server.port}")
        try:
            await asyncio.Event().wait()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
