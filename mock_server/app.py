"""The application: route, limit, decode, authenticate, validate against the spec, dispatch, encode.

It is served over HTTP by ``mock_server.serve`` and is also a WSGI application (for in-process tests).
Its parts (``mock_server.parts.Parts``) are faithful unless a fault's override replaced one.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from mock_server import clock, errors, wire
from mock_server.auth import TokenAuth, bearer_token
from mock_server.errors import ApiError
from mock_server.handlers import HANDLERS, Envelope
from mock_server.matching import Directory
from mock_server.parts import Parts
from mock_server.seed import Seed
from mock_server.store import Store
from promo_spec import Spec, load_spec

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

MAX_BODY = 1 << 20  # 1 MiB; larger bodies are refused before they are decoded
StartResponse = Callable[..., Any]
Answer = tuple[int, list[tuple[str, str]], bytes]  # HTTP status, headers, body


# Characters outside XML 1.0's Char production (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def default_spec() -> Spec:
    """The project's spec, loaded once per process."""
    return load_spec()


@lru_cache(maxsize=4)
def spec_of_version(api_version: str) -> Spec:
    """The description of one API version, loaded once per process."""
    return load_spec(api_version=api_version)


def _where(error: ValidationError) -> str:
    parts = ""
    for part in error.absolute_path:
        parts += f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part))
    return parts


def _explain(error: ValidationError) -> str:
    """One line naming the field and what is wrong with it."""
    if error.validator == "anyOf" and error.context and all(c.validator == "required" for c in error.context):
        names = sorted({str(c.validator_value[0]) for c in error.context if c.validator_value})
        message = f"at least one of {', '.join(names)} is required"
    elif error.validator == "required":
        message = error.message
    else:
        field = _where(error)
        message = f"{field}: {error.message}" if field else error.message
    return message if len(message) <= 300 else message[:297] + "..."


class MockApp:
    """The promo-code API over one seed's state; call it as a WSGI application, or serve it (``mock_server.serve``)."""

    def __init__(
        self,
        seed: Seed,
        *,
        token: str,
        faults: Iterable[str] = frozenset(),
        max_body: int = MAX_BODY,
        spec: Spec | None = None,
        now: Callable[[], str] = clock.now,
    ) -> None:
        self.faults = frozenset(faults)
        self.max_body = max_body
        self.spec = spec or default_spec()
        if self.faults:  # the fault registry (every fault module) is imported only for a faulty mock
            from mock_server.faults import REGISTRY, UnknownFaultError, check_faults

            check_faults(self.faults)
            for name in sorted(self.faults):
                wanted = REGISTRY[name].api_version
                if wanted is not None and wanted != self.spec.version:
                    raise UnknownFaultError(
                        f"fault {name!r} breaks the mock of API version {wanted}; this mock serves {self.spec.version}"
                    )
        self.reads_bearer = self.spec.bearer_auth  # v72 declares no bearer scheme: the header is ignored
        self.routes = {op.path: op.id for op in self.spec.operations.values()}
        self.schemas = {op.id: op.request_schema for op in self.spec.operations.values()}
        checkers = self.spec.request_checkers  # jsonschema's verdicts; jsonschema itself runs only on a refusal
        auth = TokenAuth(token)
        directory = Directory(seed)
        self.parts = Parts(
            store=Store.from_seed(seed, now=now),
            directory=directory,
            handlers=dict(HANDLERS),
            find_profile=directory.find,
            decode=wire.decode,
            encode=wire.encode,
            auth=auth,
            authenticate=auth,
            schema_errors=lambda op_id, request: checkers[op_id].iter_errors(request),
        )
        if self.faults:
            from mock_server.faults import apply_faults

            apply_faults(self.parts, self.faults)
        self.store = self.parts.store
        self.blocking = self.parts.blocking  # requests may sleep: the server runs them on threads
        self.context = self.parts.context()

    def __repr__(self) -> str:  # never show the token
        return f"MockApp(faults={sorted(self.faults)}, programs={sorted(self.store.programs)})"

    # --- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        status, headers, body = self.respond(environ)
        start_response(status, headers)
        return [body]

    def respond(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Answer one WSGI request: (status line, headers, body)."""
        status, headers, body = self.answer_environ(environ)
        return f"{status} {HTTPStatus(status).phrase}", headers, body

    def answer_environ(self, environ: dict[str, Any]) -> Answer:
        """Answer one WSGI request: (status, headers, body)."""
        routed = self.route(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        if not isinstance(routed, str):
            return routed
        try:
            body = self._read(environ)
        except ApiError as exc:
            return self.refusal(exc)
        return self.answer(routed, environ.get("CONTENT_TYPE", ""), body, environ.get("HTTP_AUTHORIZATION"))

    def _read(self, environ: dict[str, Any]) -> bytes:
        stream = environ["wsgi.input"]
        length = self.declared_length(environ.get("CONTENT_LENGTH") or "")
        if length is not None:
            body: bytes = stream.read(length)
            if len(body) < length:  # the client closed its side early
                raise ApiError(errors.INCORRECT_REQUEST, f"body ended after {len(body)} of {length} bytes")
        elif environ.get("wsgi.input_terminated"):
            body = stream.read(self.max_body + 1)
        else:
            body = b""
        if len(body) > self.max_body:
            raise self.too_long()
        return body

    # --- the steps, for any HTTP server ---------------------------------------------------------------

    def route(self, method: str, path: str) -> str | Answer:
        """The operation id that ``path`` names, or the 404/405 answer."""
        op_id = self.routes.get(path)
        if op_id is None:
            return self._plain(404, errors.NOT_FOUND, [])
        if method != "POST":
            return self._plain(405, errors.METHOD_NOT_ALLOWED, [("Allow", "POST")])
        return op_id

    def declared_length(self, raw: str) -> int | None:
        """The body length that a Content-Length value declares (None without one); ApiError if unusable."""
        if not raw:
            return None
        try:
            length = int(raw)
        except ValueError:
            raise ApiError(errors.INCORRECT_REQUEST, "Content-Length is not a number") from None
        if length < 0:
            raise ApiError(errors.INCORRECT_REQUEST, "Content-Length is negative")
        if length > self.max_body:
            raise ApiError(
                errors.INCORRECT_REQUEST, f"body of {length} bytes exceeds the limit of {self.max_body} bytes"
            )
        return length

    def too_long(self) -> ApiError:
        """The refusal of a body that grew past the limit while being read."""
        return ApiError(errors.INCORRECT_REQUEST, f"body exceeds the limit of {self.max_body} bytes")

    def refusal(self, exc: ApiError) -> Answer:
        """The envelope answer of a refusal decided before the body was decoded (always JSON)."""
        return self._envelope({"data": None, "error": exc.code, "error_text": exc.text}, "json")

    def answer(self, op_id: str, content_type: str, body: bytes, authorization: str | None = None) -> Answer:
        """Decode, authenticate, validate and run operation ``op_id`` on ``body``; always an envelope, never 5xx.

        ``authorization`` (the header's value) counts only where the version reads a bearer token; v72 ignores it.
        """
        fmt = "json"
        parts = self.parts
        try:
            kind = wire.media_kind(content_type, body)
            request = parts.decode(body, kind, self.schemas[op_id])
            if request.get("format") == "xml":
                fmt = "xml"
            parts.authenticate(op_id, request, bearer_token(authorization) if self.reads_bearer else None)
            self._validate(op_id, request)
            envelope = parts.handlers[op_id](self.context, request)
        except ApiError as exc:
            envelope = {"data": None, "error": exc.code, "error_text": exc.text}
        except Exception as exc:  # a bug of the mock must still answer the envelope, never 5xx
            traceback.print_exc(file=sys.stderr)
            envelope = {
                "data": None,
                "error": errors.INTERNAL.code,
                "error_text": f"{errors.INTERNAL.text}: {type(exc).__name__}",
            }
        return self._envelope(envelope, fmt, parts.status(op_id, envelope))

    def _envelope(self, envelope: Envelope, fmt: str, status: int = 200) -> Answer:
        payload, content_type = self.parts.encode(envelope, fmt)
        return status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))], payload

    def _plain(self, status: int, failure: errors.Failure, extra: list[tuple[str, str]]) -> Answer:
        payload, content_type = wire.encode({"data": None, "error": failure.code, "error_text": failure.text}, "json")
        return status, [("Content-Type", content_type), ("Content-Length", str(len(payload))), *extra], payload

    def _validate(self, op_id: str, request: dict[str, Any]) -> None:
        found = list(self.parts.schema_errors(op_id, request))
        if found:
            from jsonschema.exceptions import best_match

            error = best_match(found)
            raise ApiError(errors.INCORRECT_REQUEST, _explain(error))
        codes = [request["code"]] if isinstance(request.get("code"), str) else []
        codes += [c for c in request.get("codes", []) if isinstance(c, str)] if op_id == "import" else []
        for code in codes:
            if _NOT_XML_CHAR.search(code):
                # A stored code must be writable in every response format (format=xml included).
                raise ApiError(errors.INCORRECT_REQUEST, "a code contains a character XML 1.0 cannot carry")


def create_app(
    seed: Seed,
    *,
    token: str,
    faults: frozenset[str] = frozenset(),
    max_body: int = MAX_BODY,
    api_version: str | None = None,
    now: Callable[[], str] = clock.now,
) -> MockApp:
    """Return the application serving ``seed`` and accepting ``token``; ``faults`` breaks it on purpose.

    ``api_version`` picks the description served (default: ``spec/openapi.yaml``, v72); ``now`` is the
    clock (RFC 3339 UTC text) the store stamps and judges expiry with.
    """
    spec = spec_of_version(api_version) if api_version is not None else None
    return MockApp(seed, token=token, faults=faults, max_body=max_body, spec=spec, now=now)
