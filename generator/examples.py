"""Runnable examples: each operation's call as curl, Python and TypeScript programs with the output they print.

``example_choice`` picks the call (rule, seed state, parameters), ``example_programs`` writes the
programs and what they print; the outputs come from what a fresh mock answers (``generator.answers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from generator import answers
from generator.example_choice import choose, parameters, refusal
from generator.example_programs import (
    JSON_MEDIA,
    PY_PACKAGE,
    SHELL_TOKEN,
    TS_XML,
    XML_MEDIA,
    by_shape,
    client_line,
    curl,
    json_body,
    py_call,
    python_output,
    python_program,
    ts_catching,
    ts_output,
    ts_program,
    xml_body,
)
from generator.ir import Api, Operation, Runnable, RunnableSet
from mock_server.seed import Seed
from promo_spec import Spec, SpecError
from promo_spec.xml_codec import XmlBodyError, parse_xml

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
    if b"<error>0</error>" not in xml_answer.body:
        text = xml_answer.body[:200].decode("utf-8", "replace")
        raise SpecError(str(spec.path), _examples_pointer(op), f"the mock refuses {op.id}'s XML example: {text}")
    # What the TypeScript client reads from the XML answer: the same values, keys in the shape's order.
    xml_envelope = _ask_xml(api, spec, op, values, ask)
    try:
        # Where the version reads the Authorization header, curl sends the token there, as the clients do.
        shell_token = None if api.bearer_auth else SHELL_TOKEN
        json_curl = curl(op.path, JSON_MEDIA, json_body(values, shell_token), api.bearer_auth)
        xml_curl = curl(op.path, XML_MEDIA, xml_body(values, shell_token, "xml"), api.bearer_auth)
    except LookupError as exc:
        raise SpecError(str(spec.path), _examples_pointer(op), f"{op.id}'s runnable example: {exc}") from None
    blocks = (
        Runnable("curl, JSON", "sh", json_curl, json_answer.body.decode("utf-8")),
        Runnable("curl, XML (`format` xml: the answer is XML too)", "sh", xml_curl, xml_answer.body.decode("utf-8")),
        Runnable("Python", "python", python_program(op, values), python_output(api, op, envelope)),
        Runnable("TypeScript", "ts", ts_program(op, values), ts_output(op, envelope)),
        Runnable(
            "TypeScript, XML (`requestFormat` and `responseFormat` xml)",
            "ts",
            ts_program(op, values, TS_XML),
            ts_output(op, xml_envelope),
        ),
    )
    return RunnableSet(rule.id, pick.describe(op.matching is not None), blocks)


def _ask_xml(api: Api, spec: Spec, op: Operation, values: Mapping[str, Any], ask: Asker) -> dict[str, Any]:
    """The mock's XML answer as the TypeScript client reads it (keys in the shape's order)."""
    body = xml_body(values, answers.INTERNAL_TOKEN, "xml").encode("utf-8")
    try:
        read = parse_xml(ask(spec, op.path, body, XML_MEDIA).body, spec.operations[op.id].response_schema)
    except XmlBodyError as exc:
        raise SpecError(str(spec.path), _examples_pointer(op), f"the mock's XML answer to {op.id}: {exc}") from None
    shaped: dict[str, Any] = by_shape(api, op.response_shape, read)
    return shaped


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
        program = ts_program(op, values, (*TS_XML, "timeoutMs: 10000"))
        blocks.append(Runnable("xml-ts", "ts", program, ts_output(op, _ask_xml(api, spec, op, values, ask))))
    found = refusal(api, spec, seed)
    if found is not None:
        bad, rule, pick = found
        values = parameters(bad, sample_of(spec, bad.id), pick)
        answer = _ask_json(spec, bad, values, ask, want_zero=False)
        call, classes = py_call(bad, values)
        names = ", ".join(sorted({"ApiError", "PromoClient", *classes}))
        code = "\n".join(
            [
                "import os",
                "",
                f"from {PY_PACKAGE} import {names}",
                "",
                client_line(),
                "    try:",
                f"        {call}",
                "    except ApiError as exc:  # the envelope's error is not 0",
                '        print(f"{type(exc).__name__}: error {exc.error}: {exc.error_text}")',
            ]
        )
        cls = next((e.class_name for e in api.errors if e.code == answer["error"]), "ApiError")
        shown = f"{cls}: error {answer['error']}: {answer['error_text']}"
        blocks.append(Runnable(f"error:{rule.id}", "python", code, shown))
        blocks.append(Runnable(f"error-ts:{rule.id}", "ts", ts_catching(bad, values), shown))
    return tuple(blocks)


def with_examples(api: Api, spec: Spec, ask: Asker = answers.ask) -> Api:
    """The IR with each operation's runnable examples and the quick start's, outputs asked from fresh mocks."""
    seed = answers.seed()
    operations = tuple(replace(op, runnable=runnable(api, spec, op, seed, ask)) for op in api.operations)
    filled = replace(api, operations=operations)
    return replace(filled, quick_start=quick_start(filled, spec, seed, ask))
