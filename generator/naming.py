"""Identifiers for the targets: Pascal/camel case, keyword-safe names, class names of modes and errors."""

from __future__ import annotations

import keyword
import re

# A mode whose identifiers are a name/value pair reads better with "Field": ByCustomField(field_name, field_value).
_MODE_SUFFIX_WHEN_PAIR = "Field"


def words(text: str) -> list[str]:
    """Split an identifier or phrase into its alphanumeric words."""
    return [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]


def pascal(text: str) -> str:
    """``export_all`` → ``ExportAll``."""
    return "".join(w[:1].upper() + w[1:] for w in words(text))


def camel(text: str) -> str:
    """``export_all`` → ``exportAll``."""
    name = pascal(text)
    return name[:1].lower() + name[1:]


def py_identifier(text: str) -> str:
    """A Python name for ``text``; keywords get a trailing underscore (``import`` → ``import_``)."""
    name = "_".join(words(text)).lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def mode_class(mode: str, fields: list[str]) -> str:
    """The class of one matching mode: ``ByEmail``; a two-field mode: ``ByCustomField``."""
    return "By" + pascal(mode) + (_MODE_SUFFIX_WHEN_PAIR if len(fields) > 1 else "")


def error_class(code: int, meaning: str) -> str:
    """The exception class of a documented error: its meaning in words, or ``Code403Error`` when it has too few."""
    head = re.split(r"[(…]", meaning, maxsplit=1)[0]
    parts = words(head)
    if len(parts) < 2:
        return f"Code{code}Error"
    return "".join(p[:1].upper() + p[1:].lower() for p in parts) + "Error"
