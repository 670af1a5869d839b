"""Read raw spec schemas (``$ref`` followed by hand, so component names survive) into IR fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.ir import Field
from promo_spec import SpecError
from promo_spec.refs import resolve_pointer

_SCALARS = {"string", "integer", "boolean"}


@dataclass(frozen=True)
class Node:
    """A schema with its refs followed: the dict, where it lives, and the component name if it is one."""

    schema: dict[str, Any]
    pointer: str
    name: str  # component name ("" for inline schemas)


class SchemaReader:
    """Follows refs in one spec document and turns schemas into fields; errors carry JSON pointers."""

    def __init__(self, document: dict[str, Any], path: str) -> None:
        self.document = document
        self.path = path

    def fail(self, pointer: str, message: str) -> SpecError:
        """A SpecError at ``pointer`` saying what the generator cannot do and what to do instead."""
        return SpecError(self.path, pointer, message)

    def node(self, schema: Any, pointer: str) -> Node:
        """Follow ``$ref`` chains; sibling keys of a ``$ref`` override the target's (as in promo_spec)."""
        name = ""
        extra: dict[str, Any] = {}
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            extra = {**{k: v for k, v in schema.items() if k != "$ref"}, **extra}
            schema = resolve_pointer(self.document, ref, path=self.path, at=f"{pointer}/$ref")
            pointer = ref[1:]
            name = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") and ref.count("/") == 3 else ""
        if not isinstance(schema, dict):
            raise self.fail(pointer, "a schema must be a mapping")
        return Node({**schema, **extra}, pointer, name)

    def properties(self, node: Node) -> dict[str, Node]:
        """The object's properties, refs followed, in spec order."""
        props = node.schema.get("properties") or {}
        return {key: self.node(value, f"{node.pointer}/properties/{key}") for key, value in props.items()}

    def kind(self, node: Node) -> tuple[str, bool, Node | None]:
        """Return (kind, nullable, inner): inner is the object or array node when the kind is one."""
        branches = node.schema.get("anyOf") or node.schema.get("oneOf")
        if branches:
            key = "anyOf" if "anyOf" in node.schema else "oneOf"
            found: list[tuple[str, bool, Node | None]] = []
            nullable = False
            for index, raw in enumerate(branches):
                branch = self.node(raw, f"{node.pointer}/{key}/{index}")
                if branch.schema.get("type") == "null":
                    nullable = True
                    continue
                found.append(self.kind(branch))
            kinds = {k for k, _, _ in found}
            if kinds <= {"string", "datetime"} and kinds:
                return ("datetime" if kinds == {"datetime"} else "string", nullable, None)
            if len(found) == 1:
                return (found[0][0], nullable or found[0][1], found[0][2])
            raise self.fail(
                f"{node.pointer}/{key}",
                "the generator supports anyOf/oneOf only as 'one type or null' or 'strings of several formats'; "
                "describe the value with one type",
            )
        declared = node.schema.get("type")
        if declared == "string":
            return ("datetime" if node.schema.get("format") == "date-time" else "string", False, None)
        if declared in _SCALARS:
            return (str(declared), False, None)
        if declared == "array" or "items" in node.schema:
            return ("array", False, node)
        if declared == "object" or "properties" in node.schema:
            return ("object", False, node)
        if declared == "null":
            return ("null", True, None)
        raise self.fail(
            node.pointer,
            f"the generator does not support this schema (type {declared!r}); use string, integer, boolean, "
            "array or object",
        )

    def field(self, name: str, node: Node, *, required: bool, model_names: dict[str, str]) -> Field:
        """Build the IR field of property ``name``; ``model_names`` maps object pointers to model names."""
        kind, nullable, inner = self.kind(node)
        item_kind = ""
        model = ""
        identity = _identity(node.schema)
        if kind == "array":
            assert inner is not None
            items = self.node(inner.schema.get("items", {}), f"{inner.pointer}/items")
            identity = identity or _identity(items.schema)
            item_kind, _, item_inner = self.kind(items)
            if item_kind == "array":
                raise self.fail(items.pointer, "arrays of arrays are not supported; wrap the inner list in an object")
            if item_kind == "object":
                assert item_inner is not None
                model = model_names.get(item_inner.pointer, "")
        elif kind == "object":
            assert inner is not None
            model = model_names.get(inner.pointer, "")
        return Field(
            name=name,
            kind=kind,
            required=required,
            description=" ".join(str(node.schema.get("description", "")).split()),
            example=_example(node.schema),
            item_kind=item_kind,
            model=model,
            nullable=nullable,
            enum=tuple(str(v) for v in node.schema.get("enum", ()) or ()),
            default=json.dumps(node.schema["default"], ensure_ascii=False) if "default" in node.schema else "",
            stances=_stances(node.schema),
            identity=identity,
        )


def _stances(schema: dict[str, Any]) -> str:
    """The schema's ``x-stances`` marks in words: `keyword` stance N (other pages: ...)."""
    marks = schema.get("x-stances")
    if not isinstance(marks, dict):
        return ""
    also = {"type": schema.get("x-also-documented-types"), "enum": schema.get("x-also-documented-values")}
    words = []
    for keyword, number in marks.items():
        other = also.get(keyword)
        shown = f" (other pages: {', '.join(f'`{v}`' for v in other)})" if isinstance(other, list) and other else ""
        words.append(f"`{keyword}` is stance {number}{shown}")
    return "; ".join(words)


def _identity(schema: dict[str, Any]) -> str:
    """The schema's ``x-code-identity`` mark in words: the spec's reading, and the others a server may take."""
    mark = schema.get("x-code-identity")
    if not isinstance(mark, dict):
        return ""
    others = [f"`{r}`" for r in mark.get("other-readings", [])]
    listed = ", ".join(others[:-1]) + f" or {others[-1]}" if len(others) > 1 else "".join(others)
    return f"codes compare `{mark.get('stance')}`; a server may also read them {listed}"


def _example(schema: dict[str, Any]) -> str:
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return json.dumps(examples[0], ensure_ascii=False)
    if "example" in schema:
        return json.dumps(schema["example"], ensure_ascii=False)
    return ""
