"""The one HTTP layer: encode JSON/XML, send, decode, mask the token, count, rate-limit and budget requests."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import requests

from promo_spec import Spec
from promo_spec.media import JSON_TYPE, XML_TYPE, media_kind
from promo_spec.xml_codec import XmlBodyError, parse_xml, to_xml

MASK = "***"


class BudgetExhausted(BaseException):
    """The target file's request_budget is used up: the run stops cleanly.

    A BaseException, so that Hypothesis does not take it for a failing example and replay it.
    """


class TransportError(AssertionError):
    """The server could not be reached or answered with something that is not the API's envelope."""


class Masker:
    """Replace every spelling of the secret (raw, JSON-escaped, XML-escaped) with ``***``."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask ``secret`` from now on (empty strings are ignored)."""
        if not secret:
            return
        forms = {secret, json.dumps(secret)[1:-1], escape(secret), json.dumps(secret, ensure_ascii=False)[1:-1]}
        self._secrets.extend(f for f in forms if f and f not in self._secrets)
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _xml_ready(value: Any) -> Any:
    """Drop keys that cannot be XML element names (generated extras); they have no XML form."""
    if isinstance(value, dict):
        return {k: _xml_ready(v) for k, v in value.items() if isinstance(k, str) and _XML_NAME.match(k)}
    if isinstance(value, list):
        return [_xml_ready(v) for v in value]
    return value


def encode(body: Any, body_format: str, xml_type: str = XML_TYPE) -> tuple[bytes, str]:
    """Serialize a request body as JSON or as the API's ``<xml>`` (non-mappings become the root's text)."""
    if body_format == "xml":
        if isinstance(body, dict):
            return to_xml(_xml_ready(body)), xml_type
        return f"<xml>{escape(str(body))}</xml>".encode(), xml_type
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON_TYPE


def read_envelope(
    body: bytes, content_type: str, schema: dict[str, Any], asked: str | None
) -> tuple[dict[str, Any] | None, str]:
    """The envelope in ``body`` and '', or None and why not.

    ``asked`` is the response format the request asked for (``json`` or ``xml``), or None when the request
    named no format the docs know. The Content-Type is undocumented: it only must not name the other
    format. A missing or generic type (``text/plain``) is read as the asked format (both, when none was asked).

    Two leniencies apply to error envelopes only, where the docs are silent: one in the other format is
    accepted (a server may refuse an unreadable body, or a missing token, before it reads ``format``), and
    so is an XML one that echoes characters XML 1.0 forbids (control characters the request carried).
    """
    envelope, why = _read(body, content_type, schema, asked)
    if envelope is not None:
        return envelope, why
    fallbacks: list[tuple[bytes, str | None]] = [(body, None)] if asked is not None else []
    cleaned = _XML_ILLEGAL.sub(b"", body)
    if cleaned != body:
        fallbacks += [(cleaned, asked), (cleaned, None)] if asked is not None else [(cleaned, None)]
    for content, fmt in fallbacks:
        other, _ = _read(content, content_type, schema, fmt)
        if is_error_envelope(other):
            return other, ""
    return None, why


def is_error_envelope(envelope: Any) -> bool:
    """True for an envelope whose ``error`` is a non-zero integer."""
    error = envelope.get("error") if isinstance(envelope, dict) else None
    return isinstance(error, int) and not isinstance(error, bool) and error != 0


# C0 controls other than tab, newline and carriage return: never allowed in XML 1.0, raw or as references
_XML_ILLEGAL = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # raw
    rb"|&#(?:[xX]0*[0-8bcefBCEF]|[xX]0*1[0-9a-fA-F]|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"  # as references
)


def _read(
    body: bytes, content_type: str, schema: dict[str, Any], asked: str | None
) -> tuple[dict[str, Any] | None, str]:
    kind = media_kind(content_type)
    if asked is not None and kind != "other" and kind != asked:
        return None, f"asked for format {asked}, got Content-Type {content_type!r}"
    tries = [asked] if asked is not None else ([kind] if kind != "other" else ["json", "xml"])
    reasons = []
    for fmt in tries:
        try:
            decoded = parse_xml(body, schema) if fmt == "xml" else json.loads(body.decode("utf-8"))
        except (XmlBodyError, ValueError) as exc:
            reasons.append(f"cannot read the {fmt} body: {exc}")
            continue
        if isinstance(decoded, dict):
            return decoded, ""
        reasons.append(f"the {fmt} body is not an envelope object")
    return None, "; ".join(reasons)


def status_problem(status: int, error: int | None) -> str | None:
    """What is wrong with an HTTP status next to the envelope's ``error``; None when it fits.

    The docs' note on HTTP status is cut off ("Code 200 is the success status code in HTTP transport. However,
    if the..."), so the only requirements are: no server error, success with a 2xx, and an error envelope with
    2xx or 4xx. The status actually used goes to the wire log.
    """
    if status >= 500:
        return f"HTTP {status}: a server error"
    if error == 0 and not 200 <= status < 300:
        return f"HTTP {status} with error 0: a success envelope under a non-2xx status"
    if not (200 <= status < 300 or 400 <= status < 500):
        return f"HTTP {status}: neither 2xx nor 4xx"
    return None


def label_problem(body: bytes, content_type: str) -> str:
    """Why a body's Content-Type does not name its syntax ('' when it does, or when the body is neither).

    A JSON body needs a JSON media type (``application/json`` or ``+json``, RFC 8259 section 11), an XML body
    an XML one (``application/xml``, ``text/xml`` or ``+xml``, RFC 7303); parameters such as charset are free.
    """
    first = body.lstrip()[:1]
    actual = "json" if first in (b"{", b"[") else "xml" if first == b"<" else ""
    if not actual or media_kind(content_type) == actual:
        return ""
    wanted = "a JSON media type (application/json, +json)" if actual == "json" else "an XML media type"
    shown = content_type or "(no Content-Type)"
    return f"[wire-label] a {actual.upper()} body labelled {shown!r}: it needs {wanted}"


def sent_body(content: bytes | None, content_type: str, schema: dict[str, Any]) -> Any:
    """Read back the bytes actually sent, as the server would (JSON parsed, XML through parse_xml)."""
    raw = content or b""
    if "xml" in content_type:
        return parse_xml(raw, schema)
    return json.loads(raw.decode("utf-8"))


@dataclass
class Exchange:
    """One request and its answer, with the envelope decoded when possible."""

    operation: str
    url: str
    method: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    envelope: dict[str, Any] | None = None
    decode_error: str = ""
    label_problem: str = ""  # the answer's Content-Type does not name its body's syntax
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> int | None:
        """The envelope's ``error``, or None when there is no envelope."""
        value = (self.envelope or {}).get("error")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def error_text(self) -> str:
        """The envelope's ``error_text`` ('' when absent)."""
        return str((self.envelope or {}).get("error_text", ""))

    @property
    def data(self) -> Any:
        """The envelope's ``data``."""
        return (self.envelope or {}).get("data")


def _clip(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


class WireLog:
    """What the server chose where the docs are silent about the wire (media types, HTTP status): counted."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def seen(self, what: str, value: str) -> None:
        """Count one sighting of ``value`` for ``what``."""
        with self._lock:
            self.counts[(what, value)] += 1

    def answered(self, asked: str | None, content_type: str, status: int, envelope: dict[str, Any] | None) -> None:
        """Record an answer's media type (per asked format) and, for an envelope, its status next to its error."""
        media = content_type.split(";", 1)[0].strip() or "(none)"
        self.seen(f"format={asked or 'unknown'}: response Content-Type", media)
        if envelope is not None:
            error = "0" if envelope.get("error") == 0 else "!= 0"
            self.seen("HTTP status by envelope error", f"{status} with error {error}")

    def as_dict(self) -> dict[str, dict[str, int]]:
        """``{what: {value: count}}``, sorted."""
        found: dict[str, dict[str, int]] = {}
        for (what, value), count in sorted(self.counts.items()):
            found.setdefault(what, {})[value] = count
        return found


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
    ) -> Exchange:
        """Send exact bytes; the answer is not decoded."""
        self._admit()
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
        exchange = self.send_raw(operation, content, content_type, headers=headers)
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
            f"  {_clip(exchange.request_body.decode('utf-8', 'replace'))}\n"
            f"response: HTTP {exchange.status}\n{resp_headers}\n"
            f"  {_clip(exchange.response_body.decode('utf-8', 'replace'))}"
        )
        if exchange.decode_error:
            text += f"\n  (not decoded: {exchange.decode_error})"
        return self.mask(text)
