"""Schemathesis wiring: the XML response deserializer, the envelope check, and data pinned to the target."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
)

from contract_tests.observed import Observed, subject_of
from contract_tests.oracles import reader
from contract_tests.postconditions import Look, success_problems
from contract_tests.suite import Suite
from contract_tests.validity import fully_valid, response_problems, verdict
from contract_tests.wire import encode, is_error_envelope, read_envelope, sent_body
from contract_tests.wire_oracles import label_problem, status_problem
from promo_spec import Spec, load_spec
from promo_spec.xml_codec import XmlBodyError, parse_xml


@functools.cache
def _spec() -> Spec:
    return load_spec()


def _op_id(spec: Spec, path: str) -> str:
    for op in spec.operations.values():
        if op.path == path:
            return op.id
    raise KeyError(f"no operation has the path {path}")


def checks_for(suite: Suite) -> list[Any]:
    """The built-in checks that fit this API, plus the envelope checks; unsupported methods only on loopback.

    Left out on purpose: ``status_code_conformance`` and ``content_type_conformance``. The docs' note on HTTP
    status is cut off and no page names the XML response media type, so ``answer_is_envelope`` asserts only
    what is documented (an envelope in the asked format, no server error) and the wire log records the rest.
    ``response_schema_conformance`` runs inside ``response_conforms``, on successful answers only: the docs
    show no refused request's answer beyond ``error`` and ``error_text``.
    """
    reading = _Reading(suite)  # one per validated response: the envelope checks share one reading of it
    chosen = [
        not_a_server_error,
        reading.bind(answer_is_envelope),
        reading.bind(success_keeps_meaning),
        response_headers_conformance,
        reading.bind(response_conforms),
        reading.bind(envelope_matches_input),
    ]
    if suite.target.loopback:
        chosen.append(unsupported_method)
    return chosen


@schemathesis.deserializer("application/xml", "text/xml")
def deserialize_xml(ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    """Read an XML answer into the JSON shape with the operation's response schema, so it is schema-checked."""
    spec = _spec()  # the deserializer registry is global: it gets the spec (static data), never a session's state
    schema = spec.operation(_op_id(spec, ctx.operation.path)).response_schema
    return parse_xml(response.content, schema)


def _asked_format(sent: Any) -> str | None:
    """The response format a sent body asks for: its ``format`` when json or xml, json when absent, else None."""
    if not isinstance(sent, dict):
        return None
    fmt = sent.get("format", "json")
    return fmt if fmt in ("json", "xml") else None


def _sent(case: Any, response: schemathesis.Response, suite: Suite) -> tuple[str, Any]:
    """The operation and the body as the server read it (None when the bytes are unreadable)."""
    request = response.request
    op = _op_id(suite.spec, case.operation.path)
    content_type = str(request.headers.get("Content-Type", ""))
    raw = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
    try:
        return op, sent_body(raw, content_type, suite.spec.operation(op).request_schema)
    except (XmlBodyError, ValueError, UnicodeDecodeError):
        return op, None  # unreadable bytes: clearly invalid


def _header(response: schemathesis.Response, name: str) -> str:
    value = response.headers.get(name, "")
    return str(value[0] if isinstance(value, list) and value else value or "")


@dataclass(frozen=True)
class _Answer:
    """One POST answer as the checks read it: the operation, the body the server read, the envelope."""

    suite: Suite
    op: str
    sent: Any  # None when the bytes sent are unreadable
    envelope: dict[str, Any] | None
    why: str  # why there is no envelope


class _Reading:
    """One session's suite and the last answer read, handed to the envelope checks (no module state)."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.last: tuple[schemathesis.Response, _Answer] | None = None

    def bind(self, check: Callable[..., None]) -> Callable[[Any, schemathesis.Response, Any], None]:
        """``check`` with this reading as its ``reading`` argument, under the check's own name."""

        def bound(ctx: Any, response: schemathesis.Response, case: Any) -> None:
            check(ctx, response, case, reading=self)

        bound.__name__ = bound.__qualname__ = check.__name__
        bound.__doc__ = check.__doc__
        return bound


def _answer(case: Any, response: schemathesis.Response, reading: _Reading) -> _Answer | None:
    """The reading of a POST answer (None for other methods), made once per response."""
    if (response.request.method or "").upper() != "POST":
        return None
    if reading.last is not None and reading.last[0] is response:
        return reading.last[1]
    suite = reading.suite
    op, sent = _sent(case, response, suite)
    envelope, why = read_envelope(
        response.content,
        _header(response, "content-type"),
        suite.spec.operation(op).response_schema,
        _asked_format(sent),
    )
    answer = _Answer(suite, op, sent, envelope, why)
    reading.last = (response, answer)
    return answer


def answer_is_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any, *, reading: _Reading
) -> None:
    """Every POST is answered with the envelope, in the format asked for, under a status that fits its error."""
    answer = _answer(case, response, reading)
    if answer is None:
        return
    answer.suite.client.wire.answered(
        _asked_format(answer.sent), _header(response, "content-type"), response.status_code, answer.envelope
    )
    if answer.envelope is None:
        raise AssertionError(f"{answer.op}: the answer is not the API envelope ({answer.why})")
    label = label_problem(response.content or b"", _header(response, "content-type"))
    if label:
        raise AssertionError(f"{answer.op}: {label}")
    error = answer.envelope.get("error")
    wrong = status_problem(response.status_code, error if isinstance(error, int) else None)
    if wrong:
        raise AssertionError(f"{answer.op}: {wrong}")


def success_keeps_meaning(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any, *, reading: _Reading
) -> None:
    """An error 0 on the target's data keeps the operation's meaning (x-success), read back through get."""
    answer = _answer(case, response, reading)
    if answer is None or answer.envelope is None or answer.envelope.get("error") != 0:
        return
    suite = answer.suite
    subject = subject_of(suite.target, answer.op, answer.sent)
    if subject is None or subject.program not in suite.target.programs:
        return  # the state outside the target's programs cannot be read
    look = Look(suite.target, subject, answer.envelope, None, Observed(), reader(suite))
    problems = success_problems(suite.spec, look)
    if problems:
        raise AssertionError(f"{answer.op}: {problems[0]}" + "".join(f"\n- {p}" for p in problems[1:]))


def response_conforms(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any, *, reading: _Reading
) -> None:
    """The answer (JSON or XML, read as asked) fits the response schema; an error envelope needs error and text."""
    answer = _answer(case, response, reading)
    if answer is None or answer.envelope is None:
        return  # answer_is_envelope reports a body that is not an envelope
    problems = response_problems(answer.suite.spec.response_checkers[answer.op], answer.envelope)
    if problems:
        raise AssertionError(f"{answer.op}: the answer breaks the response schema: " + "; ".join(problems[:3]))
    if not is_error_envelope(answer.envelope):
        response_schema_conformance(ctx, response, case)  # Schemathesis' own reading of a successful answer


def envelope_matches_input(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any, *, reading: _Reading
) -> None:
    """Invalid input (judged from the bytes sent) gets error != 0; unconditional successes get error 0."""
    answer = _answer(case, response, reading)
    if answer is None or answer.envelope is None:
        return  # answer_is_envelope reports a body that is not an envelope
    suite, op, sent, envelope = answer.suite, answer.op, answer.sent, answer.envelope
    error = envelope.get("error")
    validator = suite.spec.request_validators[op]
    judged = verdict(validator, sent) if sent is not None else None
    invalid = judged is None or bool(judged.documented)
    if invalid and error == 0:
        why = "unreadable body" if judged is None else "; ".join(judged.documented[:3])
        raise AssertionError(
            f"[rule request.invalid] a request that breaks a documented constraint got error 0 ({op}: {why})"
        )
    if judged is not None and judged.stances:
        # invalid only under a stance the spec takes where the docs contradict themselves: recorded, not judged
        suite.report.stance_answered(op, judged.stance_numbers, [str(v) for v in judged.stances], envelope)
    target = suite.target
    promised = not invalid and always_succeeds(validator, op, sent, token=target.token, programs=target.programs)
    if error != 0 and promised:
        raise AssertionError(
            f"{op}: a valid request that always succeeds got error {error} {envelope.get('error_text')!r}"
        )


def always_succeeds(validator: Any, op: str, sent: Any, *, token: str, programs: tuple[int, ...]) -> bool:
    """True for a request whose success the docs promise whatever the state: import, export_all of a target program.

    Only a fully valid body of documented parameters with the right token qualifies. Unknown parameters are
    outside the docs: a server may ignore or refuse them, so such a body is neither "always succeeds" nor
    "clearly invalid".
    """
    if not isinstance(sent, dict) or not fully_valid(validator, sent) or sent.get("token") != token:
        return False
    if set(sent) - set(validator.schema.get("properties", {})):
        return False
    return op == "import" or (op == "export_all" and sent.get("loyalty_id") in programs)


NO_PROGRAM = 100_000_013  # above 10^8 like the scoping cases: no target lists it


def pin(body: Any, suite: Suite, salt: str, *, op: str, media: str = "json") -> Any:
    """Pin generated fields to the target (token, db_id, programs, profiles) and prefix codes with the run's prefix.

    A field is pinned only when the value the server will read already has the schema's type, so negative
    cases stay negative; an empty token stays empty. XML carries no types, so an XML body is pinned as the
    server reads it back (``parse_xml``). The exhausted program is chosen only for export_all, which imports
    nothing, so it is never sent a code (and big programs are not exported for nothing). An attach or import whose
    code is no string goes to a program no target has (``NO_PROGRAM``): a server reading it as absent would draw
    from the pool, unannounced, beside other workers' tests.
    """
    if not isinstance(body, dict):
        return body
    if media == "xml":
        try:
            body = parse_xml(encode(body, "xml")[0], suite.spec.operation(op).request_schema)
        except XmlBodyError:
            return body
    target = suite.target
    pick = zlib.crc32(salt.encode())
    profile = target.profiles[pick % len(target.profiles)]
    pinned = dict(body)
    if isinstance(pinned.get("token"), str) and pinned["token"]:
        pinned["token"] = target.token
    program = target.personal if pick % 2 else target.universal
    if op == "export_all" and target.exhausted is not None:
        program = target.exhausted  # export_all sends no code; a small program keeps its cost off the big ones
    if _unnamed_codes(pinned, op):
        program = NO_PROGRAM
    if _is_int(pinned.get("loyalty_id")):
        pinned["loyalty_id"] = program
    elif isinstance(pinned.get("loyalty_id"), str) and pinned["loyalty_id"].strip().lstrip("+-").isdigit():
        pinned["loyalty_id"] = str(program)  # still the wrong type, but a lenient server must not hit another program
    if _is_int(pinned.get("db_id")):
        pinned["db_id"] = target.db_id
    if isinstance(pinned.get("code"), str):
        pinned["code"] = _code(suite, pinned["code"])
    elif op == "attach" and "code" not in pinned:
        # no pool draws here: a draw may take any free code (another worker's too); the rule tests judge draws
        pinned["code"] = _code(suite, "drawless")
    if isinstance(pinned.get("codes"), list):
        pinned["codes"] = [_code(suite, c) if isinstance(c, str) else c for c in pinned["codes"]]
    for key in ("profile_id", "email", "phone", "field_name", "field_value"):
        if isinstance(pinned.get(key), str):
            pinned[key] = getattr(profile, key)
    return pinned


def _unnamed_codes(body: dict[str, Any], op: str) -> bool:
    """Whether an attach or import sends a code that is no string (null, a number, a list...): a server may read it
    as absent (attach: a pool draw, which may take any free code, another worker's too) or as text (a new code outside
    the run's namespace). Such a request goes to a program no target has: still as invalid, and harmless."""
    if op == "attach":
        return "code" in body and not isinstance(body["code"], str)
    if op == "import" and "codes" in body:
        codes = body["codes"]
        return not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)
    return False


def _code(suite: Suite, generated: str) -> str:
    """The run's prefix plus the generated text, keeping what JSON and XML both carry unchanged (no controls)."""
    kept = "".join(ch for ch in generated if _xml_char(ch)).strip()
    return suite.names.next_prefix() + kept


def _xml_char(ch: str) -> bool:
    point = ord(ch)
    return 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD or point >= 0x10000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
