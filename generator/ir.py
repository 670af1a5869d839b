"""The intermediate representation the templates see: frozen dataclasses, never the raw spec."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One property of a request or response object."""

    name: str
    kind: str  # string | integer | boolean | datetime | object | array
    required: bool
    description: str
    example: str  # JSON text of the first example, "" when the spec gives none
    item_kind: str = ""  # for arrays: the kind of one item
    model: str = ""  # for objects (or arrays of objects): the model class name
    nullable: bool = False
    enum: tuple[str, ...] = ()
    default: str = ""  # JSON text of the default, "" when none
    since: str = ""  # the oldest API version from which the parameter exists without a gap (docs)
    stances: str = ""  # which of its constraints encode a stance of the spec (x-stances), in words; "" when none
    identity: str = ""  # when two spellings name the same code (x-code-identity), in words; "" when not a code

    @property
    def py_type(self) -> str:
        """The Python annotation of the field, without ``| None``."""
        return (
            _PY[self.kind]
            if self.kind not in {"object", "array"}
            else (self.model if self.kind == "object" else f"list[{self.model or _PY[self.item_kind]}]")
        )

    @property
    def py_input(self) -> str:
        """The Python annotation of a request parameter (times as datetime or text, lists as any sequence)."""
        if self.kind == "datetime":
            return "datetime | str"
        if self.kind == "array":
            return f"Sequence[{_PY[self.item_kind]}]"
        return _PY[self.kind]

    @property
    def py_optional(self) -> bool:
        """Whether a result field may be missing or null (``| None = None``)."""
        return not self.required or self.nullable

    @property
    def py_reader(self) -> str:
        """The generated function that reads this field's wire value (see models.py)."""
        one = self.item_kind if self.kind == "array" else self.kind
        read = f"{self.model}.read" if self.model else _READERS[one]
        return f"_list_of({read})" if self.kind == "array" else read

    @property
    def ts_type(self) -> str:
        """The TypeScript type of the field, without ``| null``."""
        return (
            _TS[self.kind]
            if self.kind not in {"object", "array"}
            else (self.model if self.kind == "object" else f"{self.model or _TS[self.item_kind]}[]")
        )

    @property
    def doc_type(self) -> str:
        """The type as the documentation shows it."""
        base = f"array of {self.item_kind}" if self.kind == "array" else self.kind
        if self.enum:
            base += " (" + " \\| ".join(f"`{v}`" for v in self.enum) + ")"
        return base + (" or null" if self.nullable else "")


# The TypeScript client's XML parser; the repository's package.json pins the same range for the tests.
TS_DEPENDENCIES = (("@xmldom/xmldom", "~0.9.12"),)

_PY = {"string": "str", "integer": "int", "boolean": "bool", "datetime": "str"}
_READERS = {"string": "_as_str", "integer": "_as_int", "boolean": "_as_bool", "datetime": "_as_str"}
_TS = {"string": "string", "integer": "number", "boolean": "boolean", "datetime": "string"}


@dataclass(frozen=True)
class Model:
    """A response object type (get's info, an import item, an export item)."""

    name: str
    description: str
    fields: tuple[Field, ...]

    @property
    def required_fields(self) -> tuple[Field, ...]:
        """Fields the server always sends (and never as null)."""
        return tuple(f for f in self.fields if not f.py_optional)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        """Fields the server may leave out or send as null."""
        return tuple(f for f in self.fields if f.py_optional)


@dataclass(frozen=True)
class MatchingMode:
    """One way of naming a profile: the ``matching`` value and the identifiers it needs."""

    value: str
    class_name: str
    fields: tuple[Field, ...]
    is_default: bool


@dataclass(frozen=True)
class Matching:
    """An operation's profile matching: the selector parameter and its modes."""

    param: str  # the selector's name, ``matching``
    modes: tuple[MatchingMode, ...]
    union_name: str  # ``Profile``

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every identifier any mode uses, in spec order."""
        seen: list[str] = []
        for mode in self.modes:
            seen.extend(f.name for f in mode.fields if f.name not in seen)
        return tuple(seen)


@dataclass(frozen=True)
class OptionVariant:
    """One way of supplying an at-least-one-of group: its required fields and the others optional."""

    class_name: str
    required: tuple[Field, ...]
    optional: tuple[Field, ...]


@dataclass(frozen=True)
class Options:
    """A group of parameters of which at least one must be sent (update's options)."""

    union_name: str
    fields: tuple[Field, ...]
    variants: tuple[OptionVariant, ...]


@dataclass(frozen=True)
class RuleRow:
    """One row of an operation's rules table."""

    id: str
    summary: str
    given: str
    expected: str
    status: str
    source: str
    note: str
    since: str = ""  # the oldest API version from which the rule exists without a gap (docs)


@dataclass(frozen=True)
class SuccessMeaning:
    """What an operation's ``error 0`` means in every branch (the spec's ``x-success``)."""

    summary: str
    postconditions: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Example:
    """One example body of the spec, as text."""

    title: str
    media: str  # json | xml
    direction: str  # request | response
    text: str


@dataclass(frozen=True)
class Runnable:
    """One complete program of an example (curl, Python or TypeScript) and the output it prints."""

    title: str
    lang: str  # sh | python | ts: the Markdown fence
    code: str
    output: str


@dataclass(frozen=True)
class RunnableSet:
    """An operation's runnable examples: the rule they follow, the seed state they use, the programs."""

    rule: str  # the rule id the call follows
    state: str  # what of the mock's default seed the call uses, in words
    blocks: tuple[Runnable, ...]


@dataclass(frozen=True)
class Result:
    """What an operation returns on success."""

    kind: str  # none | model | list | envelope
    model: str  # model name for ``model``/``list``; result class name for ``envelope``
    data: Field | None  # the ``data`` property
    extras: tuple[Field, ...]  # top-level counters next to ``data`` (import)
    description: str

    def py_type_in(self, prefix: str) -> str:
        """The Python return annotation, model names prefixed with ``prefix`` (a module)."""
        name = prefix + self.model
        return {"none": "None", "model": name, "list": f"list[{name}]", "envelope": name}[self.kind]

    @property
    def ts_type(self) -> str:
        """The TypeScript type the promise resolves to."""
        return {"none": "null", "model": self.model, "list": f"{self.model}[]", "envelope": self.model}[self.kind]


@dataclass(frozen=True)
class Operation:
    """One API operation as the targets need it."""

    id: str
    method_name: str  # Python method name (keyword-safe)
    ts_name: str  # TypeScript method name
    title: str  # Pascal-case id
    http_method: str
    path: str
    summary: str
    description: str
    params: tuple[Field, ...]  # plain parameters: neither token, format, matching nor options
    all_params: tuple[Field, ...]  # every request parameter, spec order (docs)
    matching: Matching | None
    options: Options | None
    result: Result
    response_shape: str  # name of the XML shape constant of the response
    rules: tuple[RuleRow, ...]
    examples: tuple[Example, ...]
    postman_json: str  # Postman request body (JSON with {{variables}})
    postman_xml: str  # Postman request body (XML with {{variables}})
    runnable: RunnableSet | None = None  # filled by generator.examples (needs the mock's answers)
    success: SuccessMeaning | None = None  # x-success; None when the spec declares none

    @property
    def required_params(self) -> tuple[Field, ...]:
        """Plain parameters the caller must give."""
        return tuple(p for p in self.params if p.required)

    @property
    def optional_params(self) -> tuple[Field, ...]:
        """Plain parameters the caller may leave out."""
        return tuple(p for p in self.params if not p.required)

    @property
    def path_parts(self) -> tuple[str, ...]:
        """The URL path split into its segments (Postman)."""
        return tuple(p for p in self.path.split("/") if p)

    @property
    def result_models(self) -> tuple[str, ...]:
        """Models the result consists of (for the documentation's field tables)."""
        names = [self.result.model] if self.result.kind != "none" else []
        if self.result.data is not None and self.result.data.model and self.result.data.model not in names:
            names.append(self.result.data.model)
        return tuple(names)

    @property
    def doc_file(self) -> str:
        """The documentation page of the operation."""
        return f"{self.id}.md"


@dataclass(frozen=True)
class ErrorCode:
    """A documented envelope error number and the exception class raised for it."""

    code: int
    meaning: str
    class_name: str


@dataclass(frozen=True)
class Shape:
    """How to read one XML element tree back into its JSON twin (XML text has no types)."""

    name: str
    fields: tuple[ShapeField, ...]


@dataclass(frozen=True)
class ShapeField:
    """One child element: its scalar kind, or the shape of its children."""

    name: str
    kind: str  # string | integer | boolean | object
    many: bool
    nullable: bool
    shape: str = ""  # nested shape name for objects


@dataclass(frozen=True)
class Api:
    """Everything the templates render."""

    title: str
    version: str
    summary: str
    description: str
    header: str  # the one-line "generated, do not edit" text (without comment markers)
    server_url: str
    token_param: str
    format_param: str
    formats: tuple[str, ...]
    default_format: str
    operations: tuple[Operation, ...]
    models: tuple[Model, ...]
    shapes: tuple[Shape, ...]
    errors: tuple[ErrorCode, ...]
    profile_unions: tuple[Matching, ...]  # distinct matching groups (one ``Profile`` union in practice)
    option_groups: tuple[Options, ...]
    cross_rules: tuple[RuleRow, ...]  # rules that hold for several operations (root x-rules)
    postman_variables: tuple[str, ...]  # besides ``url``
    quick_start: tuple[Runnable, ...] = ()  # index.md's runnable examples (generator.examples)
    bearer_auth: bool = False  # the version declares the Authorization: Bearer header (v74 on)
    out_prefix: str = ""  # where this version's tree sits in the output ("" or "v74/")
    versions: tuple[tuple[str, str], ...] = ()  # every version generated: (version, out_prefix), oldest first

    @property
    def ts_dependencies(self) -> tuple[tuple[str, str], ...]:
        """The npm packages the TypeScript client imports, with the version ranges its package.json declares."""
        return TS_DEPENDENCIES

    @property
    def token_placements(self) -> tuple[str, ...]:
        """Where the clients may put the token, the default first: the header where the version allows it."""
        return ("header", "body") if self.bearer_auth else ("body",)

    @property
    def default_token_placement(self) -> str:
        """Where the clients put the token unless told otherwise (never in both places)."""
        return self.token_placements[0]

    @property
    def out_dir(self) -> str:
        """This version's output directory as the docs name it (relative to the repository)."""
        return f"generated_clients/{self.out_prefix}".rstrip("/")

    @property
    def version_links(self) -> tuple[tuple[str, str], ...]:
        """(version, link to that version's docs index) from this version's docs directory; () for one version."""
        if len(self.versions) < 2:
            return ()
        here = posixpath.join(self.out_prefix, "docs")
        return tuple((v, posixpath.relpath(posixpath.join(p, "docs", "index.md"), here)) for v, p in self.versions)

    @property
    def mock_command(self) -> str:
        """The command starting a mock of this version on the docs' port."""
        version = f"--api-version {self.version} " if len(self.versions) > 1 else ""
        return f"promo-mock {version}--port 8080"

    @property
    def changelog_link(self) -> str:
        """Link to the changelog page (docs/changelog.md of the oldest version's tree); "" for one version."""
        if len(self.versions) < 2:
            return ""
        return posixpath.relpath("docs/changelog.md", posixpath.join(self.out_prefix, "docs"))

    @property
    def py_client_exports(self) -> tuple[str, ...]:
        """The public names of the client module (the token placement type only where there is a choice)."""
        names = {"API_VERSION", "PromoClient", "WireFormat"} | ({"TokenPlacement"} if self.bearer_auth else set())
        return _isort(names)

    @property
    def py_uses_datetime(self) -> bool:
        """Whether a plain parameter of some operation is a time (the client then imports datetime)."""
        return any(f.kind == "datetime" for op in self.operations for f in op.params)

    @property
    def py_uses_sequence(self) -> bool:
        """Whether a plain parameter of some operation is a list."""
        return any(f.kind == "array" for op in self.operations for f in op.params)

    @property
    def py_exports_by_module(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The package's public names by the module that defines them, each list in isort order."""
        errors = {"ApiError", "PromoClientError", "ResponseError", "TransportError", "TransportTimeout"}
        errors |= {e.class_name for e in self.errors}
        models = {m.name for m in self.models}
        for p in self.profile_unions:
            models |= {p.union_name} | {mode.class_name for mode in p.modes}
        for o in self.option_groups:
            models |= {o.union_name} | {v.class_name for v in o.variants}
        return (("client", self.py_client_exports), ("errors", _isort(errors)), ("models", _isort(models)))

    @property
    def renamed_operations(self) -> tuple[Operation, ...]:
        """Operations whose Python or TypeScript method name differs from the API's name."""
        return tuple(op for op in self.operations if op.method_name != op.id or op.ts_name != op.id)

    @property
    def quick_xml(self) -> Runnable | None:
        """The quick start's call in XML, when the seed allows one."""
        return next((b for b in self.quick_start if b.title == "xml"), None)

    @property
    def quick_xml_ts(self) -> Runnable | None:
        """The same call in XML with the TypeScript client."""
        return next((b for b in self.quick_start if b.title == "xml-ts"), None)

    @property
    def quick_error(self) -> Runnable | None:
        """The quick start's caught business error (title ``error:<rule id>``), when the seed allows one."""
        return next((b for b in self.quick_start if b.title.startswith("error:")), None)

    @property
    def quick_error_ts(self) -> Runnable | None:
        """The same caught business error in TypeScript."""
        return next((b for b in self.quick_start if b.title.startswith("error-ts:")), None)

    @property
    def first_runnable(self) -> Operation | None:
        """The first operation with runnable examples (the quick start points at its page)."""
        return next((op for op in self.operations if op.runnable is not None), None)

    @property
    def py_exports(self) -> tuple[str, ...]:
        """Every public name of the Python package, sorted (``__all__``)."""
        return tuple(sorted(name for _, names in self.py_exports_by_module for name in names))


def _isort(names: set[str]) -> tuple[str, ...]:
    """Names in the order ruff's isort keeps them: CONSTANTS, then Classes, then functions; case-sensitive."""
    return tuple(sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)))
