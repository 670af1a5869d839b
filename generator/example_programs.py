"""The example programs as text (curl, Python, TypeScript) and the output each prints for an answer."""

from __future__ import annotations

import dataclasses
import functools
import json
import pprint
from collections.abc import Mapping
from typing import Any

from generator.ir import Api, Field, Model, Operation
from promo_spec.xml_codec import escape_text

BASE_URL = "http://127.0.0.1:8080"
TOKEN_ENV = "ALTCRAFT_TOKEN"  # noqa: S105 - the name of an environment variable, not a secret
SHELL_TOKEN = "$" + TOKEN_ENV
JSON_MEDIA = "application/json"
XML_MEDIA = "application/xml"
PY_PACKAGE = "altcraft_promo_client"
TS_MODULE = "./client.js"
_SHELL_UNSAFE = ("$", "`", "\\")


def _py(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _ts(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_ts(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _variant(op: Operation, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The options class that fits ``values`` and its argument names, required first."""
    assert op.options is not None
    for variant in op.options.variants:
        if all(f.name in values for f in variant.required):
            names = [f.name for f in variant.required] + [f.name for f in variant.optional if f.name in values]
            return variant.class_name, names
    raise LookupError("the example sets none of the options")


WIDTH = 99


def _wrap(head: str, args: list[str], tail: str, indent: str, step: str) -> str:
    """``head args tail`` on one line, or one argument per line when that is wider than WIDTH."""
    line = f"{head}{', '.join(args)}{tail}"
    if len(indent + line) <= WIDTH:
        return line
    inner = "".join(f"{indent}{step}{a},\n" for a in args)
    return f"{head.rstrip()}\n{inner}{indent}{tail.lstrip()}"


def py_call(op: Operation, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The Python call expression and the model classes it imports."""
    args = [f"{p.name}={_py(values[p.name])}" for p in op.params if p.name in values]
    classes: list[str] = []
    if op.matching is not None:
        mode = next(m for m in op.matching.modes if m.value == values[op.matching.param])
        inner = ", ".join(f"{f.name}={_py(values[f.name])}" for f in mode.fields)
        args.append(f"profile={mode.class_name}({inner})")
        classes.append(mode.class_name)
    if op.options is not None:
        name, fields = _variant(op, values)
        args.append(f"options={name}(" + ", ".join(f"{f}={_py(values[f])}" for f in fields) + ")")
        classes.append(name)
    return _wrap(f"client.{op.method_name}(", args, ")", "    ", "    "), classes


def _ts_call(op: Operation, values: Mapping[str, Any]) -> str:
    args = [f"{p.name}: {_ts(values[p.name])}" for p in op.params if p.name in values]
    if op.matching is not None:
        mode = next(m for m in op.matching.modes if m.value == values[op.matching.param])
        inner = [f"matching: {_ts(mode.value)}"] + [f"{f.name}: {_ts(values[f.name])}" for f in mode.fields]
        args.append("profile: { " + ", ".join(inner) + " }")
    if op.options is not None:
        _, fields = _variant(op, values)
        args.append("options: { " + ", ".join(f"{f}: {_ts(values[f])}" for f in fields) + " }")
    return _wrap(f"client.{op.ts_name}({{ ", args, " })", "", "  ")


def _shell_safe(text: str) -> str:
    """Text for an unquoted here-document: nothing the shell would expand but the token variable."""
    if any(mark in text.replace(SHELL_TOKEN, "") for mark in _SHELL_UNSAFE):
        raise LookupError(f"example text {text[:60]!r} holds a character the shell would expand")
    return text


def json_body(values: Mapping[str, Any], token: str | None, fmt: str | None = None) -> str:
    """The JSON request body, indented, token first (none when the header carries it)."""
    body: dict[str, Any] = {**({"token": token} if token is not None else {}), **values}
    if fmt is not None:
        body["format"] = fmt
    return json.dumps(body, ensure_ascii=False, indent=2)


def xml_body(values: Mapping[str, Any], token: str | None, fmt: str | None = None) -> str:
    """The XML request body (root ``<xml>``, arrays as repeated elements), one element per line."""
    lines = [f"  <token>{escape_text(token)}</token>"] if token is not None else []
    items: list[tuple[str, Any]] = list(values.items()) + ([("format", fmt)] if fmt else [])
    for key, value in items:
        for item in value if isinstance(value, list) else [value]:
            text = ("true" if item else "false") if isinstance(item, bool) else escape_text(str(item))
            lines.append(f"  <{key}>{text}</{key}>")
    return "<xml>\n" + "\n".join(lines) + "\n</xml>"


def curl(path: str, media: str, body: str, bearer: bool = False) -> str:
    """A curl command posting ``body`` (a here-document, so ``$ALTCRAFT_TOKEN`` is filled in).

    With ``bearer`` the token travels in the ``Authorization`` header instead (``body`` then has none).
    """
    auth = f'  -H "Authorization: Bearer ${TOKEN_ENV}" \\\n' if bearer else ""
    return (
        f"curl -s -w '\\n' {BASE_URL}{path} \\\n"
        f"  -H 'Content-Type: {media}' \\\n{auth}"
        f"  --data-binary @- <<EOF\n{_shell_safe(body)}\nEOF"
    )


def client_line(extra: tuple[str, ...] = ()) -> str:
    args = [f'"{BASE_URL}"', f'token=os.environ["{TOKEN_ENV}"]', *extra]
    return _wrap("with PromoClient(", args, ") as client:", "", "    ")


def python_program(op: Operation, values: Mapping[str, Any], extra: tuple[str, ...] = ()) -> str:
    """A complete Python program: imports, client, the call, printing what it returns."""
    call, classes = py_call(op, values)
    kind = op.result.kind
    imports = ["import os"] + (["from pprint import pprint"] if kind in {"model", "envelope"} else [])
    names = ", ".join(sorted({"PromoClient", *classes}))
    body = {
        "none": [f"    {call}", '    print("done")'],
        "model": [f"    result = {call}", "    pprint(result)"],
        "envelope": [f"    result = {call}", "    pprint(result)"],
        "list": [f"    for item in {call}:", "        print(item)"],
    }[kind]
    return "\n".join([*imports, "", f"from {PY_PACKAGE} import {names}", "", client_line(extra), *body])


def ts_program(op: Operation, values: Mapping[str, Any], extra: tuple[str, ...] = ()) -> str:
    """A complete TypeScript module (ES module, top-level await) using the generated client; ``extra`` options."""
    call = _ts_call(op, values)
    shown = {
        "none": [f"await {call};", 'console.log("done");'],
        "model": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
        "envelope": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
        "list": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
    }[op.result.kind]
    return "\n".join([f'import {{ PromoClient }} from "{TS_MODULE}";', "", ts_client_line(extra), *shown])


TS_XML = ('requestFormat: "xml"', 'responseFormat: "xml"')  # the TypeScript client's options for XML both ways


def ts_client_line(extra: tuple[str, ...] = ()) -> str:
    """The TypeScript client's construction: the mock's URL, the token from the environment, ``extra`` options."""
    args = [f'baseUrl: "{BASE_URL}"', f'token: process.env.{TOKEN_ENV} ?? ""', *extra]
    if not extra:  # one line, as it always was
        return f"const client = new PromoClient({{ {', '.join(args)} }});"
    return _wrap("const client = new PromoClient({ ", args, " });", "", "  ")


def ts_catching(op: Operation, values: Mapping[str, Any]) -> str:
    """A TypeScript module that makes a call the API refuses and prints the ApiError it rejects with."""
    return "\n".join(
        [
            f'import {{ ApiError, PromoClient }} from "{TS_MODULE}";',
            "",
            ts_client_line(),
            "try {",
            f"  await {_ts_call(op, values)};",
            "} catch (err) {",
            "  if (!(err instanceof ApiError)) throw err; // TransportError, ResponseError: not a refusal",
            "  console.log(`${err.name}: error ${err.error}: ${err.errorText}`);",
            "}",
        ]
    )


# -- outputs ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _stand_in(name: str, required: tuple[str, ...], optional: tuple[str, ...]) -> Any:
    """A frozen dataclass named ``name`` with these fields, in this order (made once: making one is slow)."""
    return dataclasses.make_dataclass(
        name, [(f, Any) for f in required] + [(f, Any, None) for f in optional], frozen=True
    )


def _mirror(models: Mapping[str, Model], name: str, raw: Any) -> Any:
    """A stand-in of the generated dataclass ``name`` holding ``raw``: same name, fields, order, repr."""
    model = models[name]
    ordered = [*model.required_fields, *model.optional_fields]
    cls = _stand_in(
        name, tuple(f.name for f in model.required_fields), tuple(f.name for f in model.optional_fields)
    )
    return cls(**{f.name: _value(models, f, raw.get(f.name)) for f in ordered})


def _value(models: Mapping[str, Model], field: Field, raw: Any) -> Any:
    if raw is None or not field.model:
        return raw
    if field.kind == "array":
        return [_mirror(models, field.model, item) for item in raw]
    return _mirror(models, field.model, raw)


def python_output(api: Api, op: Operation, envelope: Mapping[str, Any]) -> str:
    """What the Python program prints for this answer (computed as the generated client reads it)."""
    models = {m.name: m for m in api.models}
    result = op.result
    if result.kind == "none":
        return "done"
    if result.kind == "envelope":
        return pprint.pformat(_mirror(models, result.model, envelope))
    if result.kind == "model":
        return pprint.pformat(_mirror(models, result.model, envelope["data"]))
    return "\n".join(repr(_mirror(models, result.model, item)) for item in envelope.get("data") or [])


def by_shape(api: Api, shape: str, value: Any) -> Any:
    """``value`` (read from XML) with each object's keys as the TypeScript client orders them: the shape's first."""
    fields = {f.name: f for s in api.shapes if s.name == shape for f in s.fields}
    if isinstance(value, list):
        return [by_shape(api, shape, item) for item in value]
    if not isinstance(value, Mapping):
        return value
    ordered = [name for name in fields if name in value] + [name for name in value if name not in fields]
    nested = {name: fields[name].shape if name in fields else "" for name in ordered}
    return {name: by_shape(api, nested[name], value[name]) if nested[name] else value[name] for name in ordered}


def ts_output(op: Operation, envelope: Mapping[str, Any]) -> str:
    """What the TypeScript program prints: JSON.stringify(value, null, 2) of what the method resolves to."""
    kind = op.result.kind
    if kind == "none":
        return "done"
    value = envelope if kind == "envelope" else envelope.get("data") if kind == "model" else envelope.get("data") or []
    return json.dumps(value, ensure_ascii=False, indent=2)
