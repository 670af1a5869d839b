"""Load and validate a target file: the suite's only coupling to a server."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from promo_spec.config_schema import Problem, load_schema, problems
from promo_spec.media import media_kind

SCHEMA_PATH = Path(__file__).parent / "targets" / "target.schema.json"
_VALIDATOR = load_schema(SCHEMA_PATH)
REQUIRED = tuple(_VALIDATOR.schema["required"])
OPTIONAL = tuple(k for k in _VALIDATOR.schema["properties"] if k not in REQUIRED)


class TargetError(ValueError):
    """The target file cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Profile:
    """One existing profile of ``db_id`` and all the identifiers it can be matched by."""

    profile_id: str
    email: str
    phone: str
    field_name: str
    field_value: str

    def identifiers(self, mode: str) -> dict[str, str]:
        """Return the request fields that match this profile in matching ``mode`` (``default`` = email)."""
        if mode == "custom":
            return {"field_name": self.field_name, "field_value": self.field_value}
        key = "email" if mode == "default" else mode
        return {key: getattr(self, key)}


@dataclass(frozen=True)
class Target:
    """A validated target file; the token is read from the environment and never shown by ``repr``."""

    base_url: str
    token_env: str
    db_id: int
    profiles: tuple[Profile, ...]
    personal: int
    universal: int
    exhausted: int | None
    token: str = field(repr=False)
    source: str = "embedded mock"
    name: str = ""  # the target file's optional label
    allow_remote: bool = False
    rate_limit_per_second: float | None = None
    request_budget: int | None = None
    timeout_seconds: float = 10.0
    xml_content_type: str = "application/xml"  # the docs name no XML request content type
    api_version: str = "72"  # the API version the server speaks; absent from a target file means 72
    no_creation: frozenset[int] = frozenset()  # programs declared with creates_codes: false (program_settings)

    @property
    def label(self) -> str:
        """How outputs name the target: its ``name``, else the file (with base_url), else the embedded mock."""
        if self.source == "embedded mock":
            return self.source
        return f"{self.name or self.source} ({self.base_url})"

    @property
    def loopback(self) -> bool:
        """Whether base_url names this machine (only then may undeclared HTTP methods be probed)."""
        return is_loopback(self.base_url)

    @property
    def near_miss_tokens(self) -> tuple[str, ...]:
        """Wrong tokens one character longer or shorter than the real one: secrets too, masked like it."""
        return tuple(t for t in (self.token + "x", self.token[:-1]) if t and t != self.token)

    @property
    def programs(self) -> tuple[int, ...]:
        """Every loyalty program of the target, the exhausted one included."""
        found = [self.personal, self.universal]
        if self.exhausted is not None:
            found.append(self.exhausted)
        return tuple(found)

    def creates_codes(self, program: int) -> bool:
        """Whether ``program`` creates codes: False only where program_settings declares ``creates_codes: false``
        (the Russian attach page's setting); True is the English page's behaviour, and every other program's."""
        return program not in self.no_creation

    def program(self, kind: str) -> int:
        """Return the program id of ``kind`` (personal, universal, exhausted)."""
        if kind == "exhausted":
            if self.exhausted is None:
                raise TargetError("the target file names no loyalty_programs.exhausted program")
            return self.exhausted
        return self.personal if kind == "personal" else self.universal


def is_loopback(url: str) -> bool:
    """True when the URL's host is localhost or a loopback address."""
    return is_loopback_host(urlsplit(url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """True when ``host`` is localhost or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(where: str, problem: str) -> TargetError:
    return TargetError(f"target file {where}: {problem}")


def _say(problem: Problem) -> str:
    """One problem as a sentence saying what to fix."""
    if problem.kind == "unknown":
        return f"'{problem.path}' is not a key of the target file{problem.text.removeprefix('unknown key')}"
    if problem.kind == "missing" and not problem.path:
        return f"missing key(s) {problem.text}; required: {', '.join(REQUIRED)}"
    if problem.kind == "missing":
        keys = ", ".join(f"{problem.path}.{k}" for k in problem.text.split(", "))
        return f"'{problem.path}' lacks {problem.text}: add {keys}"
    return f"'{problem.path}' {problem.text}" if problem.path else problem.text


def _check_schema(data: Any, where: str) -> None:
    found = problems(_VALIDATOR, data)
    if found:
        lines = [_say(p) for p in found[:8]]
        more = f"\n  ... and {len(found) - 8} more" if len(found) > 8 else ""
        raise _fail(where, lines[0] + "".join(f"\n  also: {line}" for line in lines[1:]) + more)


def _profile(raw: dict[str, Any]) -> Profile:
    custom = raw["custom"]
    return Profile(
        profile_id=raw["profile_id"],
        email=raw["email"],
        phone=raw["phone"],
        field_name=custom["field_name"],
        field_value=str(custom["field_value"]),
    )


def parse_target(data: Any, *, where: str, environ: dict[str, str] | None = None, require_token: bool = True) -> Target:
    """Validate a target file mapping: its JSON Schema, then what a schema cannot say; TargetError says what to fix."""
    env = os.environ if environ is None else environ
    _check_schema(data, where)
    base_url = str(data["base_url"]).rstrip("/")
    allow_remote = bool(data.get("allow_remote", False))
    if not is_loopback(base_url) and not allow_remote:
        raise _fail(
            where,
            f"base_url {base_url} is not on loopback; the suite creates codes there that the API cannot delete. "
            "Add 'allow_remote: true' to the target file if you mean it.",
        )
    token_env = data["token_env"]
    token = env.get(token_env, "")
    if require_token and not token:
        raise _fail(
            where,
            f"the environment variable {token_env} (named by 'token_env') is unset or empty; "
            "export it with the API token",
        )
    profiles = tuple(_profile(raw) for raw in data["profiles"])
    ids = [p.profile_id for p in profiles]
    if len(set(ids)) != len(ids):
        raise _fail(where, "'profiles' must name different profiles (profile_id repeats)")
    programs = data["loyalty_programs"]
    personal, universal, exhausted = programs["personal"], programs["universal"], programs.get("exhausted")
    if len({personal, universal, exhausted} - {None}) != 2 + (exhausted is not None):
        raise _fail(where, "'loyalty_programs' must name three different programs")
    xml_type = data.get("xml_content_type", "application/xml")
    if media_kind(xml_type) != "xml":
        raise _fail(
            where,
            f"'xml_content_type' must be an XML media type such as application/xml or text/xml, not {xml_type!r}",
        )
    settings = data.get("program_settings", {})
    if "exhausted" in settings and exhausted is None:
        raise _fail(where, "'program_settings' names exhausted, but 'loyalty_programs' names no exhausted program")
    kinds = {"personal": personal, "universal": universal, "exhausted": exhausted}
    no_creation = frozenset(kinds[k] for k, s in settings.items() if s.get("creates_codes", True) is False)
    rate, timeout = data.get("rate_limit_per_second"), data.get("timeout_seconds", 10.0)
    api_version = _api_version(data.get("api_version", "72"), where)
    return Target(
        base_url=base_url,
        token_env=token_env,
        db_id=data["db_id"],
        profiles=profiles,
        personal=personal,
        universal=universal,
        exhausted=exhausted,
        token=token,
        source=where,
        name=data.get("name", ""),
        allow_remote=allow_remote,
        rate_limit_per_second=float(rate) if rate is not None else None,
        request_budget=data.get("request_budget"),
        timeout_seconds=float(timeout),
        xml_content_type=xml_type,
        api_version=api_version,
        no_creation=no_creation,
    )


def _api_version(value: Any, where: str) -> str:
    from promo_spec.versions import known_versions

    known = known_versions()
    if not isinstance(value, str) or value not in known:
        raise _fail(
            where,
            f"'api_version' must be one of the versions the project describes ({', '.join(repr(k) for k in known)}), "
            f"as a string, not {value!r}",
        )
    return value


def load_target(path: Path | str, *, environ: dict[str, str] | None = None, require_token: bool = True) -> Target:
    """Read and validate the target file at ``path``."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetError(f"target file {where}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetError(f"target file {where}: invalid YAML ({exc})") from None
    return parse_target(data, where=where, environ=environ, require_token=require_token)
