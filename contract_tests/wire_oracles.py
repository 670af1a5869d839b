"""The oracles of the wire: the HTTP status beside the envelope's error, and the media type beside the body.

``label_problem`` is the ``[wire-label]`` oracle (``oracles.judge`` and Schemathesis' checks apply it);
``status_problem`` is what every rule case and Schemathesis case requires of the HTTP status.
"""

from __future__ import annotations

from promo_spec.media import media_kind


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
