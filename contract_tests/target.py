"""Load and validate a target file: the suite's only coupling to a server."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from promo_spec.media import media_kind

REQUIRED = ("base_url", "token_env", "db_id", "profiles", "loyalty_programs")
OPTIONAL = (
    "allow_remote",
    "rate_limit_per_second",
    "request_budget",
    "timeout_seconds",
    "xml_content_type",
    "name",
    "api_version",
)
PROFILE_KEYS = ("profile_id", "email", "phone", "custom")


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
    allow_remote: bool = False
    rate_limit_per_second: float | None = None
    request_budget: int | None = None
    timeout_seconds: float = 10.0
    xml_content_type: str = "application/xml"  # the docs name no XML request content type
    api_version: str = "72"  # the API version the server speaks; absent from a target file means 72

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

    def program(self, kind: str) -> int:
        """Return the program id of ``kind`` (personal, universal, exhausted)."""
        if kind == "exhausted":
            if self.exhausted is None:
                raise TargetError("the target file names no loyalty_programs.exhausted program")
            return self.exhausted
        return self.personal if kind == "personal" else self.universal


def is_loopback(url: str) -> bool:
    """True when the URL's host is localhost or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(where: str, problem: str) -> TargetError:
    return TargetError(f"target file {where}: {problem}")


def _int(data: dict[str, Any], key: str, where: str, *, label: str | None = None) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"'{label or key}' must be an integer, not {value!r}")
    return value


def _str(data: dict[str, Any], key: str, where: str, *, label: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"'{label}' must be a non-empty string, not {value!r}")
    return value


def _profile(raw: Any, index: int, where: str) -> Profile:
    label = f"profiles[{index}]"
    if not isinstance(raw, dict):
        raise _fail(where, f"'{label}' must be a mapping with {', '.join(PROFILE_KEYS)}")
    missing = [k for k in PROFILE_KEYS if k not in raw]
    if missing:
        raise _fail(where, f"'{label}' lacks {', '.join(missing)} (each profile needs {', '.join(PROFILE_KEYS)})")
    custom = raw["custom"]
    if not isinstance(custom, dict) or set(custom) != {"field_name", "field_value"}:
        raise _fail(where, f"'{label}.custom' must be {{field_name: NAME, field_value: VALUE}}")
    return Profile(
        profile_id=_str(raw, "profile_id", where, label=f"{label}.profile_id"),
        email=_str(raw, "email", where, label=f"{label}.email"),
        phone=_str(raw, "phone", where, label=f"{label}.phone"),
        field_name=_str(custom, "field_name", where, label=f"{label}.custom.field_name"),
        field_value=str(custom["field_value"])
        if isinstance(custom["field_value"], int | str)
        else _str(custom, "field_value", where, label=f"{label}.custom.field_value"),
    )


def parse_target(data: Any, *, where: str, environ: dict[str, str] | None = None, require_token: bool = True) -> Target:
    """Validate the mapping of a target file; TargetError says what to fix."""
    env = os.environ if environ is None else environ
    if not isinstance(data, dict):
        raise _fail(where, f"must be a YAML mapping with the keys {', '.join(REQUIRED)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise _fail(where, f"missing key(s) {', '.join(missing)}; required: {', '.join(REQUIRED)}")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}")
    base_url = _str(data, "base_url", where, label="base_url").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise _fail(where, f"'base_url' must be scheme://host[:port] (http or https, no path), not {base_url!r}")
    allow_remote = data.get("allow_remote", False)
    if not isinstance(allow_remote, bool):
        raise _fail(where, f"'allow_remote' must be true or false, not {allow_remote!r}")
    if not is_loopback(base_url) and not allow_remote:
        raise _fail(
            where,
            f"base_url {base_url} is not on loopback; the suite creates codes there that the API cannot delete. "
            "Add 'allow_remote: true' to the target file if you mean it.",
        )
    token_env = _str(data, "token_env", where, label="token_env")
    token = env.get(token_env, "")
    if require_token and not token:
        raise _fail(
            where,
            f"the environment variable {token_env} (named by 'token_env') is unset or empty; "
            "export it with the API token",
        )
    db_id = _int(data, "db_id", where)
    profiles_raw = data["profiles"]
    if not isinstance(profiles_raw, list) or len(profiles_raw) < 2:
        raise _fail(where, "'profiles' must list two or more existing profiles of db_id")
    profiles = tuple(_profile(raw, i, where) for i, raw in enumerate(profiles_raw))
    ids = [p.profile_id for p in profiles]
    if len(set(ids)) != len(ids):
        raise _fail(where, "'profiles' must name different profiles (profile_id repeats)")
    programs = data["loyalty_programs"]
    if not isinstance(programs, dict):
        raise _fail(where, "'loyalty_programs' must be a mapping with personal, universal and optionally exhausted")
    bad = sorted(set(programs) - {"personal", "universal", "exhausted"})
    if bad:
        raise _fail(
            where, f"'loyalty_programs' has unknown key(s) {', '.join(bad)}; allowed: personal, universal, exhausted"
        )
    for key in ("personal", "universal"):
        if key not in programs:
            raise _fail(where, f"'loyalty_programs.{key}' is missing")
    personal = _int(programs, "personal", where, label="loyalty_programs.personal")
    universal = _int(programs, "universal", where, label="loyalty_programs.universal")
    exhausted = (
        _int(programs, "exhausted", where, label="loyalty_programs.exhausted") if "exhausted" in programs else None
    )
    if len({personal, universal, exhausted} - {None}) != 2 + (exhausted is not None):
        raise _fail(where, "'loyalty_programs' must name three different programs")
    rate = data.get("rate_limit_per_second")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0):
        raise _fail(where, f"'rate_limit_per_second' must be a positive number, not {rate!r}")
    budget = data.get("request_budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0):
        raise _fail(where, f"'request_budget' must be a positive integer, not {budget!r}")
    timeout = data.get("timeout_seconds", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise _fail(where, f"'timeout_seconds' must be a positive number, not {timeout!r}")
    xml_type = data.get("xml_content_type", "application/xml")
    if not isinstance(xml_type, str) or media_kind(xml_type) != "xml":
        raise _fail(
            where,
            f"'xml_content_type' must be an XML media type such as application/xml or text/xml, not {xml_type!r}",
        )
    api_version = _api_version(data.get("api_version", "72"), where)
    return Target(
        base_url=base_url,
        token_env=token_env,
        db_id=db_id,
        profiles=profiles,
        personal=personal,
        universal=universal,
        exhausted=exhausted,
        token=token,
        source=where,
        allow_remote=allow_remote,
        rate_limit_per_second=float(rate) if rate is not None else None,
        request_budget=budget,
        timeout_seconds=float(timeout),
        xml_content_type=xml_type,
        api_version=api_version,
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
