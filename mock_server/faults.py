"""Named faults: deliberately broken variants of the mock, for proving that the contract suite catches them.

Each fault is one override registered with ``@fault``: a function that replaces one part of the app
(``mock_server.parts.Parts``: a handler, profile matching, the wire, authentication, validation or the
store) by a broken one, usually wrapping the faithful part it replaces. Each declares the suite's rules
(``x-rules`` ids of the spec) or tests (``test_*`` of ``contract_tests``) expected to catch it. None is
on unless named (``create_app(faults=...)`` or ``promo-mock --fault NAME``); the faithful code never
mentions a fault.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from mock_server import clock, errors
from mock_server.errors import ApiError
from mock_server.handlers import Context, Envelope, Request, code_of, ok, program_of
from mock_server.matching import identifier
from mock_server.parts import Handler, Parts
from mock_server.seed import Profile
from mock_server.store import CodeState, ProgramState
from promo_spec.media import JSON_TYPE, XML_TYPE
from promo_spec.xml_codec import to_xml

Override = Callable[[Parts], None]
RACE_SLEEP = 0.02  # attach-race: long enough for concurrent requests to interleave every time


@dataclass(frozen=True)
class Fault:
    """One broken variant: what it breaks, the part it replaces, and what in the suite should catch it."""

    name: str
    breaks: str
    part: str  # "handler:<operation>", "matching", "wire:decode", "wire:encode", "auth", "validation", "store"
    caught_by: tuple[str, ...]  # x-rules ids of spec/openapi.yaml, or test functions of contract_tests
    override: Override
    api_version: str | None = None  # the API version whose mock it breaks (None: any)


REGISTRY: dict[str, Fault] = {}


def fault(
    name: str, breaks: str, *, part: str, caught_by: tuple[str, ...], api_version: str | None = None
) -> Callable[[Override], Override]:
    """Register the decorated override as the fault ``name`` (of the mock of ``api_version``, or of any)."""

    def register(override: Override) -> Override:
        if name in REGISTRY:
            raise ValueError(f"fault {name!r} is registered twice")
        REGISTRY[name] = Fault(name, breaks, part, caught_by, override, api_version)
        return override

    return register


class _Descriptions(Mapping[str, str]):
    """``FAULTS``: fault name -> what it breaks, in registration order (a live view of ``REGISTRY``)."""

    def __getitem__(self, name: str) -> str:
        return REGISTRY[name].breaks

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


FAULTS: Mapping[str, str] = _Descriptions()


class UnknownFaultError(ValueError):
    """A fault name that ``FAULTS`` does not list."""


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """Return ``names`` as a frozenset; UnknownFaultError names the unknown ones and lists the known."""
    chosen = frozenset(names)
    unknown = sorted(chosen - REGISTRY.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}")
    return chosen


def apply_faults(parts: Parts, names: Iterable[str]) -> None:
    """Let each named fault's override replace its part, in registration order."""
    chosen = check_faults(names)
    for name, registered in REGISTRY.items():
        if name in chosen:
            registered.override(parts)


def _wrap_handler(parts: Parts, op: str, make: Callable[[Handler], Handler]) -> None:
    parts.handlers[op] = make(parts.handlers[op])


def _known_code(ctx: Context, request: Request) -> tuple[ProgramState, CodeState] | None:
    """The program and the state of the request's code when both exist (None otherwise, raising nothing)."""
    program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
    code = request.get("code")
    if program is None or not isinstance(code, str) or code not in program.codes:
        return None
    return program, program.codes[code]


# --- handlers: attach ---------------------------------------------------------------------------------


@fault(
    "restricted-reattach",
    "attach of a personal code held by another profile succeeds and moves the code",
    part="handler:attach",
    caught_by=("attach.code-attached-restricted", "test_concurrent_attach_has_one_winner"),
)
def _restricted_reattach(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def attach(ctx: Context, request: Request) -> Envelope:
            found = _known_code(ctx, request)
            if found is None or not found[0].personal or not found[1].holders:
                return faithful(ctx, request)
            holder = ctx.holder(request)
            program, state = found
            if holder in state.holders:
                return faithful(ctx, request)
            with ctx.store.lock:
                state.holders.clear()
                program.attach(state, holder, ctx.store.now())
            return ok()

        return attach

    _wrap_handler(parts, "attach", make)


@fault(
    "unknown-code-rejected",
    "attach with a code the program does not hold errs instead of importing it",
    part="handler:attach",
    caught_by=("attach.code-unknown",),
)
def _unknown_code_rejected(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def attach(ctx: Context, request: Request) -> Envelope:
            code = request.get("code")
            program = ctx.store.programs.get(request["loyalty_id"])
            if code is not None and program is not None and code not in program.codes:
                ctx.holder(request)  # an unknown profile is still reported first
                raise ApiError(errors.CODE_NOT_FOUND, f"{code!r} is not in loyalty program {program.id}")
            return faithful(ctx, request)

        return attach

    _wrap_handler(parts, "attach", make)


@fault(
    "universal-single-use",
    "a universal code held by one profile cannot be attached to another",
    part="handler:attach",
    caught_by=("attach.code-attached-universal",),
)
def _universal_single_use(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def attach(ctx: Context, request: Request) -> Envelope:
            found = _known_code(ctx, request)
            universal_held = found is not None and not found[0].personal and found[1].holders
            if universal_held and found is not None and ctx.holder(request) not in found[1].holders:
                raise ApiError(errors.CODE_RESTRICTED, "it is attached to another profile")
            return faithful(ctx, request)

        return attach

    _wrap_handler(parts, "attach", make)


@fault(
    "pool-draw-noop",
    "attach without a code answers error 0 but attaches nothing",
    part="handler:attach",
    caught_by=("attach.no-code-free-available",),
)
def _pool_draw_noop(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def attach(ctx: Context, request: Request) -> Envelope:
            if request.get("code") is not None:
                return faithful(ctx, request)
            ctx.holder(request)
            program = program_of(ctx, request)
            with ctx.store.lock:
                if program.draw() is None:
                    raise ApiError(errors.POOL_EMPTY, f"loyalty program {program.id}")
            return ok()

        return attach

    _wrap_handler(parts, "attach", make)


# --- handlers: detach, activate, import, get, export_all ---------------------------------------------


@fault(
    "detach-several-allowed",
    "detach of a code attached to several profiles succeeds",
    part="handler:detach",
    caught_by=("detach.code-attached-several",),
)
def _detach_several_allowed(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def detach(ctx: Context, request: Request) -> Envelope:
            found = _known_code(ctx, request)
            if found is None or len(found[1].holders) < 2:
                return faithful(ctx, request)
            holder = ctx.holder(request)
            program, state = found
            if holder not in state.holders:
                raise ApiError(errors.CODE_OTHER_PROFILE, "it is attached to another profile")
            with ctx.store.lock:
                program.detach(state, holder)
            return ok()

        return detach

    _wrap_handler(parts, "detach", make)


@fault(
    "detach-without-code-ok",
    "detach without a code answers error 0",
    part="handler:detach",
    caught_by=("detach.code-omitted",),
)
def _detach_without_code_ok(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def detach(ctx: Context, request: Request) -> Envelope:
            if request.get("code") is not None:
                return faithful(ctx, request)
            ctx.holder(request)
            program_of(ctx, request)
            return ok()

        return detach

    _wrap_handler(parts, "detach", make)


@fault(
    "activate-unattached-ok",
    "activate of a free code succeeds and activates it",
    part="handler:activate",
    caught_by=("activate.code-free",),
)
def _activate_unattached_ok(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def activate(ctx: Context, request: Request) -> Envelope:
            program = program_of(ctx, request)
            with ctx.store.lock:
                state = code_of(program, request["code"])
                if not state.holders and not state.activated:
                    state.activated = ctx.store.now()
                    return ok()
            return faithful(ctx, request)

        return activate

    _wrap_handler(parts, "activate", make)


@fault(
    "activate-wrong-code",
    "activate activates another attached code of the program instead of the requested one",
    part="handler:activate",
    caught_by=("activate.code-attached",),
)
def _activate_wrong_code(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def activate(ctx: Context, request: Request) -> Envelope:
            program = program_of(ctx, request)
            with ctx.store.lock:
                state = code_of(program, request["code"])
                if state.holders and not state.activated:  # the faithful handler would activate it
                    others = (s for s in program.codes.values() if s.holders and not s.activated and s is not state)
                    other = next(others, None)
                    if other is not None:
                        other.activated = ctx.store.now()
                    return ok()
            return faithful(ctx, request)

        return activate

    _wrap_handler(parts, "activate", make)


@fault(
    "import-duplicate-overwrites",
    "importing a code the program holds resets it to free and counts it as inserted",
    part="handler:import",
    caught_by=("import.codes-duplicate",),
)
def _import_duplicate_overwrites(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def do_import(ctx: Context, request: Request) -> Envelope:
            program = program_of(ctx, request)
            with ctx.store.lock:
                for code in request["codes"]:
                    program.codes.pop(code, None)  # forgotten, so the faithful import inserts it anew
            return faithful(ctx, request)

        return do_import

    _wrap_handler(parts, "import", make)


@fault(
    "get-hides-profile",
    "get omits profile_id and database_id of an attached code",
    part="handler:get",
    caught_by=("get.code-attached", "test_concurrent_attach_has_one_winner"),
)
def _get_hides_profile(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def get(ctx: Context, request: Request) -> Envelope:
            envelope = faithful(ctx, request)
            for key in ("profile_id", "database_id"):
                envelope["data"].pop(key, None)
            return envelope

        return get

    _wrap_handler(parts, "get", make)


@fault(
    "export-omits-activated",
    "export_all never shows activated",
    part="handler:export_all",
    caught_by=("export_all.lists-program", "activate.code-attached"),
)
def _export_omits_activated(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def export_all(ctx: Context, request: Request) -> Envelope:
            envelope = faithful(ctx, request)
            for item in envelope["data"]:
                item.pop("activated", None)
            return envelope

        return export_all

    _wrap_handler(parts, "export_all", make)


# --- matching ------------------------------------------------------------------------------------------


def _profiles_of(parts: Parts, request: Request) -> list[Profile]:
    """The profiles of the request's database after the faithful checks of db_id and of the identifier."""
    db_id = request["db_id"]
    if db_id not in parts.directory.databases:
        raise ApiError(errors.DATABASE_NOT_FOUND, f"db_id {db_id}")
    identifier(request)
    return parts.directory.databases[db_id]


@fault(
    "phone-matching-broken",
    "matching by phone picks the first profile of the database",
    part="matching",
    caught_by=("attach.code-free",),
)
def _phone_matching_broken(parts: Parts) -> None:
    faithful = parts.find_profile

    def find(request: Request) -> Profile:
        if request.get("matching") == "phone":
            profiles = _profiles_of(parts, request)
            if profiles:
                return profiles[0]
        return faithful(request)

    parts.find_profile = find


@fault(
    "custom-matching-ignores-name",
    "custom matching compares field_value with every custom field, ignoring field_name",
    part="matching",
    caught_by=("attach.code-free",),
)
def _custom_matching_ignores_name(parts: Parts) -> None:
    faithful = parts.find_profile

    def find(request: Request) -> Profile:
        if request.get("matching") == "custom":
            value = request.get("field_value")
            found = next((p for p in _profiles_of(parts, request) if value in p.custom.values()), None)
            if found is not None:
                return found
        return faithful(request)

    parts.find_profile = find


@fault(
    "default-matching-profile-id",
    "without matching, the profile is found by profile_id instead of email",
    part="matching",
    caught_by=("attach.matching-default",),
)
def _default_matching_profile_id(parts: Parts) -> None:
    faithful = parts.find_profile

    def find(request: Request) -> Profile:
        if request.get("matching") is None:
            return faithful({**request, "matching": "profile_id"})
        return faithful(request)

    parts.find_profile = find


@fault(
    "db-scope-ignored",
    "matching searches every database, the last one first",
    part="matching",
    caught_by=("attach.code-free",),
)
def _db_scope_ignored(parts: Parts) -> None:
    faithful = parts.find_profile

    def find(request: Request) -> Profile:
        if request["db_id"] in parts.directory.databases:
            for scope in sorted(parts.directory.databases, reverse=True):
                with contextlib.suppress(ApiError):
                    return faithful({**request, "db_id": scope})
        return faithful(request)

    parts.find_profile = find


# --- the wire ------------------------------------------------------------------------------------------


@fault(
    "xml-request-rejected",
    "XML request bodies are refused",
    part="wire:decode",
    caught_by=("auth.token-missing", "get.code-free", "test_api"),
)
def _xml_request_rejected(parts: Parts) -> None:
    faithful = parts.decode

    def decode(body: bytes, kind: str, schema: dict[str, Any]) -> Request:
        if kind == "xml":
            raise ApiError(errors.INCORRECT_REQUEST, "XML bodies are not accepted")
        return faithful(body, kind, schema)

    parts.decode = decode


@fault(
    "xml-request-last-repeat-only",
    "an XML array (repeated elements, as <codes>) keeps only its last element",
    part="wire:decode",
    caught_by=("import.codes-new",),
)
def _xml_request_last_repeat_only(parts: Parts) -> None:
    faithful = parts.decode

    def decode(body: bytes, kind: str, schema: dict[str, Any]) -> Request:
        request = faithful(body, kind, schema)
        if kind == "xml":
            request = {k: v[-1:] if isinstance(v, list) else v for k, v in request.items()}
        return request

    parts.decode = decode


def _numeric_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return {k: _numeric_booleans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numeric_booleans(v) for v in value]
    return value


@fault(
    "xml-response-wrong-shape",
    "format=xml writes booleans as 1/0 under a <response> root",
    part="wire:encode",
    caught_by=("auth.token-missing", "get.code-free", "test_api"),
)
def _xml_response_wrong_shape(parts: Parts) -> None:
    faithful = parts.encode

    def encode(envelope: Envelope, fmt: str) -> tuple[bytes, str]:
        if fmt != "xml":
            return faithful(envelope, fmt)
        body = to_xml(_numeric_booleans(envelope))
        return b"<response>" + body[len(b"<xml>") : -len(b"</xml>")] + b"</response>", XML_TYPE

    parts.encode = encode


@fault(
    "format-ignored",
    "format=xml answers JSON",
    part="wire:encode",
    caught_by=("import.codes-new", "get.code-free", "test_api"),
)
def _format_ignored(parts: Parts) -> None:
    faithful = parts.encode
    parts.encode = lambda envelope, _fmt: faithful(envelope, "json")


# --- authentication and validation ---------------------------------------------------------------------


@fault(
    "auth-missing-accepted",
    "requests without a token are served",
    part="auth",
    caught_by=("auth.token-missing",),
)
def _auth_missing_accepted(parts: Parts) -> None:
    faithful = parts.authenticate

    def authenticate(op_id: str, request: Request, bearer: str | None) -> None:
        if request.get("token") in (None, "") and bearer is None:
            request["token"] = "absent"  # noqa: S105 - a stand-in so that schema validation lets it through
            return
        faithful(op_id, request, bearer)

    parts.authenticate = authenticate


@fault(
    "auth-any-token",
    "any non-empty token is accepted",
    part="auth",
    caught_by=("auth.token-wrong",),
)
def _auth_any_token(parts: Parts) -> None:
    faithful = parts.authenticate

    def authenticate(op_id: str, request: Request, bearer: str | None) -> None:
        token = request.get("token")
        if not (isinstance(token, str) and token):
            faithful(op_id, request, bearer)

    parts.authenticate = authenticate


@fault(
    "auth-prefix-token",
    "a token that the real one starts with, or that starts with the real one, is accepted",
    part="auth",
    caught_by=("auth.token-wrong",),
)
def _auth_prefix_token(parts: Parts) -> None:
    faithful = parts.authenticate

    def authenticate(op_id: str, request: Request, bearer: str | None) -> None:
        token = request.get("token")
        if not (isinstance(token, str) and parts.auth.related(token)):
            faithful(op_id, request, bearer)

    parts.authenticate = authenticate


# The bearer header of v74 (facts sheet section 5); these faults are for a mock serving v74.
HEADER_OPERATIONS = ("import", "get", "activate")  # auth-header-some-operations honours the header only here


@fault(
    "auth-header-ignored",
    "v74: the Authorization header is ignored (only the body token counts), as in v72",
    part="auth",
    caught_by=("auth.header-token",),
    api_version="74",
)
def _auth_header_ignored(parts: Parts) -> None:
    faithful = parts.authenticate
    parts.authenticate = lambda op_id, request, _bearer: faithful(op_id, request, None)


@fault(
    "auth-header-any-token",
    "v74: any non-empty token in the Authorization header is accepted",
    part="auth",
    caught_by=("auth.header-token-wrong",),
    api_version="74",
)
def _auth_header_any_token(parts: Parts) -> None:
    faithful = parts.authenticate

    def authenticate(op_id: str, request: Request, bearer: str | None) -> None:
        if bearer is not None and request.get("token") in (None, ""):
            return
        faithful(op_id, request, bearer)

    parts.authenticate = authenticate


@fault(
    "auth-header-some-operations",
    f"v74: the Authorization header is honoured on {', '.join(HEADER_OPERATIONS)} only, ignored elsewhere",
    part="auth",
    caught_by=("auth.header-token",),
    api_version="74",
)
def _auth_header_some_operations(parts: Parts) -> None:
    faithful = parts.authenticate

    def authenticate(op_id: str, request: Request, bearer: str | None) -> None:
        faithful(op_id, request, bearer if op_id in HEADER_OPERATIONS else None)

    parts.authenticate = authenticate


@fault(
    "update-no-options-ok",
    "update without activated and expire_date answers error 0",
    part="validation",
    caught_by=("update.no-options",),
)
def _update_no_options_ok(parts: Parts) -> None:
    faithful = parts.schema_errors

    def schema_errors(op_id: str, request: Request) -> Iterable[ValidationError]:
        found = faithful(op_id, request)
        if op_id != "update":
            return found
        return [e for e in found if not (e.validator == "anyOf" and not e.absolute_path)]

    parts.schema_errors = schema_errors


# --- the store -----------------------------------------------------------------------------------------


@fault(
    "attach-race",
    "attach checks and sets without the lock, sleeping 20 ms in between",
    part="store",
    caught_by=("test_concurrent_attach_has_one_winner",),
)
def _attach_race(parts: Parts) -> None:
    # The store's lock excludes nothing, and its clock (read by attach between the check and the set)
    # takes 20 ms: concurrent attaches of one code all pass the check before any of them sets it.
    faithful_now = parts.store.now

    def slow_now() -> str:
        time.sleep(RACE_SLEEP)
        return faithful_now()

    parts.store.lock = contextlib.nullcontext()
    parts.store.now = slow_now
    parts.blocking = True


# --- faults of the suite's oracles: postconditions, frame, invariants, wire labels (issue 9) --------------


def _success_without_effect(op: str) -> Override:
    """An override: ``op`` answers error 0 once the faithful checks of program and code pass, and changes nothing."""

    def override(parts: Parts) -> None:
        def make(faithful: Handler) -> Handler:
            def noop(ctx: Context, request: Request) -> Envelope:
                if op in ("attach", "detach"):
                    ctx.holder(request)  # the profile must still be found
                program = program_of(ctx, request)
                if op == "import":
                    items = [{"code": c, "error": 0, "error_text": ""} for c in request["codes"]]
                    envelope = ok(items)
                    envelope.update(discarded_by_limit=0, duplicated=0, inserted=len(items))
                    return envelope
                if op in ("activate", "update", "detach") and isinstance(request.get("code"), str):
                    code_of(program, request["code"])
                return ok()

            return noop

        _wrap_handler(parts, op, make)

    return override


for _op, _rule in (
    ("import", "import.codes-new"),
    ("attach", "attach.code-free"),
    ("detach", "detach.code-attached"),
    ("activate", "activate.code-attached"),
    ("update", "update.activate"),
):
    fault(
        f"{_op}-noop",
        f"{_op} answers error 0 but changes nothing",
        part=f"handler:{_op}",
        caught_by=(_rule,),
    )(_success_without_effect(_op))


@fault(
    "restricted-second-holder",
    "attach of a personal code held by another profile succeeds and adds a second holder",
    part="handler:attach",
    caught_by=("attach.code-attached-restricted", "test_concurrent_attach_has_one_winner"),
)
def _restricted_second_holder(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def attach(ctx: Context, request: Request) -> Envelope:
            found = _known_code(ctx, request)
            if found is None or not found[0].personal or not found[1].holders:
                return faithful(ctx, request)
            holder = ctx.holder(request)
            program, state = found
            if holder in state.holders:
                return faithful(ctx, request)
            with ctx.store.lock:
                program.attach(state, holder, ctx.store.now())  # the first holder keeps it too
            return ok()

        return attach

    _wrap_handler(parts, "attach", make)


@fault(
    "unknown-db-first-database",
    "attach and detach with a db_id the mock lacks match in the first database instead",
    part="matching",
    caught_by=("test_request_outside_the_target_changes_nothing_else",),
)
def _unknown_db_first_database(parts: Parts) -> None:
    faithful = parts.find_profile

    def find(request: Request) -> Profile:
        if request["db_id"] not in parts.directory.databases:
            return faithful({**request, "db_id": min(parts.directory.databases)})
        return faithful(request)

    parts.find_profile = find


@fault(
    "program-scope-ignored",
    "a code the named program lacks is looked up in every program",
    part="handler:get",
    caught_by=("test_request_outside_the_target_changes_nothing_else",),
)
def _program_scope_ignored(parts: Parts) -> None:
    def owner(ctx: Context, request: Request) -> Request:
        """The request with loyalty_id moved to a program holding its code, when the named one lacks it."""
        program = ctx.store.programs.get(request.get("loyalty_id"))  # type: ignore[arg-type]
        code = request.get("code")
        if program is None or not isinstance(code, str) or code in program.codes:
            return request
        other = next((p.id for p in ctx.store.programs.values() if code in p.codes), None)
        return request if other is None else {**request, "loyalty_id": other}

    def make(faithful: Handler) -> Handler:
        return lambda ctx, request: faithful(ctx, owner(ctx, request))

    for op in ("get", "activate", "update", "detach"):
        _wrap_handler(parts, op, make)


@fault(
    "json-labelled-text",
    "JSON answers are labelled text/plain",
    part="wire:encode",
    caught_by=("auth.token-missing", "test_api"),
)
def _json_labelled_text(parts: Parts) -> None:
    faithful = parts.encode

    def encode(envelope: Envelope, fmt: str) -> tuple[bytes, str]:
        body, content_type = faithful(envelope, fmt)
        return body, "text/plain; charset=utf-8" if content_type == JSON_TYPE else content_type

    parts.encode = encode


@fault(
    "refused-activate-applied",
    "activate of a free code is refused but the code is activated anyway",
    part="handler:activate",
    caught_by=("activate.code-free",),
)
def _refused_activate_applied(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def activate(ctx: Context, request: Request) -> Envelope:
            found = _known_code(ctx, request)
            if found is not None and not found[1].holders and not found[1].activated:
                with ctx.store.lock:
                    found[1].activated = ctx.store.now()
                raise ApiError(errors.CODE_NOT_ATTACHED, "only an attached code can be activated")
            return faithful(ctx, request)

        return activate

    _wrap_handler(parts, "activate", make)


@fault(
    "clock-backwards",
    "the clock runs backwards (every timestamp is earlier than the one before)",
    part="store",
    caught_by=("attach.code-free", "test_state_machine"),
)
def _clock_backwards(parts: Parts) -> None:
    parts.store.now = clock.backwards()


@fault(
    "export-respells-markup",
    "export_all lists codes with markup characters HTML-escaped",
    part="handler:export_all",
    caught_by=("export_all.lists-program", "test_state_machine"),
)
def _export_respells_markup(parts: Parts) -> None:
    def make(faithful: Handler) -> Handler:
        def export_all(ctx: Context, request: Request) -> Envelope:
            envelope = faithful(ctx, request)
            for item in envelope["data"]:
                item["code"] = html.escape(item["code"])
            return envelope

        return export_all

    _wrap_handler(parts, "export_all", make)
