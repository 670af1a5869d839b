"""The seed: databases of profiles and loyalty programs with their codes, read from a YAML file.

Format (documented with an example in mock_server/README.md)::

    databases:
      - id: 1
        profiles:
          - profile_id: "65a1f0c2e4b0a1b2c3d4e5f1"   # required, unique in the database
            email: "alice@example.com"              # optional, unique in the database
            phone: "+79000000001"                   # optional, unique in the database
            custom: {CRM_ID: "A-1001"}              # optional; each (field, value) unique
    programs:
      - id: 11
        kind: personal                              # personal | universal
        creates_codes: true                         # optional, default true: attach imports an unknown code
        codes:
          - "P11-0001"                              # a free code
          - code: "P11-0002"
            created: "2024-04-01T12:00:00Z"         # optional, default: load time
            attached_to: [{db_id: 1, profile_id: "65a1f0c2e4b0a1b2c3d4e5f1"}]
            attached: "2024-04-02T10:00:00Z"        # optional, default: created
            activated: "2024-04-03T10:00:00Z"       # optional; needs attached_to
            expire_date: "2030-01-01T00:00:00Z"     # optional
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from promo_spec.config_schema import load_schema, problems

KINDS = ("personal", "universal")


class SeedError(ValueError):
    """A seed file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    """One profile of one database."""

    db_id: int
    profile_id: str
    email: str = ""
    phone: str = ""
    custom: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Database:
    """A profile database."""

    id: int
    profiles: tuple[Profile, ...]


@dataclass(frozen=True)
class SeedCode:
    """One code of a program as the seed states it."""

    code: str
    created: str = ""
    holders: tuple[tuple[int, str], ...] = ()
    attached: str = ""
    activated: str = ""
    expire_date: str = ""


@dataclass(frozen=True)
class Program:
    """A loyalty program: ``personal`` (multiple usage restricted) or ``universal`` (allowed)."""

    id: int
    kind: str
    codes: tuple[SeedCode, ...]
    creates_codes: bool = True  # False: attach never creates a code (the Russian attach page's program setting)


@dataclass(frozen=True)
class Seed:
    """Everything the mock starts with."""

    source: str
    databases: tuple[Database, ...]
    programs: tuple[Program, ...]


def default_seed_path() -> Path:
    """Return the seed that ships inside the package."""
    return Path(__file__).resolve().parent / "default_seed.yaml"


def load_seed(path: Path | str | None = None) -> Seed:
    """Read and check the seed at ``path`` (default: ``default_seed_path()``); SeedError says what is wrong where."""
    seed_path = Path(path) if path is not None else default_seed_path()
    name = str(path) if path is not None else seed_path.name
    try:
        text = seed_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{name}: cannot read the seed file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SeedError(f"{name}: the seed file is not UTF-8 text") from None
    try:
        document = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SeedError(f"{name}: invalid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    return parse_seed(document, source=name)


def _parse_yaml(text: str) -> Any:
    """The YAML document: libyaml's loader when PyYAML has it (7x faster); an error is PyYAML's own, as always."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass  # the pure-Python loader below says where, in its own words
    return yaml.safe_load(text)


def parse_seed(document: Any, *, source: str = "<seed>") -> Seed:
    """Check an already parsed seed document (its JSON Schema, then what a schema cannot say) and return it."""
    found = problems(_SCHEMA, document)
    if found:
        first = found[0]
        text = f"{first.text} is required" if first.kind == "missing" else first.text
        at = first.path if first.kind != "missing" else (f"{first.path}.{first.text}" if first.path else first.text)
        raise SeedError(f"{source}: {at}: {text}" if at else f"{source}: {text}")
    return _Parser(source).seed(document)


_SCHEMA = load_schema(Path(__file__).resolve().parent / "seed.schema.json")


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, at: str, message: str) -> SeedError:
        return SeedError(f"{self.source}: {at}: {message}" if at else f"{self.source}: {message}")

    # the shapes below were checked by seed.schema.json; these only read them
    def mapping(self, value: Any, at: str, *, required: tuple[str, ...], allowed: tuple[str, ...]) -> dict[str, Any]:
        return dict(value)

    def listing(self, value: Any, at: str) -> list[Any]:
        return list(value or [])

    def integer(self, value: Any, at: str) -> int:
        return int(value)

    def text(self, value: Any, at: str) -> str:
        if not isinstance(value, str) or not value:  # times and custom field names are not in the schema's reach
            raise self.fail(at, f"must be a non-empty string (quote it in YAML), not {value!r}")
        return value

    def time(self, value: Any, at: str) -> str:
        if isinstance(value, dt.datetime):
            stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = self.text(value, at)
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(at, f"must be an RFC 3339 time such as 2024-04-01T12:00:00Z, not {value!r}") from None
        return text

    def seed(self, document: Any) -> Seed:
        top = self.mapping(document, "", required=("databases", "programs"), allowed=("databases", "programs"))
        databases = tuple(
            self.database(d, f"databases[{i}]") for i, d in enumerate(self.listing(top["databases"], "databases"))
        )
        seen_db: set[int] = set()
        for i, db in enumerate(databases):
            if db.id in seen_db:
                raise self.fail(f"databases[{i}].id", f"database {db.id} is defined twice")
            seen_db.add(db.id)
        known = {(db.id, p.profile_id) for db in databases for p in db.profiles}
        programs = tuple(
            self.program(p, f"programs[{i}]", known) for i, p in enumerate(self.listing(top["programs"], "programs"))
        )
        seen_program: set[int] = set()
        for i, program in enumerate(programs):
            if program.id in seen_program:
                raise self.fail(f"programs[{i}].id", f"loyalty program {program.id} is defined twice")
            seen_program.add(program.id)
        return Seed(source=self.source, databases=databases, programs=programs)

    def database(self, raw: Any, at: str) -> Database:
        data = self.mapping(raw, at, required=("id",), allowed=("id", "profiles"))
        db_id = self.integer(data["id"], f"{at}.id")
        profiles = tuple(
            self.profile(p, f"{at}.profiles[{i}]", db_id)
            for i, p in enumerate(self.listing(data.get("profiles"), f"{at}.profiles"))
        )
        seen: dict[tuple[str, str], str] = {}
        for i, profile in enumerate(profiles):
            keys = [("profile_id", profile.profile_id), ("email", profile.email.lower()), ("phone", profile.phone)]
            keys += [(f"custom.{name}", value) for name, value in profile.custom.items()]
            for key in keys:
                if not key[1]:
                    continue
                if key in seen:
                    raise self.fail(
                        f"{at}.profiles[{i}].{key[0]}",
                        f"{key[1]!r} is already used by {seen[key]}; identifiers must be unique in a database",
                    )
                seen[key] = f"{at}.profiles[{i}]"
        return Database(id=db_id, profiles=profiles)

    def profile(self, raw: Any, at: str, db_id: int) -> Profile:
        data = self.mapping(raw, at, required=("profile_id",), allowed=("profile_id", "email", "phone", "custom"))
        custom_raw = data.get("custom") or {}
        if not isinstance(custom_raw, dict):
            raise self.fail(f"{at}.custom", "must be a mapping of field name to value")
        custom: dict[str, str] = {}
        for name, value in custom_raw.items():
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise self.fail(f"{at}.custom.{name}", f"must be a string or an integer, not {value!r}")
            custom[self.text(name, f"{at}.custom")] = str(value)
        return Profile(
            db_id=db_id,
            profile_id=self.text(data["profile_id"], f"{at}.profile_id"),
            email=self.text(data["email"], f"{at}.email") if "email" in data else "",
            phone=self.text(data["phone"], f"{at}.phone") if "phone" in data else "",
            custom=custom,
        )

    def program(self, raw: Any, at: str, known: set[tuple[int, str]]) -> Program:
        data = self.mapping(raw, at, required=("id", "kind"), allowed=("id", "kind", "codes", "creates_codes"))
        program_id = self.integer(data["id"], f"{at}.id")
        kind = data["kind"]
        if kind not in KINDS:
            raise self.fail(f"{at}.kind", "must be 'personal' or 'universal'")
        codes: list[SeedCode] = []
        seen: set[str] = set()
        for i, item in enumerate(self.listing(data.get("codes"), f"{at}.codes")):
            code = self.code(item, f"{at}.codes[{i}]", kind, known)
            if code.code in seen:
                raise self.fail(f"{at}.codes[{i}]", f"code {code.code!r} is listed twice")
            seen.add(code.code)
            codes.append(code)
        return Program(
            id=program_id, kind=str(kind), codes=tuple(codes), creates_codes=bool(data.get("creates_codes", True))
        )

    def code(self, raw: Any, at: str, kind: str, known: set[tuple[int, str]]) -> SeedCode:
        if isinstance(raw, str):
            return SeedCode(code=self.text(raw, at))
        fields = ("code", "created", "attached_to", "attached", "activated", "expire_date")
        data = self.mapping(raw, at, required=("code",), allowed=fields)
        holders: list[tuple[int, str]] = []
        for i, holder in enumerate(self.listing(data.get("attached_to"), f"{at}.attached_to")):
            where = f"{at}.attached_to[{i}]"
            h = self.mapping(holder, where, required=("db_id", "profile_id"), allowed=("db_id", "profile_id"))
            holder = (self.integer(h["db_id"], f"{where}.db_id"), self.text(h["profile_id"], f"{where}.profile_id"))
            if holder not in known:
                raise self.fail(where, f"no profile {holder[1]!r} in database {holder[0]}")
            if holder in holders:
                raise self.fail(where, "the same profile is listed twice")
            holders.append(holder)
        if kind == "personal" and len(holders) > 1:
            raise self.fail(f"{at}.attached_to", "a personal code can be attached to one profile only")
        for key in ("attached", "activated"):
            if key in data and not holders:
                raise self.fail(f"{at}.{key}", "needs attached_to: only an attached code has this time")
        return SeedCode(
            code=self.text(data["code"], f"{at}.code"),
            created=self.time(data["created"], f"{at}.created") if "created" in data else "",
            holders=tuple(holders),
            attached=self.time(data["attached"], f"{at}.attached") if "attached" in data else "",
            activated=self.time(data["activated"], f"{at}.activated") if "activated" in data else "",
            expire_date=self.time(data["expire_date"], f"{at}.expire_date") if "expire_date" in data else "",
        )
