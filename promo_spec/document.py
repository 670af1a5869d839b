"""Read a spec file: bytes → YAML mapping, with a clear SpecError for anything else.

The bottom of ``promo_spec``: ``versions`` (which versions exist, each resolved from its files)
and ``loader`` (validated ``Spec`` objects) both read files through it, so neither imports the other
to parse YAML.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from promo_spec.errors import SpecError

# libyaml's loader when PyYAML was built with it: the same documents, about 7x faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; SpecError naming the file when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(str(path), "", f"cannot read the spec: {exc.strerror or exc}") from None


def load_document(path: Path, raw: bytes | None = None) -> dict[str, Any]:
    """Parse the YAML file (``raw``: its bytes, already read); SpecError if it is unreadable or not a mapping.

    The caller owns the result (a fresh copy each call): one command reads the base document several
    times (each version resolves from it), so a text is parsed once per process and copied after.
    """
    data = read_bytes(path) if raw is None else raw
    copied: dict[str, Any] = _copy(_parse(str(path), data))
    return copied


def _copy(node: Any) -> Any:
    """A copy of a parsed document: new dicts and lists, shared scalars (immutable)."""
    if isinstance(node, dict):
        return {key: _copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy(value) for value in node]
    return node


@lru_cache(maxsize=16)
def _parse(path: str, data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(path, "", "the spec is not UTF-8 text") from None
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise SpecError(path, "", f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "the spec must be a YAML mapping with 'openapi', 'info' and 'paths'")
    return document


def shared_document(path: Path) -> Any:
    """The YAML file at ``path``, parsed once per process and content, not copied: callers must not change it.

    For files read many times and only read (the rule vocabulary): the bytes are read each time,
    so an edited file is parsed again.
    """
    return _parse(str(path), read_bytes(path))
