"""Write a DiffResult as text (terminal), Markdown (docs, PR comments) or JSON (machines)."""

from __future__ import annotations

import json

from promo_spec.diff.model import CALLERS, SERVERS, Change, DiffResult


def _counts(result: DiffResult) -> str:
    callers, servers = len(result.breaking_for(CALLERS)), len(result.breaking_for(SERVERS))
    compatible = len(result.compatible)
    total, rules = len(result.changes), len(result.rule_changes)
    return (
        f"{total} change{'' if total == 1 else 's'}: {callers} breaking for callers, {servers} breaking for servers, "
        f"{compatible} compatible; {rules} rule change{'' if rules == 1 else 's'}"
    )


def _ops(change: Change) -> str:
    return ", ".join(change.operations) if change.operations else "all"


def _tag(change: Change) -> str:
    if not change.breaks:
        return "compatible"
    return "BREAKING " + "+".join(sorted(change.breaks))


def audiences(result: DiffResult) -> tuple[tuple[str, tuple[Change, ...]], ...]:
    """The changes grouped by whom they concern: breaking for callers, breaking for servers, compatible.

    A change that breaks both is in both breaking groups, so each audience reads one complete
    list; within a group, schema changes come first, then rule changes (``rule <id>: ...``).
    """
    return (
        ("Breaking for callers", result.breaking_for(CALLERS)),
        ("Breaking for servers", result.breaking_for(SERVERS)),
        ("Compatible", result.compatible),
    )


def to_text(result: DiffResult) -> str:
    """The counts, then one line per change under its audience (groups without changes left out)."""
    lines = [f"{result.old} → {result.new}: {_counts(result)}"]
    for title, group in audiences(result):
        if group:
            lines.append(f"{title}:")
            lines += [f"  [{_tag(c)}] {_ops(c)}: {c.message}  ({c.id})" for c in group]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(result: DiffResult) -> str:
    """A heading, the counts, and one table per audience ("None." where nothing concerns it)."""
    lines = [f"## {result.old} → {result.new}", "", _counts(result) + "."]
    for title, group in audiences(result):
        lines += ["", f"### {title}", ""]
        if not group:
            lines.append("None.")
            continue
        lines += ["| class | operations | change | id |", "| --- | --- | --- | --- |"]
        lines += [f"| {c.label} | {_cell(_ops(c))} | {_cell(c.message)} | `{c.id}` |" for c in group]
    return "\n".join(lines) + "\n"


def to_json(result: DiffResult) -> str:
    """The whole result as a JSON object (stable key order)."""
    data = {
        "old": result.old,
        "new": result.new,
        "changes": [
            {
                "id": c.id,
                "code": c.code,
                "subject": c.subject,
                "class": c.classification,
                "breaks": sorted(c.breaks),
                "rule": c.rule,
                "operations": list(c.operations),
                "message": c.message,
            }
            for c in result.changes
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "json": to_json}
