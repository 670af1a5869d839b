"""Apply an OpenAPI Overlay 1.0 document (actions with RFC 9535 JSONPath targets) to an OpenAPI document.

Semantics follow Overlay 1.0.0: actions run in order; ``remove: true`` removes every
selected node from its parent; otherwise ``update`` is merged into every selected
object (primitives replace, arrays concatenate, objects merge recursively) or appended
to every selected array. One stance of this project is stricter than the standard: an
action whose target selects nothing is an error, because in a reviewed change file it
is always a typo or a change made against the wrong base.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpath

from promo_spec.compiled import compiled_checker
from promo_spec.errors import SpecError

# RFC 9535 only (no python-jsonpath extensions), so a target means the same in any Overlay tool.

# The Overlay 1.0 document structure (after the OpenAPI Initiative's published schema), compacted.
_OVERLAY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["overlay", "info", "actions"],
    "properties": {
        "overlay": {"type": "string", "pattern": r"^1\.0\.\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
            "patternProperties": {"^x-": True},
            "additionalProperties": False,
        },
        "extends": {"type": "string"},
        "actions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["target"],
                "properties": {
                    "target": {"type": "string", "pattern": r"^\$"},
                    "description": {"type": "string"},
                    "update": True,
                    "remove": {"type": "boolean"},
                },
                "patternProperties": {"^x-": True},
                "additionalProperties": False,
                "anyOf": [{"required": ["update"]}, {"required": ["remove"]}],
            },
        },
    },
    "patternProperties": {"^x-": True},
    "additionalProperties": False,
}


def _pointer(parts: list[Any] | tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def check_overlay(overlay: Any, *, path: str) -> None:
    """Raise SpecError at the first place where ``overlay`` is not an Overlay 1.0 document."""
    errors = sorted(compiled_checker(_OVERLAY_SCHEMA).iter_errors(overlay), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise SpecError(path, _pointer(list(first.absolute_path)), f"not an Overlay 1.0 document: {first.message}")


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], *, path: str) -> dict[str, Any]:
    """Return a copy of ``document`` with every action of ``overlay`` applied; SpecError names the failing action."""
    check_overlay(overlay, path=path)
    result = copy.deepcopy(document)
    for index, action in enumerate(overlay["actions"]):
        at = f"/actions/{index}"
        target = action["target"]
        try:
            query = jsonpath.compile(target, strict=True)  # RFC 9535 (the library's own strict environment)
        except jsonpath.JSONPathError as exc:
            raise SpecError(path, f"{at}/target", f"invalid JSONPath {target!r}: {exc}") from None
        matches = list(query.finditer(result))
        if not matches:
            raise SpecError(path, f"{at}/target", f"JSONPath {target!r} selects nothing in the document it applies to")
        if action.get("remove", False):
            # Remove the deepest and last nodes first, so earlier indices stay valid.
            for match in sorted(matches, key=lambda m: list(m.parts), reverse=True):
                _remove(result, list(match.parts), path=path, at=at, target=target)
            continue
        update = action["update"]
        for match in matches:
            node = match.obj
            if isinstance(node, dict):
                if not isinstance(update, dict):
                    raise SpecError(path, f"{at}/update", f"target {target!r} selects an object, so update must be one")
                _merge(node, update, path=path, at=f"{at}/update", node_at=_pointer(match.parts))
            elif isinstance(node, list):
                node.append(copy.deepcopy(update))
            else:
                raise SpecError(
                    path,
                    f"{at}/target",
                    f"JSONPath {target!r} selects the value {node!r} at {_pointer(match.parts) or '/'}; "
                    "update needs an object or an array (select the containing object instead)",
                )
    return result


def _remove(root: Any, parts: list[Any], *, path: str, at: str, target: str) -> None:
    if not parts:
        raise SpecError(path, f"{at}/target", f"JSONPath {target!r} selects the whole document; it cannot be removed")
    parent = root
    for part in parts[:-1]:
        parent = parent[part]
    del parent[parts[-1]]


def _merge(node: dict[str, Any], update: dict[str, Any], *, path: str, at: str, node_at: str) -> None:
    for key, value in update.items():
        here, node_here = f"{at}/{_pointer([key])[1:]}", f"{node_at}/{_pointer([key])[1:]}"
        if key not in node:
            node[key] = copy.deepcopy(value)
        elif isinstance(node[key], dict) and isinstance(value, dict):
            _merge(node[key], value, path=path, at=here, node_at=node_here)
        elif isinstance(node[key], list) and isinstance(value, list):
            node[key].extend(copy.deepcopy(value))
        elif isinstance(node[key], dict | list) or isinstance(value, dict | list):
            raise SpecError(
                path,
                here,
                f"cannot merge a {type(value).__name__} into the {type(node[key]).__name__} at {node_here} "
                "of the document (remove that node in an earlier action first)",
            )
        else:
            node[key] = copy.deepcopy(value)
