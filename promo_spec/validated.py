"""Remember specs that passed validation, so unchanged specs are not validated again.

The key is a SHA-256 of the spec's bytes, the rule vocabulary's bytes and the versions
of the validating libraries; a marker file per key lives in ``$PROMO_SPEC_CACHE`` (default
``~/.cache/promo-spec``). Only successful validations are remembered, so a broken spec
is always validated and always reported. ``PROMO_SPEC_CACHE=off`` disables the cache.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path


def _directory() -> Path | None:
    setting = os.environ.get("PROMO_SPEC_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "promo-spec"


def _versions() -> str:
    found = []
    for name in ("openapi-spec-validator", "jsonschema", "PyYAML"):
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ";".join(found)


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
