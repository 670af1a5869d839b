"""JSON Schema checks that cost microseconds: jsonschema-rs decides what is valid, jsonschema explains the rest.

A ``CompiledChecker`` answers like a jsonschema ``Draft202012Validator`` (optionally with
``FormatChecker()``): ``iter_errors`` yields exactly jsonschema's errors, same messages, same
``absolute_path``. An instance jsonschema-rs finds valid yields nothing without jsonschema being
imported; any other instance is handed to jsonschema, whose errors are the answer (none, where only
jsonschema-rs objected).

That is exact only where jsonschema-rs never accepts what jsonschema refuses, so a schema is
compiled only when all it asks is read alike by both (``_differs`` lists what is not: ``multipleOf``
on floats, regular expressions using Unicode classes, formats other than ``date-time``, which gets
jsonschema's own check); an instance with integers beyond 2**53 or with text Rust cannot hold
(lone surrogates) also goes to jsonschema. Everything else (a schema outside these limits) is
checked by jsonschema alone, as before. ``tests/spec/test_compiled.py`` compares both.

Use it where a schema is checked often and nearly always passes: the rule vocabulary on every rule
of every version, overlays, the seed, the mock's request validation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator
from functools import lru_cache
from typing import Any

# A "pattern" both engines match alike, or jsonschema-rs more narrowly: literals, escaped punctuation,
# \d (ASCII in jsonschema-rs, Unicode digits in Python), '.', character classes, anchors, quantifiers,
# groups and alternation; no \s \w \b and their negations, no \D, no (?...) constructs but (?:.
_SAFE_PATTERN = re.compile(r"(?:[^\\(]|\\[d.^$|?*+()\[\]{}/\\-]|\((?!\?)|\(\?:)*")
# A patternProperties key must select the same keys in both: literals and '^' only.
_SAFE_KEY_PATTERN = re.compile(r"\^?(?:[A-Za-z0-9_-]|\\[.$^])*")
_BIG = 2**53


def differs(node: Any, formats: Collection[str] | None = None) -> str | None:
    """Why jsonschema-rs might accept what jsonschema refuses under ``node`` (None: it cannot).

    ``formats``: the formats asserted by an exact check of jsonschema's own (None: formats are annotations).
    ``$ref`` targets are not followed: check each schema a reference reaches.
    """
    if isinstance(node, list):
        return next((why for item in node if (why := differs(item, formats))), None)
    if not isinstance(node, dict):
        return None
    if "multipleOf" in node:
        return "multipleOf"
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not _SAFE_PATTERN.fullmatch(pattern):
        return f"pattern {pattern!r}"
    keyed = node.get("patternProperties")
    if isinstance(keyed, dict) and not all(_SAFE_KEY_PATTERN.fullmatch(str(key)) for key in keyed):
        return "patternProperties"
    if formats is not None and isinstance(node.get("format"), str) and node["format"] not in formats:
        return f"format {node['format']!r}"
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        return f"$ref {ref!r}"
    return next((why for value in node.values() if (why := differs(value, formats))), None)


def outside_rust(instance: Any) -> bool:
    """Whether ``instance`` holds what jsonschema-rs reads differently: huge integers, non-string keys.

    Walks without recursion, strings and plain containers first (an export_all of 100k codes is 100k small dicts);
    any other node is judged by ``_outside``."""
    stack = [instance]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is str or node is None:
            continue
        if kind is dict:
            for key, value in node.items():
                if type(key) is not str:
                    return True
                if type(value) is not str:
                    stack.append(value)
        elif kind is list:
            stack.extend(node)
        elif _outside(node):
            return True
    return False


def _outside(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return not -_BIG <= instance <= _BIG
    if isinstance(instance, float):
        return instance != instance or instance in (float("inf"), float("-inf"))
    if isinstance(instance, dict):
        return any(not isinstance(k, str) or outside_rust(v) for k, v in instance.items())
    if isinstance(instance, list):
        return any(outside_rust(v) for v in instance)
    return not isinstance(instance, str | type(None))  # tuples, bytes, dates...: jsonschema reads them its way


def date_time(value: str) -> bool:
    """jsonschema's own ``date-time`` check (rfc3339-validator on the upper-cased text; none without it)."""
    try:
        from rfc3339_validator import validate_rfc3339
    except ImportError:
        return True
    return bool(validate_rfc3339(value.upper()))


# Formats jsonschema-rs asserts through jsonschema's own check (any other format leaves the schema to jsonschema).
EXACT_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": date_time}


class CompiledChecker:
    """One schema: compiled by jsonschema-rs when that is exact, explained (or decided) by jsonschema."""

    def __init__(self, schema: dict[str, Any], *, formats: bool = False) -> None:
        import jsonschema_rs

        self.schema = schema
        self.formats = formats
        self.inexact = differs(schema, EXACT_FORMATS if formats else None)
        self._fast: Any = None
        if self.inexact is None:
            if not jsonschema_rs.meta.is_valid(schema):
                self.explainer()  # jsonschema raises its SchemaError, as a Draft202012Validator check would
            options: dict[str, Any] = {"validate_formats": True, "formats": dict(EXACT_FORMATS)} if formats else {}
            try:
                self._fast = jsonschema_rs.validator_for(schema, **options)
            except Exception:  # a construct jsonschema-rs refuses: jsonschema decides alone
                self.inexact = "refused by jsonschema-rs"
        self._explainer: Any = None

    def explainer(self) -> Any:
        """The jsonschema validator of the schema (formats checked when ``formats``); built on first use."""
        if self._explainer is None:
            from jsonschema import Draft202012Validator, FormatChecker

            Draft202012Validator.check_schema(self.schema)
            checker = FormatChecker() if self.formats else None
            self._explainer = Draft202012Validator(self.schema, format_checker=checker)
        return self._explainer

    def fast_valid(self, instance: Any) -> bool:
        """True when jsonschema-rs alone can tell that ``instance`` is valid (jsonschema would agree)."""
        if self._fast is None or outside_rust(instance):
            return False
        try:
            return bool(self._fast.is_valid(instance))
        except Exception:  # text or numbers jsonschema-rs cannot take in
            return False

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """jsonschema's errors for ``instance`` (``jsonschema.exceptions.ValidationError``), none when valid."""
        if self.fast_valid(instance):
            return iter(())
        errors: Iterator[Any] = self.explainer().iter_errors(instance)
        return errors

    def is_valid(self, instance: Any) -> bool:
        """Whether jsonschema finds ``instance`` valid."""
        return self.fast_valid(instance) or bool(self.explainer().is_valid(instance))


@lru_cache(maxsize=64)
def _compiled(digest: str, text: str, formats: bool) -> CompiledChecker:
    return CompiledChecker(json.loads(text), formats=formats)


def compiled_checker(schema: dict[str, Any], *, formats: bool = False) -> CompiledChecker:
    """The checker of ``schema``, compiled once per process and content (``formats``: assert ``format``)."""
    text = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    return _compiled(hashlib.sha256(text.encode("utf-8")).hexdigest(), text, formats)
