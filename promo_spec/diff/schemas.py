"""Compare two inlined JSON Schemas of one request or response body, property by property."""

from __future__ import annotations

from typing import Any

from promo_spec.diff.model import CALLERS, SERVERS, Change, breaks, narrowed, widened

# Bounds whose larger value accepts fewer instances, and those whose smaller value does.
_LOWER = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
_UPPER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")
_EXACT = ("pattern", "format", "const", "multipleOf")


def _types(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return {kind} if isinstance(kind, str) else set(kind)


def _show(value: Any) -> str:
    if isinstance(value, list | set | tuple):
        return "[" + ", ".join(str(v) for v in sorted(value, key=str)) + "]"
    return repr(value) if isinstance(value, str) else str(value)


class SchemaDiff:
    """Collect the changes between two schemas read in one direction (``request`` or ``response``)."""

    def __init__(self, direction: str, where: str) -> None:
        self.direction = direction
        self.where = where
        self.changes: list[Change] = []

    def _add(self, code: str, field: str, message: str, who: frozenset[str]) -> None:
        subject = f"{self.direction}.{field}" if field else self.direction
        prefix = f"{self.where}: `{field}`" if field else f"{self.where}:"
        self.changes.append(Change(f"{self.direction}-{code}", subject, f"{prefix} {message}", who))

    def compare(self, old: dict[str, Any], new: dict[str, Any], field: str = "") -> None:
        """Record every difference between ``old`` and ``new`` found at ``field`` and below."""
        self._types(old, new, field)
        self._enum(old, new, field)
        self._bounds(old, new, field)
        if old.get("default") != new.get("default") and "default" in old | new:
            self._add("default-changed", field, f"default {_show(old.get('default'))} → {_show(new.get('default'))}",
                      breaks(CALLERS, SERVERS))
        self._required(old, new, field)
        self._properties(old, new, field)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.compare(old["items"], new["items"], f"{field}[]")
        for key in ("anyOf", "oneOf", "allOf"):
            self._alternatives(key, old.get(key), new.get(key), field)
        for key in ("if", "then", "else"):
            if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
                self.compare(old[key], new[key], field)

    def _types(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before, after = _types(old), _types(new)
        if before == after or before is None or after is None:
            return
        if after > before:
            who = widened(self.direction)
        elif after < before:
            who = narrowed(self.direction)
        else:
            who = breaks(CALLERS, SERVERS)
        self._add("type-changed", field, f"type {_show(before)} → {_show(after)}", who)

    def _enum(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before, after = old.get("enum"), new.get("enum")
        if before == after:
            return
        if before is None:
            self._add("enum-added", field, f"now limited to {_show(after)}", narrowed(self.direction))
            return
        if after is None:
            self._add("enum-removed", field, f"no longer limited to {_show(before)}", widened(self.direction))
            return
        gained = [v for v in after if v not in before]
        lost = [v for v in before if v not in after]
        if gained:
            self._add("enum-value-added", field, f"accepts {_show(gained)} too", widened(self.direction))
        if lost:
            self._add("enum-value-removed", field, f"no longer accepts {_show(lost)}", narrowed(self.direction))

    def _bounds(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        for key in (*_LOWER, *_UPPER, *_EXACT):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if before is None:
                stricter: bool | None = True
            elif after is None:
                stricter = False
            elif key in _LOWER:
                stricter = after > before
            elif key in _UPPER:
                stricter = after < before
            else:
                stricter = None  # a different pattern or format: neither side contains the other
            who = (
                breaks(CALLERS, SERVERS)
                if stricter is None
                else narrowed(self.direction) if stricter else widened(self.direction)
            )
            word = "stricter" if stricter else "looser" if stricter is False else "changed"
            self._add(f"{key}-changed", field, f"{key} {_show(before)} → {_show(after)} ({word})", who)

    def _required(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before, after = set(old.get("required", [])), set(new.get("required", []))
        base = f"{field}." if field else ""
        present = set(old.get("properties", {})) & set(new.get("properties", {}))
        for name in sorted(after - before):
            if name in present or "properties" not in new:
                # A request property callers may omit must now be sent; a response property may now not be omitted.
                self._add("required-added", base + name, "is now required", narrowed(self.direction))
        for name in sorted(before - after):
            if name in present or "properties" not in old:
                self._add("required-removed", base + name, "is no longer required", widened(self.direction))

    def _properties(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before, after = old.get("properties", {}), new.get("properties", {})
        base = f"{field}." if field else ""
        for name in after:
            if name in before:
                if isinstance(before[name], dict) and isinstance(after[name], dict):
                    self.compare(before[name], after[name], base + name)
                continue
            required = name in new.get("required", [])
            if self.direction == "request":
                who = breaks(CALLERS, SERVERS) if required else breaks(SERVERS)
            else:
                who = breaks(SERVERS) if required else frozenset()
            self._add("property-added", base + name, f"added ({'required' if required else 'optional'})", who)
        for name in before:
            if name not in after:
                was = "required" if name in old.get("required", []) else "optional"
                # Callers stop being able to send it (request) or read it (response); old servers still
                # accept and may send it, which the new description does not forbid.
                self._add("property-removed", base + name, f"removed (was {was})", breaks(CALLERS))

    def _alternatives(self, key: str, old: Any, new: Any, field: str) -> None:
        if not isinstance(old, list) or not isinstance(new, list) or old == new:
            if (old is None) != (new is None):
                self._add(f"{key}-changed", field, f"`{key}` {'added' if old is None else 'removed'}",
                          breaks(CALLERS, SERVERS))
            return
        if len(old) != len(new):
            self._add(f"{key}-changed", field, f"`{key}` has {len(new)} branches instead of {len(old)}",
                      breaks(CALLERS, SERVERS))
            return
        for before, after in zip(old, new, strict=True):
            if isinstance(before, dict) and isinstance(after, dict):
                self.compare(before, after, field)


def compare_schemas(old: dict[str, Any], new: dict[str, Any], *, direction: str, where: str) -> list[Change]:
    """Return the changes between two schemas of one body (``direction``: ``request`` or ``response``)."""
    differ = SchemaDiff(direction, where)
    differ.compare(old, new)
    return differ.changes

