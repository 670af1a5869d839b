"""Diff the ``x-rules`` of two specs: added, removed, status, given, expect, operations, wording."""

from __future__ import annotations

from collections import defaultdict

from promo_spec.diff.model import CALLERS, SERVERS, Change, breaks
from promo_spec.loader import Spec
from promo_spec.rules import Expectation, Rule


def _by_id(spec: Spec, ignore: set[str]) -> dict[str, tuple[Rule, tuple[str, ...]]]:
    grouped: dict[str, list[Rule]] = defaultdict(list)
    for rule in spec.rules:
        grouped[rule.id].append(rule)
    found = {}
    for rule_id, rules in grouped.items():
        operations = tuple(r.operation for r in rules if r.operation not in ignore)
        if operations:
            found[rule_id] = (rules[0], operations)
    return found


def _given(rule: Rule) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(rule.given.items())) or "defaults"


def _expect(expectation: Expectation) -> dict[str, str]:
    shown = {"error": expectation.error, "effects": "[" + ", ".join(expectation.effects) + "]"}
    for key in ("error_code", "item_error", "reports", "behaves_as"):
        value = getattr(expectation, key)
        if value is not None:
            shown[key] = str(value)
    return shown


def _expect_delta(before: Expectation, after: Expectation) -> str:
    old, new = _expect(before), _expect(after)
    parts = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            parts.append(f"{key} {old.get(key, '-')} → {new.get(key, '-')}")
    return "; ".join(parts)


def compare_rules(old: Spec, new: Spec, *, ignore_operations: set[str]) -> list[Change]:
    """Return one change per rule difference, each explained by the rules' own text.

    Operations added or removed as a whole carry their rules with them (``ignore_operations``).
    """
    before, after = _by_id(old, ignore_operations), _by_id(new, ignore_operations)
    changes: list[Change] = []

    def add(code: str, rule_id: str, message: str, who: frozenset[str], ops: tuple[str, ...]) -> None:
        changes.append(Change(f"rule-{code}", rule_id, f"rule {rule_id}: {message}", who, operations=ops, rule=True))

    for rule_id, (rule, ops) in after.items():
        if rule_id not in before:
            # An asserted rule is a new promise an old server need not keep; an undocumented one asserts nothing.
            who = breaks(SERVERS) if rule.asserted else frozenset()
            add("added", rule_id, f"added ({rule.status}; given {_given(rule)}): {rule.summary}", who, ops)
    for rule_id, (rule, ops) in before.items():
        if rule_id not in after:
            who = breaks(CALLERS) if rule.asserted else frozenset()
            add("removed", rule_id, f"removed (was {rule.status}): {rule.summary}", who, ops)
    for rule_id in [r for r in before if r in after]:
        (was, was_ops), (now, now_ops) = before[rule_id], after[rule_id]
        if was.status != now.status:
            if was.asserted and not now.asserted:
                who = breaks(CALLERS)  # callers relied on a promise that is gone
            elif now.asserted and not was.asserted:
                who = breaks(SERVERS)  # old servers were free to answer anything
            else:
                who = frozenset()
            add("status-changed", rule_id, f"status {was.status} → {now.status}: {now.summary}", who, now_ops)
        if was.given != now.given:
            add("given-changed", rule_id, f"given {_given(was)} → {_given(now)}: {now.summary}",
                breaks(CALLERS, SERVERS), now_ops)
        if was.expect != now.expect:
            who = breaks(CALLERS, SERVERS) if was.asserted or now.asserted else frozenset()
            add("expect-changed", rule_id, f"expect {_expect_delta(was.expect, now.expect)}: {now.summary}",
                who, now_ops)
        gained = [o for o in now_ops if o not in was_ops]
        lost = [o for o in was_ops if o not in now_ops]
        if gained:
            add("operations-added", rule_id, f"now also applies to {', '.join(gained)}: {now.summary}",
                breaks(SERVERS) if now.asserted else frozenset(), tuple(gained))
        if lost:
            add("operations-removed", rule_id, f"no longer applies to {', '.join(lost)}: {was.summary}",
                breaks(CALLERS) if was.asserted else frozenset(), tuple(lost))
        semantic = was.status != now.status or was.given != now.given or was.expect != now.expect
        if not semantic and (was.summary, was.source, was.note) != (now.summary, now.source, now.note):
            # Rewording alone is reported; with a change of meaning, that change's line quotes the new text.
            fields = [k for k in ("summary", "source", "note") if getattr(was, k) != getattr(now, k)]
            add("text-changed", rule_id, f"{' and '.join(fields)} reworded: {now.summary}", frozenset(), now_ops)
    return changes
