"""A TCP proxy on loopback that delays every chunk by a fixed time each way: a real network's round trip, reproduced.

``python bench/contract/delay_proxy.py --upstream 127.0.0.1:8080 --delay-ms 10`` listens on 127.0.0.1 (port 0:
the OS picks; the address is printed) and forwards to the upstream, adding 10 ms each way (20 ms RTT). The delay
does not limit throughput: chunks are queued with their due time. Bounded: loopback upstreams only, at most
``--max-connections`` connections at once, idle connections closed after ``--idle-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Iterator

from contract_tests.target import is_loopback_host

CHUNK = 65536


class DelayProxy:
    """Forward 127.0.0.1:port to a loopback upstream, delaying each direction by ``delay`` seconds."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        delay: float,
        max_connections: int = 64,
        idle_seconds: float = 60.0,
    ) -> None:
        if not is_loopback_host(upstream_host):
            raise ValueError(f"the delay proxy forwards to loopback only, not {upstream_host!r}")
        if not 0 <= delay <= 1:
            raise ValueError(f"the delay must be between 0 and 1 s, not {delay}")
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay
        self.idle_seconds = idle_seconds
        self._slots = asyncio.Semaphore(max_connections)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a port the OS picks."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        async with self._slots:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                client_writer.close()
                return
            try:
                await asyncio.gather(self._pipe(client_reader, up_writer), self._pipe(up_reader, client_writer))
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                for writer in (client_writer, up_writer):
                    writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy reader to writer, each chunk ``delay`` after it arrived; order kept, throughput not limited."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            loop = asyncio.get_running_loop()
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(OSError):
                writer.write_eof()

        sender = asyncio.create_task(deliver())
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await asyncio.wait_for(reader.read(CHUNK), timeout=self.idle_seconds)
                await queue.put((loop.time() + self.delay, data))
                if not data:
                    break
        except (TimeoutError, OSError):
            await queue.put((0.0, b""))
        except asyncio.CancelledError:
            sender.cancel()
            raise
        await sender


@contextlib.contextmanager
def delayed(upstream_url: str, *, delay_ms: float) -> Iterator[str]:
    """Run a DelayProxy in a background thread in front of ``upstream_url``; yield the proxy's base URL."""
    host_port = upstream_url.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    loop = asyncio.new_event_loop()
    proxy = DelayProxy(host, int(port), delay=delay_ms / 1000)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(proxy.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="delay-proxy", daemon=True)
    thread.start()
    if not ready.wait(timeout=10):
        raise RuntimeError("the delay proxy did not start")
    try:
        yield f"http://127.0.0.1:{proxy.port}"
    finally:
        asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """Run the proxy in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, metavar="HOST:PORT", help="a loopback server, e.g. 127.0.0.1:8080")
    parser.add_argument("--delay-ms", type=float, default=10.0, help="delay each way in ms (default 10: 20 ms RTT)")
    args = parser.parse_args(argv)
    try:
        with delayed(f"http://{args.upstream}", delay_ms=args.delay_ms) as url:
            print(f"delaying {args.delay_ms:g} ms each way: {url} -> http://{args.upstream}", flush=True)
            while True:
                time.sleep(3600)
    except ValueError as exc:
        print(f"delay_proxy: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
