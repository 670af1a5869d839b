"""Turn a loaded spec into the IR (``generator.ir.Api``): the only stage that reads the spec dict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import naming
from generator.ir import (
    Api,
    ErrorCode,
    Example,
    Field,
    Matching,
    MatchingMode,
    Model,
    Operation,
    Options,
    OptionVariant,
    Result,
    RuleRow,
    Shape,
    ShapeField,
    SuccessMeaning,
)
from generator.schema import Node, SchemaReader
from promo_spec import Spec
from promo_spec.locate import REPO_ROOT
from promo_spec.rules import Rule
from promo_spec.success import Success
from promo_spec.xml_codec import escape_text

TOKEN = "token"  # noqa: S105 - the name of the auth parameter, not a secret
FORMAT = "format"
JSON_MEDIA = "application/json"
XML_MEDIA = "application/xml"
ENVELOPE = ("data", "error", "error_text")
_UNSUPPORTED_REQUEST_KEYWORDS = ("oneOf", "not", "if", "dependentRequired", "dependentSchemas", "patternProperties")


def spec_label(path: Path) -> str:
    """How generated headers name the spec: repo-relative when inside the repo, else the file name."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _Parser:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.reader = SchemaReader(spec.document, str(spec.path))
        self.models: dict[str, Model] = {}
        self.model_pointers: dict[str, str] = {}
        self.shapes: dict[str, Shape] = {}
        self.matchings: dict[str, Matching] = {}
        self.errors: tuple[ErrorCode, ...] = ()

    # -- responses -------------------------------------------------------------------------------

    def model(self, node: Node, fallback: str, context: str = "") -> str:
        """Register the object ``node`` as a model (and an XML shape) and return its name."""
        if node.pointer in self.model_pointers:
            return self.model_pointers[node.pointer]
        name = node.name or fallback
        if name in self.models:
            raise self.reader.fail(node.pointer, f"two different objects would both be named {name!r}; rename one")
        self.model_pointers[node.pointer] = name
        required = set(node.schema.get("required", []) or [])
        props = self.reader.properties(node)
        for key, sub in props.items():
            self._nested_models(sub, f"{name}{naming.pascal(key)}", f"``{key}`` of {name}")
        fields = tuple(
            self.reader.field(key, sub, required=key in required, model_names=self.model_pointers)
            for key, sub in props.items()
        )
        description = " ".join(str(node.schema.get("description", "")).split()) or context or name
        self.models[name] = Model(name, description, fields)
        self.shapes[name] = Shape(name, tuple(self._shape_field(f) for f in fields))
        return name

    def _nested_models(self, node: Node, fallback: str, where: str) -> None:
        kind, _, inner = self.reader.kind(node)
        said = " ".join(str(node.schema.get("description", "")).split())
        if kind == "object" and inner is not None:
            self.model(inner, fallback, f"The {where}: {said}" if said else f"The {where}.")
        elif kind == "array" and inner is not None:
            items = self.reader.node(inner.schema.get("items", {}), f"{inner.pointer}/items")
            item_kind, _, item_inner = self.reader.kind(items)
            if item_kind == "object" and item_inner is not None:
                context = f"One item of the {where}: {said}" if said else f"One item of the {where}."
                self.model(item_inner, fallback + "Item", context)

    @staticmethod
    def _shape_field(field: Field) -> ShapeField:
        many = field.kind == "array"
        kind = field.item_kind if many else field.kind
        if kind == "datetime":
            kind = "string"
        return ShapeField(field.name, kind, many, field.nullable, field.model if kind == "object" else "")

    def result(self, op_id: str, node: Node) -> tuple[Result, str, Field | None]:
        props = self.reader.properties(node)
        missing = [k for k in ENVELOPE if k not in props]
        if missing:
            raise self.reader.fail(
                f"{node.pointer}/properties",
                f"the 200 response must be the envelope {{data, error, error_text}}; missing {', '.join(missing)}",
            )
        title = naming.pascal(op_id)
        self._nested_models(props["data"], f"{title}Data", f"``data`` of {op_id}'s answer")
        required = set(node.schema.get("required", []) or [])
        fields = {
            key: self.reader.field(key, sub, required=key in required, model_names=self.model_pointers)
            for key, sub in props.items()
        }
        data = fields["data"]
        extras = tuple(f for k, f in fields.items() if k not in ENVELOPE)
        for extra in extras:
            if extra.kind not in {"string", "integer", "boolean", "datetime"}:
                raise self.reader.fail(
                    props[extra.name].pointer, "top-level fields next to data must be scalars (like import's counters)"
                )
        description = data.description
        if extras:
            name = f"{title}Result"
            self.models[name] = Model(name, f"What {op_id} answers: {description}", (data, *extras))
            result = Result("envelope", name, data, extras, description)
        elif data.kind == "null":
            result = Result("none", "", data, (), description)
        elif data.kind == "object":
            result = Result("model", data.model, data, (), description)
        elif data.kind == "array" and data.model:
            result = Result("list", data.model, data, (), description)
        else:
            raise self.reader.fail(
                props["data"].pointer, "data must be null, an object, or an array of objects (a nullable one is fine)"
            )
        shape_name = f"{title}Response"
        self.shapes[shape_name] = Shape(shape_name, tuple(self._shape_field(f) for f in fields.values()))
        return result, shape_name, fields["error"]

    def error_codes(self, error_field_node: Node) -> tuple[ErrorCode, ...]:
        documented = error_field_node.schema.get("x-documented-codes") or []
        codes: list[ErrorCode] = []
        for index, entry in enumerate(documented):
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), int):
                raise self.reader.fail(
                    f"{error_field_node.pointer}/x-documented-codes/{index}", "each entry needs an integer 'code'"
                )
            if entry["code"] == 0:
                continue
            meaning = " ".join(str(entry.get("meaning", "")).split())
            codes.append(ErrorCode(entry["code"], meaning, naming.error_class(entry["code"], meaning)))
        return tuple(codes)

    # -- requests --------------------------------------------------------------------------------

    def matching(self, node: Node) -> Matching | None:
        found: Matching | None = None
        for index, raw in enumerate(node.schema.get("allOf", []) or []):
            branch = self.reader.node(raw, f"{node.pointer}/allOf/{index}")
            modes = branch.schema.get("x-matching-modes")
            if not isinstance(modes, dict):
                raise self.reader.fail(
                    branch.pointer,
                    "the generator supports allOf in a request only for profile matching (a schema with "
                    "x-matching-modes); move the properties into the request schema",
                )
            if branch.pointer in self.matchings:
                found = self.matchings[branch.pointer]
                continue
            props = self.reader.properties(branch)
            selector = next((k for k, p in props.items() if set(p.schema.get("enum", []) or []) == set(modes)), None)
            if selector is None:
                raise self.reader.fail(
                    f"{branch.pointer}/properties", "no property has exactly the modes of x-matching-modes as its enum"
                )
            default = props[selector].schema.get("default")
            built: list[MatchingMode] = []
            for mode, names in modes.items():
                unknown = [n for n in names if n not in props]
                if unknown:
                    raise self.reader.fail(
                        f"{branch.pointer}/x-matching-modes/{_esc(mode)}", f"unknown properties {', '.join(unknown)}"
                    )
                fields = tuple(self.reader.field(n, props[n], required=True, model_names={}) for n in names)
                class_name = naming.mode_class(str(mode), list(names))
                built.append(MatchingMode(str(mode), class_name, fields, mode == default))
            name = "Profile" if not self.matchings else f"{naming.pascal(branch.name or 'x')}{len(self.matchings)}"
            found = Matching(selector, tuple(built), name)
            self.matchings[branch.pointer] = found
        return found

    def options(self, op_id: str, node: Node, props: dict[str, Node]) -> Options | None:
        branches = node.schema.get("anyOf")
        if not branches:
            return None
        groups: list[list[str]] = []
        for index, raw in enumerate(branches):
            if not isinstance(raw, dict) or set(raw) != {"required"}:
                raise self.reader.fail(
                    f"{node.pointer}/anyOf/{index}",
                    "the generator supports anyOf in a request only as 'at least one of' groups ({required: [...]})",
                )
            groups.append([str(n) for n in raw["required"]])
        names: list[str] = []
        for group in groups:
            names.extend(n for n in group if n not in names)
        required = set(node.schema.get("required", []) or [])
        fields = {n: self.reader.field(n, props[n], required=False, model_names={}) for n in names if n in props}
        if len(fields) != len(names) or required & set(names):
            raise self.reader.fail(f"{node.pointer}/anyOf", "every anyOf name must be an optional property")
        variants = tuple(
            OptionVariant(
                "Set" + "".join(naming.pascal(n) for n in group),
                tuple(fields[n] for n in group),
                tuple(f for n, f in fields.items() if n not in group),
            )
            for group in groups
        )
        return Options(naming.pascal(op_id) + "Options", tuple(fields.values()), variants)

    def operation(self, op_id: str) -> Operation:
        op = self.spec.operations[op_id]
        if op.method != "POST":
            raise self.reader.fail(op.pointer, "the generator supports POST operations only (the API is POST-only)")
        for key in ("parameters",):
            if op.raw.get(key):
                raise self.reader.fail(
                    f"{op.pointer}/{key}", "parameters travel in the body; URL parameters are not supported"
                )
        body = op.raw["requestBody"]["content"]
        req = self.reader.node(body[JSON_MEDIA]["schema"], f"{op.pointer}/requestBody/content/application~1json/schema")
        if req.schema.get("type") != "object" and "properties" not in req.schema:
            raise self.reader.fail(req.pointer, "the request body must be an object of parameters")
        for keyword in _UNSUPPORTED_REQUEST_KEYWORDS:
            if keyword in req.schema:
                raise self.reader.fail(
                    f"{req.pointer}/{keyword}",
                    f"the generator supports no '{keyword}' on a request; use required, anyOf of required lists, "
                    "or allOf with x-matching-modes",
                )
        props = self.reader.properties(req)
        if TOKEN not in props:
            raise self.reader.fail(f"{req.pointer}/properties", f"every request needs the '{TOKEN}' parameter")
        required = set(req.schema.get("required", []) or [])
        for name in required:
            if name not in props:
                raise self.reader.fail(f"{req.pointer}/required", f"required parameter {name!r} has no property")
        matching = self.matching(req)
        options = self.options(op_id, req, props)
        skip = {TOKEN, FORMAT}
        if matching:
            skip |= {matching.param, *matching.field_names}
        if options:
            skip |= {f.name for f in options.fields}
        all_params: list[Field] = []
        params: list[Field] = []
        for name, sub in props.items():
            field = self.reader.field(name, sub, required=name in required, model_names={})
            if field.kind == "object" or (field.kind == "array" and field.item_kind == "object"):
                raise self.reader.fail(sub.pointer, "request parameters must be scalars or arrays of scalars")
            all_params.append(field)
            if name not in skip:
                params.append(field)
        ok = op.raw["responses"]["200"]["content"]
        resp_at = f"{op.pointer}/responses/200/content/application~1json/schema"
        resp = self.reader.node(ok[JSON_MEDIA]["schema"], resp_at)
        result, shape, _ = self.result(op_id, resp)
        error_node = self.reader.properties(resp)["error"]
        if not self.errors:
            self.errors = self.error_codes(error_node)
        examples = _examples(body, "request") + _examples(ok, "response")
        first: Any = next(iter(body.get(JSON_MEDIA, {}).get("examples", {}).values()), {})
        sample = first.get("value") if isinstance(first, dict) else None
        if isinstance(sample, dict) and self.spec.bearer_auth:
            # The collection sends the token as its bearer auth; never in the body as well.
            sample = {key: value for key, value in sample.items() if key != TOKEN}
        return Operation(
            id=op_id,
            method_name=naming.py_identifier(op_id),
            ts_name=naming.camel(op_id),
            title=naming.pascal(op_id),
            http_method=op.method,
            path=op.path,
            summary=op.summary,
            description=op.description.strip(),
            params=tuple(params),
            all_params=tuple(all_params),
            matching=matching,
            options=options,
            result=result,
            response_shape=shape,
            rules=tuple(_row(r) for r in self.spec.rules_for(op_id)),
            examples=examples,
            postman_json=_postman_json(sample if isinstance(sample, dict) else {}, self.variables()),
            postman_xml=_postman_xml(sample if isinstance(sample, dict) else {}, self.variables()),
            success=_success(self.spec.success.get(op_id)),
        )

    def variables(self) -> tuple[str, ...]:
        """Postman variables besides ``url``: the token and every required integer id of any request."""
        names = [TOKEN]
        for op in self.spec.operations.values():
            schema = op.request_schema
            for name in schema.get("required", []) or []:
                prop = (schema.get("properties") or {}).get(name, {})
                if prop.get("type") == "integer" and name not in names:
                    names.append(name)
        return tuple(names)

    def api(self) -> Api:
        operations = tuple(self.operation(op_id) for op_id in self.spec.operations)
        doc = self.spec.document
        info = doc.get("info", {})
        fmt = next((op.all_params for op in operations), ())
        format_field = next((f for f in fmt if f.name == FORMAT), None)
        formats = format_field.enum if format_field and format_field.enum else ("json",)
        root_ids = {str(r.get("id")) for r in doc.get("x-rules", []) or [] if isinstance(r, dict)}
        cross: dict[str, RuleRow] = {}
        for rule in self.spec.rules:
            if rule.id in root_ids and rule.id not in cross:
                cross[rule.id] = _row(rule)
        label = spec_label(self.spec.path)
        return Api(
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
            summary=" ".join(str(info.get("summary", "")).split()),
            description=str(info.get("description", "")).strip(),
            header=f"Generated by promo-gen from {label}. Do not edit: change the spec, run promo-gen generate.",
            server_url=str((doc.get("servers") or [{}])[0].get("url", "")),
            token_param=TOKEN,
            format_param=FORMAT,
            formats=formats,
            default_format=json.loads(format_field.default) if format_field and format_field.default else "json",
            operations=operations,
            models=tuple(self.models.values()),
            shapes=tuple(self.shapes.values()),
            errors=self.errors,
            profile_unions=tuple(self.matchings.values()),
            option_groups=tuple(op.options for op in operations if op.options),
            cross_rules=tuple(cross.values()),
            postman_variables=self.variables(),
            bearer_auth=self.spec.bearer_auth,
        )


def build(spec: Spec) -> Api:
    """Return the IR of ``spec``; SpecError (with a JSON pointer) for constructs the generator cannot render."""
    return _Parser(spec).api()


_ERROR_WORDS = {"zero": "error = 0", "nonzero": "error ≠ 0", "any": "any error (recorded)"}


def _success(success: Success | None) -> SuccessMeaning | None:
    if success is None:
        return None
    return SuccessMeaning(success.summary, success.postconditions, success.source)


def _row(rule: Rule) -> RuleRow:
    given = ", ".join(f"{k}: {v}" for k, v in rule.given.items()) or "defaults"
    exp = rule.expect
    parts = [f"error = {exp.error_code}" if exp.error_code is not None else _ERROR_WORDS[exp.error]]
    if exp.item_error is not None:
        item_error = exp.item_error
        item = f"= {item_error}" if isinstance(item_error, int) else _ERROR_WORDS[item_error].split(" ", 1)[1]
        parts.append(f"item error {item}")
    if exp.reports:
        parts.append(f"reports {exp.reports}")
    parts.append("effects: " + ", ".join(exp.effects) if exp.effects else "changes nothing")
    return RuleRow(rule.id, rule.summary, given, "; ".join(parts), rule.status, rule.source, rule.note)


def _examples(content: dict[str, Any], direction: str) -> tuple[Example, ...]:
    found: list[Example] = []
    for media, label in ((JSON_MEDIA, "json"), (XML_MEDIA, "xml")):
        for name, example in (content.get(media, {}).get("examples") or {}).items():
            value = example.get("value") if isinstance(example, dict) else None
            if value is None:
                continue
            title = str(example.get("summary") or name)
            text = value.strip() if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
            found.append(Example(title, label, direction, text))
    return tuple(found)


def _postman_value(key: str, value: Any, variables: tuple[str, ...]) -> str:
    if key in variables:
        return f'"{{{{{key}}}}}"' if key == TOKEN else f"{{{{{key}}}}}"
    return json.dumps(value, ensure_ascii=False)


def _postman_json(sample: dict[str, Any], variables: tuple[str, ...]) -> str:
    lines = [f'  "{k}": {_postman_value(k, v, variables)}' for k, v in sample.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


def _postman_xml(sample: dict[str, Any], variables: tuple[str, ...]) -> str:
    lines = []
    for key, value in sample.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if key in variables:
                text = f"{{{{{key}}}}}"
            elif isinstance(item, bool):
                text = "true" if item else "false"
            else:
                text = escape_text(str(item))
            lines.append(f"  <{key}>{text}</{key}>")
    return "<xml>\n" + "\n".join(lines) + "\n</xml>"
