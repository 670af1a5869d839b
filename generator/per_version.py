"""Output per API version: one tree per version, "since" marks across versions, the changelog page.

The oldest version keeps the historical paths (``python/``, ``docs/``, …) so existing installs and
links keep working; each newer version N gets the same tree under ``vN/``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from generator.ir import Api, Field, Operation, RuleRow
from promo_spec import Spec
from promo_spec.diff.compare import diff_specs
from promo_spec.diff.render import to_markdown

CHANGELOG = "docs/changelog.md"


def prefix(index: int, version: str) -> str:
    """The output directory of the ``index``-th version (oldest first): "" for the oldest, else ``vN/``."""
    return "" if index == 0 else f"v{version}/"


def _since(versions: Sequence[str], present: Sequence[bool]) -> str:
    """The oldest version of the unbroken run of versions ending at the last one in which the item exists."""
    start = len(present) - 1
    while start > 0 and present[start - 1]:
        start -= 1
    return versions[start]


def _op(api: Api, op_id: str) -> Operation | None:
    return next((op for op in api.operations if op.id == op_id), None)


def _params(api: Api, op_id: str) -> set[str]:
    op = _op(api, op_id)
    return {p.name for p in op.all_params} if op else set()


def _rules(api: Api, op_id: str | None) -> set[str]:
    """Rule ids of one operation (``None``: the rules of every operation)."""
    if op_id is None:
        return {r.id for r in api.cross_rules}
    op = _op(api, op_id)
    return {r.id for r in op.rules} if op else set()


def with_since(apis: Sequence[Api]) -> list[Api]:
    """Mark each parameter and rule of every version with the version since which it exists (no gap)."""
    versions = [api.version for api in apis]
    marked: list[Api] = []
    for index, api in enumerate(apis):
        history = apis[: index + 1]

        def param(op_id: str, field: Field, history: Sequence[Api] = history) -> Field:
            present = [field.name in _params(old, op_id) for old in history]
            return replace(field, since=_since(versions, present))

        def rule(op_id: str | None, row: RuleRow, history: Sequence[Api] = history) -> RuleRow:
            present = [row.id in _rules(old, op_id) for old in history]
            return replace(row, since=_since(versions, present))

        operations = tuple(
            replace(
                op,
                all_params=tuple(param(op.id, f) for f in op.all_params),
                rules=tuple(rule(op.id, r) for r in op.rules),
            )
            for op in api.operations
        )
        marked.append(replace(api, operations=operations, cross_rules=tuple(rule(None, r) for r in api.cross_rules)))
    return marked


def with_layout(apis: Sequence[Api]) -> list[Api]:
    """Tell each version where its tree sits and where the others are (for the docs' links)."""
    layout = tuple((api.version, prefix(index, api.version)) for index, api in enumerate(apis))
    return [replace(api, out_prefix=layout[index][1], versions=layout) for index, api in enumerate(apis)]


def changelog(specs: Sequence[Spec], header: str) -> str:
    """The changelog page: ``promo-gen diff`` of every pair of consecutive versions, newest first, as Markdown."""
    lines = [
        f"<!-- {header} -->",
        "# Changelog of the API versions",
        "",
        "What changed from each API version to the next, as `promo-gen diff OLD NEW --format markdown` reports it:",
        "every schema change classified as breaking for callers (code written against the generated client),",
        "breaking for servers (a conforming old server fails the new contract) or compatible, then every rule change.",
        "",
        "Versions: "
        + ", ".join(
            f"[v{spec.version}]({'index.md' if i == 0 else f'../v{spec.version}/docs/index.md'})"
            for i, spec in enumerate(specs)
        )
        + ".",
    ]
    for old, new in reversed(list(itertools.pairwise(specs))):
        result = diff_specs(old, new, old_label=f"v{old.version}", new_label=f"v{new.version}")
        lines += ["", to_markdown(result).rstrip("\n")]
    return "\n".join(lines) + "\n"
