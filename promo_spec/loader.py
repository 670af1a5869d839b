"""Load the spec: parse YAML, validate it as OpenAPI 3.1, check refs, parse the rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_spec import openapi_check, validated
from promo_spec.code_identity import CodeIdentity, parse_code_identity
from promo_spec.compiled import CompiledChecker, compiled_checker
from promo_spec.document import load_document, read_bytes
from promo_spec.errors import SpecError
from promo_spec.locate import SPEC_DIR, default_spec_path, vocabulary_path
from promo_spec.refs import check_refs, inline
from promo_spec.rules import Rule, parse_rules
from promo_spec.stances import StanceMark, parse_stances
from promo_spec.success import Success, parse_success
from promo_spec.versions import BASE_FILE, base_version, resolve

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

JSON = "application/json"
XML = "application/xml"


@dataclass(frozen=True)
class Operation:
    """One operation of the spec with its schemas inlined (no ``$ref`` left)."""

    id: str
    path: str
    method: str
    pointer: str
    summary: str
    description: str
    request_schema: dict[str, Any]
    response_schema: dict[str, Any]
    raw: dict[str, Any]


class Spec:
    """A loaded, validated spec: raw document, operations by operationId, rules."""

    def __init__(self, path: Path, document: dict[str, Any], *, check_vocabulary: bool = True) -> None:
        self.path = path
        self.document = document
        self.operations = _operations(document, str(path))
        self.rules: tuple[Rule, ...] = parse_rules(
            document,
            {op.id: op.pointer for op in self.operations.values()},
            path=str(path),
            check_vocabulary=check_vocabulary,
        )
        self.success: dict[str, Success] = parse_success(
            document,
            {op.id: op.pointer for op in self.operations.values()},
            path=str(path),
            check_vocabulary=check_vocabulary,
        )
        self.stances: tuple[StanceMark, ...] = parse_stances(
            document, path=str(path), check_vocabulary=check_vocabulary
        )
        self.code_identity: CodeIdentity | None = parse_code_identity(
            document, path=str(path), check_vocabulary=check_vocabulary
        )

    def operation(self, op_id: str) -> Operation:
        """Return the operation ``op_id``; KeyError names the known ones."""
        try:
            return self.operations[op_id]
        except KeyError:
            raise KeyError(f"no operation {op_id!r}; known: {', '.join(self.operations)}") from None

    def rules_for(self, op_id: str) -> tuple[Rule, ...]:
        """Return the rules that apply to ``op_id``, in spec order."""
        return tuple(r for r in self.rules if r.operation == op_id)

    @cached_property
    def request_validators(self) -> dict[str, Draft202012Validator]:
        """One JSON Schema validator of each operation's request body (formats checked)."""
        from jsonschema import Draft202012Validator, FormatChecker

        return {
            op_id: Draft202012Validator(op.request_schema, format_checker=FormatChecker())
            for op_id, op in self.operations.items()
        }

    @cached_property
    def request_checkers(self) -> dict[str, CompiledChecker]:
        """``request_validators``' verdicts and errors, decided by jsonschema-rs where it is exact (the mock's)."""
        return {op_id: compiled_checker(op.request_schema, formats=True) for op_id, op in self.operations.items()}

    @cached_property
    def response_validators(self) -> dict[str, Draft202012Validator]:
        """One JSON Schema validator of each operation's 200 response body (formats checked: RFC 3339 times)."""
        from jsonschema import Draft202012Validator, FormatChecker

        return {
            op_id: Draft202012Validator(op.response_schema, format_checker=FormatChecker())
            for op_id, op in self.operations.items()
        }

    @cached_property
    def response_checkers(self) -> dict[str, CompiledChecker]:
        """``response_validators``' errors, decided by jsonschema-rs where it is exact: an export_all of 100k codes is
        checked in milliseconds instead of a second."""
        return {op_id: compiled_checker(op.response_schema, formats=True) for op_id, op in self.operations.items()}

    @property
    def bearer_auth(self) -> bool:
        """Whether the version declares an HTTP bearer security scheme (v74 on): the header may carry the token."""
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        return any(
            isinstance(s, dict) and s.get("type") == "http" and str(s.get("scheme", "")).lower() == "bearer"
            for s in schemes.values()
        )

    @property
    def version(self) -> str:
        """The API version the spec describes (``info.version``)."""
        return str(self.document["info"]["version"])


def load_spec(path: Path | str | None = None, *, api_version: str | None = None) -> Spec:
    """Load, validate and parse the file ``path``, else API version ``api_version``, else ``default_spec_path()``."""
    if path is not None and api_version is not None:
        raise ValueError("load_spec takes a path or an api_version, not both")
    if api_version is not None:
        if api_version != base_version():
            resolved = resolve(api_version)
            return spec_of_document(resolved.document, Path(resolved.declared_in))
        path = SPEC_DIR / BASE_FILE
    spec_path = Path(path) if path is not None else default_spec_path()
    raw = read_bytes(spec_path)
    document = load_document(spec_path, raw)
    return _checked(document, spec_path, raw)


def spec_of_document(document: dict[str, Any], label: Path) -> Spec:
    """Validate and parse an OpenAPI document already in memory (a resolved version); ``label`` names it in errors."""
    raw = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return _checked(document, label, raw)


def _checked(document: dict[str, Any], spec_path: Path, raw: bytes) -> Spec:
    check_refs(document, path=str(spec_path))
    key = validated.key_of(raw, read_bytes(vocabulary_path()))
    if validated.is_known_valid(key):
        return Spec(spec_path, document, check_vocabulary=False)
    _validate_openapi(document, spec_path)
    spec = Spec(spec_path, document)
    validated.remember_valid(key)
    return spec


def _validate_openapi(document: dict[str, Any], spec_path: Path) -> None:
    """OpenAPI 3.1 validity: the compiled checks first; only when they find something, openapi-spec-validator.

    ``openapi_check`` makes every check openapi-spec-validator makes (or stricter) in milliseconds; a
    problem it finds is reported as openapi-spec-validator reports it (its message and JSON pointer),
    and a document it flags that openapi-spec-validator passes is accepted.
    """
    try:
        found = bool(openapi_check.problems(document))
    except openapi_check.LeftToReference:
        found = True
    if found:
        _reference_validation(document, spec_path)
    if not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(str(spec_path), "/openapi", "only OpenAPI 3.1 documents are supported")


def _reference_validation(document: dict[str, Any], spec_path: Path) -> None:
    from openapi_spec_validator import validate as validate_openapi
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate_openapi(document)
    except OpenAPIValidationError as exc:
        parts = list(getattr(exc, "absolute_path", []) or [])
        pointer = "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in parts)
        raise SpecError(str(spec_path), pointer, f"not valid OpenAPI 3.1: {exc.message}") from None
    except Exception as exc:  # referencing errors and the like
        raise SpecError(str(spec_path), "", f"not valid OpenAPI 3.1: {exc}") from None


def _operations(document: dict[str, Any], path: str) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for url, item in (document.get("paths") or {}).items():
        for method, raw in item.items():
            if method not in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}:
                continue
            pointer = f"/paths/{url.replace('~', '~0').replace('/', '~1')}/{method}"
            op_id = raw.get("operationId")
            if not op_id:
                raise SpecError(path, pointer, "every operation needs an operationId")
            body = (raw.get("requestBody") or {}).get("content", {})
            if JSON not in body:
                raise SpecError(path, f"{pointer}/requestBody/content", f"the request body must offer {JSON}")
            ok = ((raw.get("responses") or {}).get("200") or {}).get("content", {})
            if JSON not in ok:
                raise SpecError(path, f"{pointer}/responses/200/content", f"the 200 response must offer {JSON}")
            found[op_id] = Operation(
                id=op_id,
                path=url,
                method=method.upper(),
                pointer=pointer,
                summary=str(raw.get("summary", "")),
                description=str(raw.get("description", "")),
                request_schema=inline(body[JSON]["schema"], document, path=path),
                response_schema=inline(ok[JSON]["schema"], document, path=path),
                raw=raw,
            )
    return found
