"""Broken wire: faults that replace ``Parts.decode`` (part ``wire:decode``) or ``Parts.encode`` (``wire:encode``)."""

from __future__ import annotations

from typing import Any

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.faults.wrapping import Decode, Encode, decode_fault, encode_fault
from mock_server.handlers import Envelope, Request
from promo_spec.media import XML_TYPE
from promo_spec.xml_codec import to_xml


@decode_fault(
    "xml-request-rejected",
    "XML request bodies are refused",
    oracles=("[rule auth.token-missing]", "[rule get.code-free]"),
)
def _xml_request_rejected(faithful: Decode, body: bytes, kind: str, schema: dict[str, Any]) -> Request:
    if kind == "xml":
        raise ApiError(errors.INCORRECT_REQUEST, "XML bodies are not accepted")
    return faithful(body, kind, schema)


@decode_fault(
    "xml-request-last-repeat-only",
    "an XML array (repeated elements, as <codes>) keeps only its last element",
    oracles=("[rule import.codes-new]", "[postcondition items_agree_with_listing]"),
)
def _xml_request_last_repeat_only(faithful: Decode, body: bytes, kind: str, schema: dict[str, Any]) -> Request:
    request = faithful(body, kind, schema)
    if kind == "xml":
        request = {k: v[-1:] if isinstance(v, list) else v for k, v in request.items()}
    return request


def _numeric_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return {k: _numeric_booleans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numeric_booleans(v) for v in value]
    return value


@encode_fault(
    "xml-response-wrong-shape",
    "format=xml writes booleans as 1/0 under a <response> root",
    oracles=("[rule auth.token-missing]", "[rule get.code-free]"),
)
def _xml_response_wrong_shape(faithful: Encode, envelope: Envelope, fmt: str) -> tuple[bytes, str]:
    if fmt != "xml":
        return faithful(envelope, fmt)
    body = to_xml(_numeric_booleans(envelope))
    return b"<response>" + body[len(b"<xml>") : -len(b"</xml>")] + b"</response>", XML_TYPE


@encode_fault("format-ignored", "format=xml answers JSON", oracles=("[rule import.codes-new]", "[rule get.code-free]"))
def _format_ignored(faithful: Encode, envelope: Envelope, _fmt: str) -> tuple[bytes, str]:
    return faithful(envelope, "json")
