"""Bytes on the wire: request bodies (JSON or XML) to dicts, envelopes to JSON or XML bodies."""

from __future__ import annotations

import json
from typing import Any

from mock_server import errors
from mock_server.errors import ApiError
from promo_spec.media import JSON_TYPE, XML_TYPE
from promo_spec.media import media_kind as kind_of_type
from promo_spec.xml_codec import XmlBodyError, parse_xml, to_xml


def media_kind(content_type: str, body: bytes) -> str:
    """Return ``json`` or ``xml`` for a request's Content-Type; without one, the body's first byte decides."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return "xml" if body.lstrip()[:1] == b"<" else "json"
    kind = kind_of_type(media)
    if kind != "other":
        return kind
    raise ApiError(
        errors.INCORRECT_REQUEST,
        f"unsupported Content-Type {media[:80]!r}; send {JSON_TYPE} or {XML_TYPE}",
    )


def decode(body: bytes, kind: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Read a request body into a dict; ApiError (400) says why it cannot be read."""
    if kind == "xml":
        try:
            return parse_xml(body, schema)
        except XmlBodyError as exc:
            raise ApiError(errors.INCORRECT_REQUEST, f"body is not usable XML ({exc})") from None
        except RecursionError:
            raise ApiError(errors.INCORRECT_REQUEST, "body is not usable XML (nested too deeply)") from None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(errors.INCORRECT_REQUEST, f"body is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ApiError(errors.INCORRECT_REQUEST, "empty body; send a JSON object with the parameters")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(
            errors.INCORRECT_REQUEST, f"body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except (RecursionError, ValueError):
        raise ApiError(
            errors.INCORRECT_REQUEST, "body is not usable JSON (nested too deeply or a number too large)"
        ) from None
    if not isinstance(parsed, dict):
        raise ApiError(errors.INCORRECT_REQUEST, f"body must be a JSON object, not {type(parsed).__name__}")
    return parsed


def encode(envelope: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """Write the envelope as the body and content type that ``format`` asks for."""
    if fmt == "xml":
        return to_xml(envelope), XML_TYPE
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), JSON_TYPE
