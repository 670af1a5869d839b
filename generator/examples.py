"""Runnable examples: each operation's call, built from the spec's example, its rules and the mock's default seed.

For every operation the example follows one documented rule that succeeds (error 0), preferring
seeded codes whose timestamps are fixed, so that the output is the same on every fresh mock. The
spec's example gives the parameters; the seed gives values the mock knows (program, code,
profile). The output shown is computed from what a fresh mock answers (``generator.answers``).
"""

from __future__ import annotations

import dataclasses
import json
import pprint
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

from generator import answers
from generator.ir import Api, Field, Model, Operation, Runnable, RunnableSet
from mock_server.seed import Profile, Program, Seed, SeedCode
from promo_spec import Spec, SpecError
from promo_spec.rules import Rule

BASE_URL = "http://127.0.0.1:8080"
TOKEN_ENV = "ALTCRAFT_TOKEN"  # noqa: S105 - the name of an environment variable, not a secret
SHELL_TOKEN = "$" + TOKEN_ENV
JSON_MEDIA = "application/json"
XML_MEDIA = "application/xml"
PY_PACKAGE = "altcraft_promo_client"
TS_MODULE = "./client.js"
# Code states of the rule vocabulary, most preferred first: seeded codes with fixed timestamps
# print the same output on every fresh mock; a free code's `created` is the mock's start time.
STATE_PREFERENCE = ("attached_to_profile", "activated", "new", "free", "unknown", "omitted")
_GIVEN_KEYS = frozenset({"code", "codes", "program", "options", "pool"})
_SHELL_UNSAFE = ("$", "`", "\\")


@dataclass(frozen=True)
class Pick:
    """What of the seed one example uses."""

    program: Program
    profile: Profile
    code: SeedCode | None = None
    new_codes: tuple[str, ...] = ()

    def describe(self, with_profile: bool) -> str:
        """The seed state in words (shown above the examples)."""
        if self.code is not None:
            what = f"code `{self.code.code}`"
        elif self.new_codes:
            what = "new codes " + ", ".join(f"`{c}`" for c in self.new_codes)
        else:
            what = "no code (the program's pool)"
        where = f"{what} of program {self.program.id} ({self.program.kind})"
        holder = f", profile `{self.profile.profile_id}` of database {self.profile.db_id}"
        return where + (holder if with_profile else "")


def _profile(seed: Seed, db_id: int, profile_id: str) -> Profile:
    for database in seed.databases:
        for profile in database.profiles:
            if database.id == db_id and profile.profile_id == profile_id:
                return profile
    raise LookupError(profile_id)


def _first_profile(seed: Seed) -> Profile | None:
    return next((p for d in seed.databases for p in d.profiles), None)


def _programs(seed: Seed, kind: str | None) -> list[Program]:
    return [p for p in seed.programs if kind is None or p.kind == kind]


def _resolve(seed: Seed, given: Mapping[str, str], sample: Mapping[str, Any]) -> Pick | None:
    """The seed state a rule's ``given`` asks for, or None when the seed has none."""
    state = given.get("code") or given.get("codes") or "omitted"
    programs = _programs(seed, given.get("program"))
    first = _first_profile(seed)
    if first is None or not programs:
        return None
    for program in programs:
        for code in program.codes:
            if state == "attached_to_profile" and len(code.holders) == 1 and not code.activated:
                return Pick(program, _profile(seed, *code.holders[0]), code)
            if state == "activated" and code.holders and code.activated:
                return Pick(program, _profile(seed, *code.holders[0]), code)
            if state == "free" and not code.holders and not code.activated:
                return Pick(program, first, code)
    if state in {"new", "unknown"}:
        known = {c.code for p in seed.programs for c in p.codes}
        wanted = sample.get("codes") or [sample.get("code")]
        fresh = tuple(str(c) for c in wanted if isinstance(c, str) and c not in known)
        return Pick(programs[0], first, None, fresh) if fresh else None
    if state == "omitted":
        pooled = next((p for p in programs if any(not c.holders and not c.activated for c in p.codes)), None)
        return Pick(pooled, first) if pooled is not None else None
    return None


def choose(op: Operation, rules: tuple[Rule, ...], seed: Seed, sample: Mapping[str, Any]) -> tuple[Rule, Pick] | None:
    """The documented error-0 rule the example follows and the seed state it uses (None: no usable rule)."""
    candidates = [
        r
        for r in rules
        if r.operation == op.id
        and r.status == "documented"
        and r.expect.error == "zero"
        and set(r.given) <= _GIVEN_KEYS
    ]

    def rank(rule: Rule) -> int:
        state = rule.given.get("code") or rule.given.get("codes") or "omitted"
        return STATE_PREFERENCE.index(state) if state in STATE_PREFERENCE else len(STATE_PREFERENCE)

    for rule in sorted(candidates, key=rank):
        pick = _resolve(seed, rule.given, sample)
        if pick is not None:
            return rule, pick
    return None


def refusal(api: Api, spec: Spec, seed: Seed) -> tuple[Operation, Rule, Pick] | None:
    """A documented refusal the seed can show (for the quick start's error handling)."""
    for op in api.operations:
        if op.matching or op.options:
            continue
        for rule in spec.rules_for(op.id):
            if rule.status == "documented" and rule.expect.error == "nonzero" and set(rule.given) == {"code"}:
                pick = _resolve(seed, rule.given, {})
                if pick is not None and pick.code is not None:
                    return op, rule, pick
    return None


# -- parameters ------------------------------------------------------------------------------


def _identifier(profile: Profile, name: str) -> str | None:
    if name in {"field_name", "field_value"}:
        custom = next(iter(sorted(profile.custom.items())), None)
        return None if custom is None else custom[0 if name == "field_name" else 1]
    value = getattr(profile, name, None)
    return value if isinstance(value, str) and value else None


def parameters(op: Operation, sample: Mapping[str, Any], pick: Pick) -> dict[str, Any]:
    """The call's parameters (token and format left out), in the spec's order."""
    values = {k: v for k, v in sample.items() if k not in {"token", "format"}}
    values["loyalty_id"] = pick.program.id
    values["db_id"] = pick.profile.db_id
    values.pop("code", None)
    values.pop("codes", None)
    if pick.code is not None:
        values["code"] = pick.code.code
    if pick.new_codes:
        if "codes" in sample:
            values["codes"] = list(pick.new_codes)
        else:
            values["code"] = pick.new_codes[0]
    if op.matching is not None:
        default = next(m for m in op.matching.modes if m.is_default)
        mode = next((m for m in op.matching.modes if m.value == sample.get(op.matching.param)), default)
        for name in (op.matching.param, *op.matching.field_names):
            values.pop(name, None)
        values[op.matching.param] = mode.value
        for field in mode.fields:
            found = _identifier(pick.profile, field.name)
            if found is None:
                raise LookupError(f"profile {pick.profile.profile_id} has no {field.name}")
            values[field.name] = found
    names = [f.name for f in op.all_params]
    missing = [f.name for f in op.all_params if f.required and f.name not in values and f.name not in {"token"}]
    if missing:
        raise LookupError("the example lacks " + ", ".join(missing))
    return {name: values[name] for name in names if name in values}


# -- programs --------------------------------------------------------------------------------


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


def _py_call(op: Operation, values: Mapping[str, Any]) -> tuple[str, list[str]]:
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


def json_body(values: Mapping[str, Any], token: str, fmt: str | None = None) -> str:
    """The JSON request body, indented, token first."""
    body: dict[str, Any] = {"token": token, **values}
    if fmt is not None:
        body["format"] = fmt
    return json.dumps(body, ensure_ascii=False, indent=2)


def xml_body(values: Mapping[str, Any], token: str, fmt: str | None = None) -> str:
    """The XML request body (root ``<xml>``, arrays as repeated elements), one element per line."""
    lines = [f"  <token>{escape(token)}</token>"]
    items: list[tuple[str, Any]] = list(values.items()) + ([("format", fmt)] if fmt else [])
    for key, value in items:
        for item in value if isinstance(value, list) else [value]:
            text = ("true" if item else "false") if isinstance(item, bool) else escape(str(item))
            lines.append(f"  <{key}>{text}</{key}>")
    return "<xml>\n" + "\n".join(lines) + "\n</xml>"


def curl(path: str, media: str, body: str) -> str:
    """A curl command posting ``body`` (a here-document, so ``$ALTCRAFT_TOKEN`` is filled in)."""
    return (
        f"curl -s -w '\\n' {BASE_URL}{path} \\\n"
        f"  -H 'Content-Type: {media}' \\\n"
        f"  --data-binary @- <<EOF\n{_shell_safe(body)}\nEOF"
    )


def _client_line(extra: tuple[str, ...] = ()) -> str:
    args = [f'"{BASE_URL}"', f'token=os.environ["{TOKEN_ENV}"]', *extra]
    return _wrap("with PromoClient(", args, ") as client:", "", "    ")


def python_program(op: Operation, values: Mapping[str, Any], extra: tuple[str, ...] = ()) -> str:
    """A complete Python program: imports, client, the call, printing what it returns."""
    call, classes = _py_call(op, values)
    kind = op.result.kind
    imports = ["import os"] + (["from pprint import pprint"] if kind in {"model", "envelope"} else [])
    names = ", ".join(sorted({"PromoClient", *classes}))
    body = {
        "none": [f"    {call}", '    print("done")'],
        "model": [f"    result = {call}", "    pprint(result)"],
        "envelope": [f"    result = {call}", "    pprint(result)"],
        "list": [f"    for item in {call}:", "        print(item)"],
    }[kind]
    return "\n".join([*imports, "", f"from {PY_PACKAGE} import {names}", "", _client_line(extra), *body])


def ts_program(op: Operation, values: Mapping[str, Any]) -> str:
    """A complete TypeScript module (ES module, top-level await) using the generated client."""
    call = _ts_call(op, values)
    shown = {
        "none": [f"await {call};", 'console.log("done");'],
        "model": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
        "envelope": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
        "list": [f"const result = await {call};", "console.log(JSON.stringify(result, null, 2));"],
    }[op.result.kind]
    return "\n".join(
        [
            f'import {{ PromoClient }} from "{TS_MODULE}";',
            "",
            f'const client = new PromoClient({{ baseUrl: "{BASE_URL}", token: process.env.{TOKEN_ENV} ?? "" }});',
            *shown,
        ]
    )


# -- outputs ---------------------------------------------------------------------------------


def _mirror(models: Mapping[str, Model], name: str, raw: Any) -> Any:
    """A stand-in of the generated dataclass ``name`` holding ``raw``: same name, fields, order, repr."""
    model = models[name]
    ordered = [*model.required_fields, *model.optional_fields]
    cls = dataclasses.make_dataclass(
        name,
        [(f.name, Any) for f in model.required_fields] + [(f.name, Any, None) for f in model.optional_fields],
        frozen=True,
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


def ts_output(op: Operation, envelope: Mapping[str, Any]) -> str:
    """What the TypeScript program prints: JSON.stringify(value, null, 2) of what the method resolves to."""
    kind = op.result.kind
    if kind == "none":
        return "done"
    value = envelope if kind == "envelope" else envelope.get("data") if kind == "model" else envelope.get("data") or []
    return json.dumps(value, ensure_ascii=False, indent=2)


# -- assembling ------------------------------------------------------------------------------

Asker = Callable[[Spec, str, bytes, str], answers.Answer]


def _examples_pointer(op: Operation) -> str:
    return f"/paths/{op.path.replace('~', '~0').replace('/', '~1')}/post/requestBody/content/application~1json/examples"


def _envelope(spec: Spec, op: Operation, answer: answers.Answer, want_zero: bool) -> dict[str, Any]:
    pointer = _examples_pointer(op)
    try:
        envelope = json.loads(answer.body)
    except ValueError:
        raise SpecError(str(spec.path), pointer, f"the mock's answer to {op.id}'s example is not JSON") from None
    if not isinstance(envelope, dict) or (envelope.get("error") == 0) != want_zero:
        raise SpecError(
            str(spec.path),
            pointer,
            f"the mock answers {op.id}'s runnable example with error {envelope.get('error')} "
            f"({envelope.get('error_text')}); the example must follow its rule",
        )
    return envelope


def sample_of(spec: Spec, op_id: str) -> dict[str, Any]:
    """The first JSON request example of ``op_id`` in the spec ({} when it has none)."""
    content = spec.operations[op_id].raw["requestBody"]["content"].get(JSON_MEDIA, {})
    first: Any = next(iter((content.get("examples") or {}).values()), {})
    value = first.get("value") if isinstance(first, dict) else None
    return value if isinstance(value, dict) else {}


def runnable(api: Api, spec: Spec, op: Operation, seed: Seed, ask: Asker) -> RunnableSet | None:
    """The operation's runnable examples with their outputs; None when no documented success rule fits the seed."""
    sample = sample_of(spec, op.id)
    chosen = choose(op, spec.rules_for(op.id), seed, sample)
    if chosen is None:
        return None
    rule, pick = chosen
    try:
        values = parameters(op, sample, pick)
    except LookupError:
        return None
    token = answers.INTERNAL_TOKEN
    json_answer = ask(spec, op.path, json_body(values, token).encode("utf-8"), JSON_MEDIA)
    envelope = _envelope(spec, op, json_answer, want_zero=True)
    xml_answer = ask(spec, op.path, xml_body(values, token, "xml").encode("utf-8"), XML_MEDIA)
    try:
        json_curl = curl(op.path, JSON_MEDIA, json_body(values, SHELL_TOKEN))
        xml_curl = curl(op.path, XML_MEDIA, xml_body(values, SHELL_TOKEN, "xml"))
    except LookupError as exc:
        raise SpecError(str(spec.path), _examples_pointer(op), f"{op.id}'s runnable example: {exc}") from None
    blocks = (
        Runnable("curl, JSON", "sh", json_curl, json_answer.body.decode("utf-8")),
        Runnable("curl, XML (`format` xml: the answer is XML too)", "sh", xml_curl, xml_answer.body.decode("utf-8")),
        Runnable("Python", "python", python_program(op, values), python_output(api, op, envelope)),
        Runnable("TypeScript", "ts", ts_program(op, values), ts_output(op, envelope)),
    )
    return RunnableSet(rule.id, pick.describe(op.matching is not None), blocks)


def _ask_json(spec: Spec, op: Operation, values: Mapping[str, Any], ask: Asker, want_zero: bool) -> dict[str, Any]:
    body = json_body(values, answers.INTERNAL_TOKEN).encode("utf-8")
    return _envelope(spec, op, ask(spec, op.path, body, JSON_MEDIA), want_zero)


def quick_start(api: Api, spec: Spec, seed: Seed, ask: Asker) -> tuple[Runnable, ...]:
    """index.md's runnable examples: a call in XML with a timeout, and catching a business error."""
    blocks: list[Runnable] = []
    op = next((o for o in api.operations if o.runnable is not None and o.result.kind in {"model", "list"}), None)
    chosen = None if op is None else choose(op, spec.rules_for(op.id), seed, sample_of(spec, op.id))
    if op is not None and chosen is not None:
        values = parameters(op, sample_of(spec, op.id), chosen[1])
        envelope = _ask_json(spec, op, values, ask, want_zero=True)
        extra = ('request_format="xml"', 'response_format="xml"', "timeout=10")
        blocks.append(Runnable("xml", "python", python_program(op, values, extra), python_output(api, op, envelope)))
    found = refusal(api, spec, seed)
    if found is not None:
        bad, rule, pick = found
        values = parameters(bad, sample_of(spec, bad.id), pick)
        answer = _ask_json(spec, bad, values, ask, want_zero=False)
        call, classes = _py_call(bad, values)
        names = ", ".join(sorted({"ApiError", "PromoClient", *classes}))
        code = "\n".join(
            [
                "import os",
                "",
                f"from {PY_PACKAGE} import {names}",
                "",
                _client_line(),
                "    try:",
                f"        {call}",
                "    except ApiError as exc:  # the envelope's error is not 0",
                '        print(f"{type(exc).__name__}: error {exc.error}: {exc.error_text}")',
            ]
        )
        cls = next((e.class_name for e in api.errors if e.code == answer["error"]), "ApiError")
        shown = f"{cls}: error {answer['error']}: {answer['error_text']}"
        blocks.append(Runnable(f"error:{rule.id}", "python", code, shown))
    return tuple(blocks)


def with_examples(api: Api, spec: Spec, ask: Asker = answers.ask) -> Api:
    """The IR with each operation's runnable examples and the quick start's, outputs asked from fresh mocks."""
    seed = answers.seed()
    operations = tuple(replace(op, runnable=runnable(api, spec, op, seed, ask)) for op in api.operations)
    filled = replace(api, operations=operations)
    return replace(filled, quick_start=quick_start(filled, spec, seed, ask))
