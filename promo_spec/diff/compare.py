"""Diff two loaded specs: operations, media types, responses, security, body schemas, and the rules."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from promo_spec.diff.model import CALLERS, SERVERS, Change, DiffResult, breaks
from promo_spec.diff.rules import compare_rules
from promo_spec.diff.schemas import compare_schemas
from promo_spec.loader import Operation, Spec


def _security(spec: Spec, op: Operation) -> set[frozenset[str]]:
    """The operation's alternatives of security schemes; ``frozenset()`` is 'no credentials needed'."""
    chosen = op.raw.get("security", spec.document.get("security"))
    if chosen is None:
        return {frozenset()}
    return {frozenset(requirement) for requirement in chosen}


def _show_requirement(requirement: frozenset[str]) -> str:
    return " + ".join(sorted(requirement)) or "none (credentials in the body)"


def _operation_changes(old: Spec, new: Spec, op_id: str) -> list[Change]:
    before, after = old.operations[op_id], new.operations[op_id]
    found: list[Change] = []
    if (before.path, before.method) != (after.path, after.method):
        found.append(Change("operation-moved", "operation",
                            f"moved from {before.method} {before.path} to {after.method} {after.path}",
                            breaks(CALLERS, SERVERS)))
    media_before = set((before.raw.get("requestBody") or {}).get("content", {}))
    media_after = set((after.raw.get("requestBody") or {}).get("content", {}))
    for media in sorted(media_after - media_before):
        found.append(Change("request-media-added", f"request.{media}", f"request body: accepts {media}",
                            breaks(SERVERS)))
    for media in sorted(media_before - media_after):
        found.append(Change("request-media-removed", f"request.{media}", f"request body: no longer accepts {media}",
                            breaks(CALLERS)))
    responses_before, responses_after = before.raw.get("responses", {}), after.raw.get("responses", {})
    for status in sorted(set(responses_after) - set(responses_before)):
        found.append(Change("response-added", f"response.{status}", f"response {status} added", breaks(CALLERS)))
    for status in sorted(set(responses_before) - set(responses_after)):
        found.append(Change("response-removed", f"response.{status}", f"response {status} removed", breaks(SERVERS)))
    for status in sorted(set(responses_before) & set(responses_after)):
        kinds_before = set((responses_before[status] or {}).get("content", {}))
        kinds_after = set((responses_after[status] or {}).get("content", {}))
        for media in sorted(kinds_after - kinds_before):
            found.append(Change("response-media-added", f"response.{status}.{media}",
                                f"response {status}: may be {media}", breaks(CALLERS)))
        for media in sorted(kinds_before - kinds_after):
            found.append(Change("response-media-removed", f"response.{status}.{media}",
                                f"response {status}: no longer {media}", breaks(SERVERS)))
    found += _security_changes(_security(old, before), _security(new, after))
    found += compare_schemas(before.request_schema, after.request_schema, direction="request", where="request body")
    found += compare_schemas(before.response_schema, after.response_schema, direction="response",
                             where="response body")
    return found


def _security_changes(before: set[frozenset[str]], after: set[frozenset[str]]) -> list[Change]:
    found: list[Change] = []
    gained = sorted(after - before, key=sorted)
    lost = sorted(before - after, key=sorted)
    if frozenset() in lost and gained:
        # Credentials become mandatory: callers without them are refused, old servers serve them anyway.
        names = " or ".join(_show_requirement(r) for r in gained)
        found.append(Change("security-required", f"security.{'|'.join('+'.join(sorted(r)) for r in gained)}",
                            f"security: now requires {names}", breaks(CALLERS, SERVERS)))
        lost.remove(frozenset())
        gained = []
    for requirement in gained:
        # A new way to authenticate: callers may keep theirs, an old server does not know this one.
        found.append(Change("security-added", f"security.{'+'.join(sorted(requirement)) or 'none'}",
                            f"security: accepts {_show_requirement(requirement)}", breaks(SERVERS)))
    for requirement in lost:
        found.append(Change("security-removed", f"security.{'+'.join(sorted(requirement)) or 'none'}",
                            f"security: no longer accepts {_show_requirement(requirement)}", breaks(CALLERS)))
    return found


def _aggregate(per_operation: dict[str, list[Change]]) -> list[Change]:
    """Merge the same change found in several operations (a shared component) into one, listing them."""
    merged: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    first: dict[tuple[str, str, str], Change] = {}
    for op_id, changes in per_operation.items():
        for change in changes:
            key = (change.code, change.subject, change.message)
            if op_id not in merged[key]:  # one schema can hold the same property twice (allOf)
                merged[key].append(op_id)
            first.setdefault(key, change)
    return [
        Change(c.code, c.subject, c.message, c.breaks, operations=tuple(merged[key]))
        for key, c in first.items()
    ]


def diff_specs(old: Spec, new: Spec, *, old_label: str, new_label: str) -> DiffResult:
    """Return every change from ``old`` to ``new``, classified."""
    changes: list[Change] = []
    removed = [op for op in old.operations if op not in new.operations]
    added = [op for op in new.operations if op not in old.operations]
    for op_id in removed:
        op = old.operations[op_id]
        changes.append(Change("operation-removed", f"operation.{op_id}",
                              f"operation {op_id} ({op.method} {op.path}) removed, with its rules",
                              breaks(CALLERS), operations=(op_id,)))
    for op_id in added:
        op = new.operations[op_id]
        changes.append(Change("operation-added", f"operation.{op_id}",
                              f"operation {op_id} ({op.method} {op.path}) added, with its rules",
                              breaks(SERVERS), operations=(op_id,)))
    common = [op for op in old.operations if op in new.operations]
    changes += _aggregate({op_id: _operation_changes(old, new, op_id) for op_id in common})
    changes += compare_rules(old, new, ignore_operations=set(removed) | set(added))
    return DiffResult(old_label, new_label, tuple(changes))


def document_summary(document: dict[str, Any]) -> str:
    """Return ``title vN`` of a document, for headings."""
    info = document.get("info") or {}
    return f"{info.get('title', '?')} v{info.get('version', '?')}"
