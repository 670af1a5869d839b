"""Remember specs that passed validation, so unchanged specs are not validated again.

The key is a SHA-256 of the spec's bytes, the rule vocabulary's bytes, the versions of the
validating libraries and the source of the validating modules (``openapi_check``, ``compiled``,
``rules``, ``success``); a marker file per key lives in ``$PROMO_SPEC_CACHE`` (default
``~/.cache/promo-spec``). Only successful validations are remembered, so a broken spec
is always validated and always reported. ``PROMO_SPEC_CACHE=off`` disables the cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path


def _directory() -> Path | None:
    setting = os.environ.get("PROMO_SPEC_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "promo-spec"


# (distribution, import name) of every library whose verdict a remembered validation stands for.
_VALIDATING = (
    ("openapi-spec-validator", "openapi_spec_validator"),
    ("openapi-schema-validator", "openapi_schema_validator"),
    ("jsonschema-rs", "jsonschema_rs"),
    ("jsonschema", "jsonschema"),
    ("PyYAML", "yaml"),
)
_OWN = ("openapi_check.py", "compiled.py", "rules.py", "success.py", "loader.py")


def _installed_version(distribution: str, module: str) -> str:
    """The installed version, read from the ``*.dist-info`` beside the package (importlib.metadata costs 50 ms)."""
    found = importlib.util.find_spec(module)
    if found is None or found.origin is None:
        return "?"
    locations = list(found.submodule_search_locations or [])
    site = Path(locations[0]).parent if locations else Path(found.origin).parent
    prefix = distribution.lower().replace("-", "_") + "-"
    try:
        names = [n for n in os.listdir(site) if n.lower().endswith(".dist-info") and n.lower().startswith(prefix)]
    except OSError:
        return "?"
    return names[0][len(prefix) : -len(".dist-info")] if len(names) == 1 else "?"


def _versions() -> str:
    found = [f"{name}={_installed_version(name, module)}" for name, module in _VALIDATING]
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(b"".join((here / name).read_bytes() for name in _OWN)).hexdigest()[:16]
    return ";".join([*found, f"promo_spec={digest}"])


def key_of(spec_bytes: bytes, vocabulary_bytes: bytes) -> str:
    """Return the cache key of one spec text with one vocabulary under the installed validators."""
    digest = hashlib.sha256()
    for part in (spec_bytes, b"\0", vocabulary_bytes, b"\0", _versions().encode()):
        digest.update(part)
    return digest.hexdigest()


def is_known_valid(key: str) -> bool:
    """Whether a spec with this key passed validation before."""
    directory = _directory()
    return directory is not None and (directory / key).is_file()


def remember_valid(key: str) -> None:
    """Record that a spec with this key passed validation (best effort: an unwritable cache is skipped)."""
    directory = _directory()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / key).touch()
    except OSError:
        pass
