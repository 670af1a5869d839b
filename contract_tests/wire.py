"""The wire format of requests and answers: encode a body as JSON or the API's XML, read an answer's envelope,
the ``Exchange`` record of one request and its answer, and the log of wire choices where the docs are silent.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from promo_spec.media import JSON_TYPE, XML_TYPE, media_kind
from promo_spec.xml_codec import XmlBodyError, parse_xml, to_xml

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


def clip(text: str, limit: int = 2000) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
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
