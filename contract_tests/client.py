"""The one HTTP client of the suite: send, decode, count, rate-limit and budget requests; resend a request once
when the server closed its kept-alive connection unanswered. Every failure to get an answer is a
``TransportError`` (a tool error, ``contract_tests/errors.py``), never a contract failure.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from pathlib import Path
from typing import Any

import requests

from contract_tests.errors import BudgetExhausted, TransportError
from contract_tests.masking import Masker
from contract_tests.wire import Exchange, WireLog, clip, encode, read_envelope
from contract_tests.wire_oracles import label_problem
from promo_spec import Spec
from promo_spec.media import XML_TYPE


def closed_unanswered(exc: BaseException) -> bool:
    """Whether ``exc`` says the server closed the connection without answering (no status line came back)."""
    pending: list[BaseException] = [exc]
    visited: set[int] = set()
    while pending:
        error = pending.pop()
        if id(error) in visited:
            continue
        visited.add(id(error))
        if isinstance(error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
            return True
        # requests wraps urllib3's error in args; urllib3 wraps http.client's in args, __cause__ or __context__
        pending += [a for a in error.args if isinstance(a, BaseException)]
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]
    return False


READS = frozenset({"get", "export_all"})  # the operations that never change the server's state


class WriteLog:
    """Every request of this process that may change the server (any operation but get and export_all), in order:
    the program and the codes it names, None where it names no code (a pool draw) or was sent as raw bytes.

    One log for every Client of the process (startup, tests, histories' threads): ``contract_tests.listings`` reads it
    to tell whether a listing read earlier still shows a program as it is.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[Any, frozenset[str] | None]] = []

    def add(self, program: Any, codes: frozenset[str] | None) -> None:
        """Note one request that may change ``program`` (None: unknown) at the codes it names (None: any code)."""
        with self._lock:
            self._entries.append((program, codes))

    @property
    def position(self) -> int:
        """How many writes the log holds: a mark for ``since``."""
        with self._lock:
            return len(self._entries)

    def since(self, mark: int) -> list[tuple[Any, frozenset[str] | None]]:
        """The writes after ``mark``."""
        with self._lock:
            return self._entries[mark:]


WRITES = WriteLog()


def named_codes(operation: str, body: dict[str, Any]) -> frozenset[str] | None:
    """The codes a request of ``operation`` names (None: it may change a code it does not name, as a draw does)."""
    codes = body.get("codes") if operation == "import" else [body.get("code")]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        return None
    return frozenset(codes)


class Client:
    """Send API requests to one target; thread-safe counting; one requests.Session per thread."""

    def __init__(
        self,
        base_url: str,
        token: str,
        spec: Spec,
        *,
        timeout: float = 10.0,
        rate_limit: float | None = None,
        budget: int | None = None,
        xml_type: str = XML_TYPE,
        mask: Masker | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.spec = spec
        self.timeout = timeout
        self.rate_limit = rate_limit
        self.budget = budget
        self.xml_type = xml_type
        self.mask = mask or Masker([token])
        self.wire = WireLog()
        self.count = 0
        self.received = 0  # bytes of response bodies
        self.unlimited = False  # set during cleanup: the budget guards the tests, not the cleanup
        self.resent = 0  # requests sent again because the server had closed their kept-alive connection
        self.trace: Path | None = None  # --trace-requests: every request appended here, token masked
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # What requests would read from the environment at every request (proxies, CA bundle), read once:
            # every request goes to base_url. No ~/.netrc: the suite alone decides the Authorization header.
            session.trust_env = False
            session.proxies = requests.utils.get_environ_proxies(self.base_url)
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            self._local.session = session
        return session

    def _admit(self) -> None:
        with self._lock:
            if self.budget is not None and self.count >= self.budget and not self.unlimited:
                raise BudgetExhausted(
                    f"the request budget of {self.budget} requests (request_budget in the target file) is used up"
                )
            self.count += 1
            wait = 0.0
            if self.rate_limit:
                now = time.monotonic()
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / self.rate_limit
                wait = slot - now
        if wait > 0:
            time.sleep(wait)

    def url_of(self, operation: str) -> str:
        """Return the full URL of operation ``operation``."""
        return self.base_url + self.spec.operation(operation).path

    def send_raw(
        self,
        operation: str,
        content: bytes,
        content_type: str,
        *,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        names: tuple[Any, frozenset[str] | None] = (None, None),
    ) -> Exchange:
        """Send exact bytes; the answer is not decoded. ``names``: the program and codes the request names, for the
        write log (an operation that may change state; unknown by default)."""
        self._admit()
        if operation not in READS:
            WRITES.add(*names)
        url = self.url_of(operation)
        if self.trace is not None:
            line = f"{method} {operation} {content_type} {content.decode('utf-8', 'replace')!r}\n"
            with self._lock, self.trace.open("a", encoding="utf-8") as out:
                out.write(self.mask(line))
        sent_headers = {"Content-Type": content_type, **(headers or {})}
        started = time.monotonic()
        kept_alive = getattr(self._local, "answered", False)  # this thread's session holds a used connection
        try:
            response = self._session().request(method, url, data=content, headers=sent_headers, timeout=self.timeout)
        except requests.RequestException as exc:
            if not (kept_alive and closed_unanswered(exc)):
                raise TransportError(self.mask(f"{method} {url} failed: {type(exc).__name__}: {exc}")) from None
            # The server closed the kept-alive connection as this request went out (its idle timeout met the
            # request while its FIN was still on the way; over a real network that window is half a round trip):
            # nothing was answered, so the request is sent once more, on a new connection.
            response = self._resend(method, url, content, sent_headers, first=exc)
        self._local.answered = True
        with self._lock:
            self.received += len(response.content)
        return Exchange(
            operation=operation,
            url=url,
            method=method,
            request_headers=sent_headers,
            request_body=content,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.content,
            elapsed=time.monotonic() - started,
            extra={"response": response},
        )

    def _resend(
        self, method: str, url: str, content: bytes, headers: dict[str, str], *, first: Exception
    ) -> requests.Response:
        """Send a request again on a new connection, once; TransportError naming both failures when it fails too."""
        self._session().close()
        self._local.session = None
        self._admit()
        with self._lock:
            self.resent += 1
        try:
            return self._session().request(method, url, data=content, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransportError(
                self.mask(
                    f"{method} {url} failed: {type(first).__name__}: {first}; sent again on a new connection: "
                    f"{type(exc).__name__}: {exc}"
                )
            ) from None

    def call(
        self,
        operation: str,
        body: dict[str, Any],
        *,
        body_format: str = "json",
        token: str | None = "valid",
        bearer: str | None = None,
    ) -> Exchange:
        """Send ``body`` with the token (``valid``: the target's; None: none; else that string) and decode the envelope.

        ``bearer`` puts a token (same values) in ``Authorization: Bearer`` too (API v74 on); the response format
        follows ``body['format']`` (default json).
        """
        payload = dict(body)
        if token == "valid":
            payload["token"] = self.token
        elif token is not None:
            payload["token"] = token
        headers = {}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {self.token if bearer == 'valid' else bearer}"
        content, content_type = encode(payload, body_format, self.xml_type)
        names = (body.get("loyalty_id"), named_codes(operation, body))
        exchange = self.send_raw(operation, content, content_type, headers=headers, names=names)
        fmt = payload.get("format", "json")
        self.decode(exchange, fmt if fmt in ("json", "xml") else None)  # a format the docs do not know: either
        return exchange

    def decode(self, exchange: Exchange, response_format: str | None) -> None:
        """Decode the envelope as ``response_format`` promises (None: any format); record why when it cannot."""
        schema = self.spec.operation(exchange.operation).response_schema
        ctype = exchange.response_headers.get("Content-Type", exchange.response_headers.get("content-type", ""))
        exchange.envelope, exchange.decode_error = read_envelope(exchange.response_body, ctype, schema, response_format)
        exchange.label_problem = label_problem(exchange.response_body, ctype)
        self.wire.answered(response_format, ctype, exchange.status, exchange.envelope)

    def describe(self, exchange: Exchange) -> str:
        """The one request/response formatter: token masked everywhere."""
        req_headers = "\n".join(f"  {k}: {v}" for k, v in exchange.request_headers.items())
        resp_headers = "\n".join(
            f"  {k}: {v}" for k, v in exchange.response_headers.items() if k.lower() in ("content-type", "allow")
        )
        text = (
            f"request: {exchange.method} {exchange.url}\n{req_headers}\n"
            f"  {clip(exchange.request_body.decode('utf-8', 'replace'))}\n"
            f"response: HTTP {exchange.status}\n{resp_headers}\n"
            f"  {clip(exchange.response_body.decode('utf-8', 'replace'))}"
        )
        if exchange.decode_error:
            text += f"\n  (not decoded: {exchange.decode_error})"
        return self.mask(text)
