"""OpenAPI 3.1 validation, compiled: every check openapi-spec-validator makes, in milliseconds.

``problems(document)`` makes each check that openapi-spec-validator 0.9 (``OpenAPIV31SpecValidator``)
makes, on at least the places it makes them:

1. the document against the OpenAPI 3.1 schema (the very file openapi-spec-validator ships), through
   jsonschema-rs, the backend openapi-spec-validator itself uses when jsonschema-rs is installed;
2. every Schema Object (components, parameters, request and response media types, headers, and
   every ``$ref`` target) against the OpenAPI 3.1 base dialect (the meta-schema openapi-schema-validator
   ships), formats asserted, each ``pattern`` and ``patternProperties`` key also compiled with Python's
   ``re`` (the reference's own regex check);
3. every ``default`` against its schema, with jsonschema and the OpenAPI 3.1 format checker's formats
   (int32, int64, float, double, password beside jsonschema's own);
4. operationIds and tag names unique, each path template's parameters declared and each declared path
   parameter in the template, no parameter twice, and a schema with ``allOf`` requiring only
   properties that it or its parts define.

It only decides whether there is anything to report. ``promo_spec.loader`` asks it first; when it
reports anything (or meets what it leaves alone: another JSON Schema dialect), the loader runs
openapi-spec-validator itself, so the error a user sees, message and JSON pointer, is the reference's
own, and a document this module passes is one the reference passes
(``tests/spec/test_openapi_check.py`` compares both on mutated specs). What it saves: importing
openapi-spec-validator (pydantic-settings, jsonschema-path, requests) and its pure-Python
meta-schema checks, about a second per document on this machine.
"""

from __future__ import annotations

import importlib.util
import json
import re
import string
from collections.abc import Callable, Iterator
from functools import cache
from numbers import Number
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promo_spec.compiled import EXACT_FORMATS, differs, outside_rust
from promo_spec.refs import iter_refs

if TYPE_CHECKING:
    from jsonschema import FormatChecker

OAS31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
_DOCUMENT_URI = "urn:promo-spec:document"
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords whose value is one schema / a list of schemas / a map of schemas (JSON Schema 2020-12).
_ONE = ("not", "items", "contains", "additionalProperties", "propertyNames", "if", "then", "else",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema")  # fmt: skip
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs")


class LeftToReference(Exception):
    """The document uses something this module does not check itself; openapi-spec-validator decides."""


def _package_dir(name: str) -> Path:
    """Where an installed package lives, without running its ``__init__`` (importing these takes a second)."""
    found = importlib.util.find_spec(name)
    if found is None or not found.submodule_search_locations:
        raise LeftToReference(f"{name} is not installed")
    return Path(next(iter(found.submodule_search_locations)))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _document_validator() -> Any:
    import jsonschema_rs

    schema = _json(_package_dir("openapi_spec_validator") / "resources" / "schemas" / "v3.1" / "schema.json")
    return jsonschema_rs.validator_for(schema)


@cache
def _dialect_validator() -> Any:
    import jsonschema_rs

    root = _package_dir("openapi_schema_validator") / "schemas" / "oas3.1"
    dialect, vocabulary = _json(root / "metaschema.json"), _json(root / "vocabularies" / "base")
    registry = jsonschema_rs.Registry([(dialect["$id"], dialect), (vocabulary["$id"], vocabulary)])
    return jsonschema_rs.Draft202012Validator(dialect, registry=registry, validate_formats=True)


def _int32(instance: object) -> bool:
    return isinstance(instance, bool) or not isinstance(instance, int) or ~(1 << 31) < instance < 1 << 31


def _int64(instance: object) -> bool:
    return isinstance(instance, bool) or not isinstance(instance, int) or ~(1 << 63) < instance < 1 << 63


def _floating(instance: object) -> bool:
    return isinstance(instance, int) or not isinstance(instance, Number) or isinstance(instance, float)


def _password(instance: object) -> bool:
    return True


def _regex(instance: object) -> bool:
    return not isinstance(instance, str) or _compiles(instance)


# The string formats jsonschema-rs checks exactly as the OpenAPI 3.1 format checker does (int32, int64, float
# and double apply to numbers, which jsonschema-rs formats never see: a schema using them goes to jsonschema).
_RS_FORMATS: dict[str, Callable[[str], bool]] = {**EXACT_FORMATS, "password": lambda value: True, "regex": _regex}


@cache
def _format_checker() -> FormatChecker:
    """openapi-schema-validator's ``oas31_format_checker``: jsonschema's formats and the OpenAPI ones."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    for name, check in (("int32", _int32), ("int64", _int64), ("float", _floating), ("double", _floating),
                        ("password", _password), ("regex", _regex)):  # fmt: skip
        checker.checks(name)(check)
    return checker


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class _Walk:
    """One pass over a document; yields a line per problem found."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self.registry: Any = None

    def deref(self, node: Any, at: str) -> tuple[Any, str]:
        """Follow local ``$ref`` chains (loader.check_refs has refused any other kind); cycles stop."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                break
            seen.add(ref)
            target: Any = self.document
            for raw in [t for t in ref[1:].split("/") if t != ""]:
                token = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(target, dict) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    raise LeftToReference(f"{at}: $ref {ref!r} points to nothing")
            node, at = target, ref[1:]
        return node, at

    def run(self) -> Iterator[str]:
        document = self.document
        openapi = document.get("openapi")
        if not (isinstance(openapi, str) and openapi.startswith("3.1")):
            raise LeftToReference("not an OpenAPI 3.1 document")
        if document.get("jsonSchemaDialect", OAS31_DIALECT) != OAS31_DIALECT:
            raise LeftToReference("another JSON Schema dialect")
        for error in _document_validator().iter_errors(document):
            yield "/" + "/".join(_escape(p) for p in error.instance_path) + f": {error.message}"
        yield from self.tags(document.get("tags"))
        yield from self.paths(document.get("paths"))
        components = document.get("components")
        if isinstance(components, dict):
            for kind in ("schemas", "parameters", "responses", "requestBodies", "headers"):
                group = components.get(kind)
                if not isinstance(group, dict):
                    continue
                for name, item in group.items():
                    at = f"/components/{kind}/{_escape(name)}"
                    if kind == "schemas":
                        yield from self.schema(item, at, top=True)
                    elif kind in ("parameters", "headers"):
                        yield from self.parameter(item, at)
                    else:
                        yield from self.content_of(item, at)

    def tags(self, tags: Any) -> Iterator[str]:
        seen: set[str] = set()
        for index, tag in enumerate(tags if isinstance(tags, list) else []):
            name = tag.get("name") if isinstance(tag, dict) else None
            if name in seen:
                yield f"/tags/{index}: duplicate tag name {name!r}"
            if isinstance(name, str):
                seen.add(name)

    def paths(self, paths: Any) -> Iterator[str]:
        operation_ids: set[Any] = set()
        for url, raw_item in (paths.items() if isinstance(paths, dict) else []):
            at = f"/paths/{_escape(url)}"
            item, _ = self.deref(raw_item, at)
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters")
            yield from self.parameters(shared, f"{at}/parameters")
            for method in _OPERATIONS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                where = f"{at}/{method}"
                op_id = operation.get("operationId")
                if op_id is not None and op_id in operation_ids:
                    yield f"{where}/operationId: operation id {op_id!r} is not unique"
                operation_ids.add(op_id)
                yield from self.parameters(operation.get("parameters"), f"{where}/parameters")
                declared = self.path_names(operation.get("parameters")) | self.path_names(shared)
                in_url = {name for _, name, _, _ in string.Formatter().parse(url) if name}
                for name in sorted(in_url ^ declared):
                    yield f"{where}: path parameter {name!r} is not both in the path and declared"
                body, body_at = self.deref(operation.get("requestBody"), f"{where}/requestBody")
                yield from self.content_of(body, body_at)
                responses = operation.get("responses")
                for code, response in (responses.items() if isinstance(responses, dict) else []):
                    yield from self.content_of(response, f"{where}/responses/{_escape(code)}")

    def path_names(self, parameters: Any) -> set[str]:
        names = set()
        for index, raw in enumerate(parameters if isinstance(parameters, list) else []):
            parameter, _ = self.deref(raw, str(index))
            if isinstance(parameter, dict) and parameter.get("in") == "path" and isinstance(parameter.get("name"), str):
                names.add(parameter["name"])
        return names

    def parameters(self, parameters: Any, at: str) -> Iterator[str]:
        seen: set[tuple[Any, Any]] = set()
        for index, raw in enumerate(parameters if isinstance(parameters, list) else []):
            parameter, where = self.deref(raw, f"{at}/{index}")
            if not isinstance(parameter, dict):
                continue
            yield from self.parameter(parameter, where)
            key = (parameter.get("name"), parameter.get("in"))
            if key in seen:
                yield f"{where}: duplicate parameter {key[0]!r}"
            seen.add(key)

    def parameter(self, raw: Any, at: str) -> Iterator[str]:
        """A Parameter or Header Object: its schema, or the schemas of its content."""
        parameter, where = self.deref(raw, at)
        if isinstance(parameter, dict):
            if "schema" in parameter:
                yield from self.schema(parameter["schema"], f"{where}/schema", top=True)
            yield from self.content_of(parameter, where)

    def content_of(self, raw: Any, at: str) -> Iterator[str]:
        """The media-type schemas (and headers) of a Request Body, Response, Parameter or Header Object."""
        holder, where = self.deref(raw, at)
        if not isinstance(holder, dict):
            return
        content = holder.get("content")
        for media, raw_type in (content.items() if isinstance(content, dict) else []):
            media_type, media_at = self.deref(raw_type, f"{where}/content/{_escape(media)}")
            if isinstance(media_type, dict) and "schema" in media_type:
                yield from self.schema(media_type["schema"], f"{media_at}/schema", top=True)
        headers = holder.get("headers")
        for name, header in (headers.items() if isinstance(headers, dict) else []):
            yield from self.parameter(header, f"{where}/headers/{_escape(name)}")

    def meta_check(self, node: Any, at: str) -> Iterator[str]:
        if id(node) in self.meta_checked:
            return
        self.meta_checked.add(id(node))
        if isinstance(node, dict) and "$schema" in node and node["$schema"] != OAS31_DIALECT:
            raise LeftToReference(f"{at}: a schema of another dialect")
        for error in _dialect_validator().iter_errors(node):
            yield f"{at}/" + "/".join(_escape(p) for p in error.instance_path) + f": {error.message}"

    def schema(self, raw: Any, at: str, *, top: bool = False) -> Iterator[str]:
        """One Schema Object: the dialect, its ``default``, its ``allOf`` requirements, then its subschemas."""
        yield from self.meta_check(raw, at)
        node, where = self.deref(raw, at)
        if node is not raw:
            yield from self.meta_check(node, where)
        for candidate, place in ((raw, at), (node, where)) if node is not raw else ((node, where),):
            if isinstance(candidate, dict):
                yield from self.regexes(candidate, place)
                yield from self.default(candidate, place)
        if not isinstance(node, dict):
            return
        if top and "allOf" in node:
            required = _sequence(node.get("required"))
            defined = {str(name) for name in _mapping(node.get("properties"))}
            seen: set[int] = set()
            for part in _sequence(node.get("allOf")):
                defined |= self.collected(part, seen)
            missing = sorted(str(name) for name in required if name not in defined)
            if missing:
                yield f"{where}/required: required names no property defines: {missing}"
        if id(node) in self.visited:
            return
        self.visited.add(id(node))
        for key in _ONE:
            if key in node:
                yield from self.schema(node[key], f"{where}/{key}")
        for key in _LIST:
            for index, sub in enumerate(_sequence(node.get(key))):
                yield from self.schema(sub, f"{where}/{key}/{index}")
        for key in _MAP:
            group = node.get(key)
            for name, sub in (group.items() if isinstance(group, dict) else []):
                yield from self.schema(sub, f"{where}/{key}/{_escape(name)}")

    def collected(self, node: Any, seen: set[int]) -> set[str]:
        """Every property name ``node`` and its allOf/anyOf/oneOf/items/not parts define (refs followed)."""
        node, _ = self.deref(node, "")
        if not isinstance(node, dict) or id(node) in seen:
            return set()
        seen.add(id(node))
        names = {str(name) for name in _mapping(node.get("properties"))}
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in _sequence(node.get(key)):
                names |= self.collected(sub, seen)
        for key in ("items", "not"):
            if key in node:
                names |= self.collected(node[key], seen)
        return names

    def regexes(self, node: dict[str, Any], at: str) -> Iterator[str]:
        pattern = node.get("pattern")
        if isinstance(pattern, str) and not _compiles(pattern):
            yield f"{at}/pattern: {pattern!r} is not a regular expression Python compiles"
        keyed = node.get("patternProperties")
        for key in keyed if isinstance(keyed, dict) else []:
            if not _compiles(str(key)):
                yield f"{at}/patternProperties: {key!r} is not a regular expression Python compiles"

    def default(self, node: dict[str, Any], at: str) -> Iterator[str]:
        if "default" not in node:
            return
        value = node["default"]
        if value is None and node.get("nullable") is True:
            return
        if self.compiled_default_valid(node, at, value):
            return
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
        validator = Draft202012Validator(
            {"$ref": f"{_DOCUMENT_URI}#{at}"}, registry=registry, format_checker=_format_checker()
        )
        try:
            found = [f"{at}/default: {error.message}" for error in validator.iter_errors(value)]
        except Exception as exc:  # a schema broken elsewhere (reported by the meta-schema check) can break this one
            found = [f"{at}/default: cannot be checked: {exc}"]
        yield from found

    def compiled_default_valid(self, node: dict[str, Any], at: str, value: Any) -> bool:
        """jsonschema-rs finds ``value`` valid against ``node`` where that is exact (``promo_spec.compiled``)."""
        if outside_rust(value) or not self.exact(node, set()):
            return False
        import jsonschema_rs

        if self.registry is None:
            self.registry = jsonschema_rs.Registry([(_DOCUMENT_URI, self.document)])
        try:
            validator = jsonschema_rs.validator_for(
                {"$ref": f"{_DOCUMENT_URI}#{at}"}, registry=self.registry, validate_formats=True, formats=_RS_FORMATS
            )
            return bool(validator.is_valid(value))
        except Exception:  # what jsonschema-rs cannot take in: jsonschema decides
            return False

    def exact(self, node: Any, seen: set[str]) -> bool:
        """Whether jsonschema-rs reads ``node`` and every schema its references reach as jsonschema does."""
        if differs(node, _RS_FORMATS) is not None:
            return False
        for _, ref in iter_refs(node):
            if ref in seen:
                continue
            seen.add(ref)
            target, _ = self.deref({"$ref": ref}, ref)
            if not self.exact(target, seen):
                return False
        return True


def problems(document: dict[str, Any]) -> list[str]:
    """Everything the compiled checks find (empty: valid); LeftToReference when only the reference can tell."""
    return list(_Walk(document).run())
