"""The WSGI application: route, limit, decode, authenticate, validate against the spec, dispatch, encode."""

from __future__ import annotations

import hmac
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from mock_server import clock, errors, wire
from mock_server.errors import ApiError
from mock_server.faults import check_faults
from mock_server.handlers import HANDLERS, Context
from mock_server.matching import Directory
from mock_server.seed import Seed
from mock_server.store import Store
from promo_spec import Spec, load_spec

MAX_BODY = 1 << 20  # 1 MiB; larger bodies are refused before they are read
StartResponse = Callable[..., Any]


# Characters outside XML 1.0's Char production (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def default_spec() -> Spec:
    """The project's spec, loaded once per process."""
    return load_spec()


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
    """The promo-code API over one seed's state; call it as a WSGI application."""

    def __init__(
        self,
        seed: Seed,
        *,
        token: str,
        faults: Iterable[str] = frozenset(),
        max_body: int = MAX_BODY,
        spec: Spec | None = None,
    ) -> None:
        if not token:
            raise ValueError("the mock needs a non-empty token")
        self.faults = check_faults(faults)
        self._token = token.encode("utf-8")
        self.max_body = max_body
        self.blocking = "attach-race" in self.faults  # sleeps in a request: the server must run requests in threads
        self.spec = spec or default_spec()
        self.routes = {op.path: op.id for op in self.spec.operations.values()}
        self.schemas = {op.id: op.request_schema for op in self.spec.operations.values()}
        self.validators = self.spec.request_validators
        self.store = Store.from_seed(seed, now=clock.backwards() if "clock-backwards" in self.faults else clock.now)
        self.context = Context(self.store, Directory(seed), self.faults)

    def __repr__(self) -> str:  # never show the token
        return f"MockApp(faults={sorted(self.faults)}, programs={sorted(self.store.programs)})"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        status, headers, body = self.respond(environ)
        start_response(status, headers)
        return [body]

    def respond(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Answer one request: (status line, headers, body)."""
        op_id = self.routes.get(environ.get("PATH_INFO", ""))
        if op_id is None:
            return self._plain("404 Not Found", errors.NOT_FOUND, [])
        if environ.get("REQUEST_METHOD") != "POST":
            return self._plain("405 Method Not Allowed", errors.METHOD_NOT_ALLOWED, [("Allow", "POST")])
        fmt = "json"
        try:
            body = self._read(environ)
            kind = wire.media_kind(environ.get("CONTENT_TYPE", ""), body)
            if kind == "xml" and "xml-request-rejected" in self.faults:
                raise ApiError(errors.INCORRECT_REQUEST, "XML bodies are not accepted")
            request = wire.decode(body, kind, self.schemas[op_id])
            if kind == "xml" and "xml-request-last-repeat-only" in self.faults:
                request = {k: v[-1:] if isinstance(v, list) else v for k, v in request.items()}
            if request.get("format") == "xml":
                fmt = "xml"
            self._authenticate(request)
            self._validate(op_id, request)
            envelope = HANDLERS[op_id](self.context, request)
        except ApiError as exc:
            envelope = {"data": None, "error": exc.code, "error_text": exc.text}
        except Exception as exc:  # a bug of the mock must still answer the envelope, never 5xx
            traceback.print_exc(file=sys.stderr)
            envelope = {
                "data": None,
                "error": errors.INTERNAL.code,
                "error_text": f"{errors.INTERNAL.text}: {type(exc).__name__}",
            }
        payload, content_type = wire.encode(envelope, fmt, self.faults)
        return "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(payload)))], payload

    def _plain(
        self, status: str, failure: errors.Failure, extra: list[tuple[str, str]]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        payload, content_type = wire.encode(
            {"data": None, "error": failure.code, "error_text": failure.text}, "json", frozenset()
        )
        return status, [("Content-Type", content_type), ("Content-Length", str(len(payload))), *extra], payload

    def _read(self, environ: dict[str, Any]) -> bytes:
        raw_length = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                raise ApiError(errors.INCORRECT_REQUEST, "Content-Length is not a number") from None
            if length < 0:
                raise ApiError(errors.INCORRECT_REQUEST, "Content-Length is negative")
            if length > self.max_body:
                raise ApiError(
                    errors.INCORRECT_REQUEST, f"body of {length} bytes exceeds the limit of {self.max_body} bytes"
                )
            body: bytes = stream.read(length)
        elif environ.get("wsgi.input_terminated"):
            body = stream.read(self.max_body + 1)
        else:
            body = b""
        if len(body) > self.max_body:
            raise ApiError(errors.INCORRECT_REQUEST, f"body exceeds the limit of {self.max_body} bytes")
        return body

    def _authenticate(self, request: dict[str, Any]) -> None:
        token = request.get("token")
        if token is None or token == "":
            if "auth-missing-accepted" in self.faults:
                request["token"] = self._token.decode("utf-8")
                return
            raise ApiError(errors.TOKEN_REQUIRED)
        if not isinstance(token, str):
            raise ApiError(errors.TOKEN_WRONG)
        if "auth-any-token" in self.faults:
            return
        given, real = token.encode("utf-8"), self._token
        if "auth-prefix-token" in self.faults and given and (given.startswith(real) or real.startswith(given)):
            return
        if not hmac.compare_digest(token.encode("utf-8"), self._token):
            raise ApiError(errors.TOKEN_WRONG)

    def _validate(self, op_id: str, request: dict[str, Any]) -> None:
        found: Iterable[ValidationError] = self.validators[op_id].iter_errors(request)
        if op_id == "update" and "update-no-options-ok" in self.faults:
            found = [e for e in found if not (e.validator == "anyOf" and not e.absolute_path)]
        error = best_match(found)
        if error is not None:
            raise ApiError(errors.INCORRECT_REQUEST, _explain(error))
        codes = [request["code"]] if isinstance(request.get("code"), str) else []
        codes += [c for c in request.get("codes", []) if isinstance(c, str)] if op_id == "import" else []
        for code in codes:
            if _NOT_XML_CHAR.search(code):
                # A stored code must be writable in every response format (format=xml included).
                raise ApiError(errors.INCORRECT_REQUEST, "a code contains a character XML 1.0 cannot carry")


def create_app(seed: Seed, *, token: str, faults: frozenset[str] = frozenset(), max_body: int = MAX_BODY) -> MockApp:
    """Return the WSGI application serving ``seed`` and accepting ``token``; ``faults`` breaks it on purpose."""
    return MockApp(seed, token=token, faults=faults, max_body=max_body)
