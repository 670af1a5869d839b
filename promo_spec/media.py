"""The media types the spec's bodies travel as: JSON and XML, and which kind a Content-Type names."""

from __future__ import annotations

JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
_JSON_TYPES = frozenset({"application/json", "text/json"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})


def media_kind(content_type: str) -> str:
    """``json``, ``xml`` or ``other`` for a Content-Type header value (parameters and case ignored).

    The docs name no XML media type, so ``application/xml``, ``text/xml`` and any ``+xml`` count as XML;
    ``application/json``, ``text/json`` and any ``+json`` as JSON. An empty value is ``other``.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _JSON_TYPES or media.endswith("+json"):
        return "json"
    if media in _XML_TYPES or media.endswith("+xml"):
        return "xml"
    return "other"
