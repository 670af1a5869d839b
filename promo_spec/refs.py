"""Resolve the spec's local ``$ref`` pointers, and inline them into plain schema dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promo_spec.errors import SpecError


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(root: Any, ref: str, *, path: str, at: str) -> Any:
    """Return the node ``ref`` (``#/a/b``) names in ``root``; SpecError at ``at`` if it names nothing."""
    if not ref.startswith("#"):
        raise SpecError(path, at, f"$ref {ref!r} points outside this file; only local refs ('#/...') are supported")
    node = root
    for raw in [t for t in ref[1:].split("/") if t != ""]:
        token = _unescape(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise SpecError(path, at, f"$ref {ref!r} points to nothing; fix the pointer or add the component")
    return node


def iter_refs(node: Any, at: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(json_pointer_of_the_ref, ref_value)`` for every ``$ref`` under ``node``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield f"{at}/$ref", ref
        for key, value in node.items():
            yield from iter_refs(value, f"{at}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, f"{at}/{index}")


def check_refs(root: Any, *, path: str) -> None:
    """Raise SpecError naming the first dangling ``$ref``."""
    for at, ref in iter_refs(root):
        resolve_pointer(root, ref, path=path, at=at)


def inline(node: Any, root: Any, *, path: str, _seen: tuple[str, ...] = ()) -> Any:
    """Return ``node`` with every ``$ref`` replaced by its target (siblings of ``$ref`` win)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in _seen:
                raise SpecError(path, ref[1:], f"$ref {ref!r} is recursive; the tools need finite schemas")
            target = inline(resolve_pointer(root, ref, path=path, at=ref[1:]), root, path=path, _seen=(*_seen, ref))
            siblings = {k: inline(v, root, path=path, _seen=_seen) for k, v in node.items() if k != "$ref"}
            if isinstance(target, dict):
                return {**target, **siblings}
            return target
        return {k: inline(v, root, path=path, _seen=_seen) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, root, path=path, _seen=_seen) for v in node]
    return node
