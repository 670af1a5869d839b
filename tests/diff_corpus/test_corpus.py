"""The diff corpus: each pair has one known change; the diff finds it, classifies it, and matches its golden."""

from __future__ import annotations

import json

import pytest

from promo_spec.diff import RENDERERS
from tests.diff_corpus.corpus import Case, cases, golden_path, run

CASES = cases()


def test_corpus_covers_every_kind_of_change() -> None:
    assert len(CASES) >= 20
    codes = {c.code for c in CASES}
    for family in ("operation-", "request-property-", "required-", "type-changed", "enum-value-", "response-",
                   "security-", "rule-added", "rule-removed", "rule-status", "rule-given", "rule-expect"):
        assert any(family in code for code in codes), family


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_known_change_found_and_classified(case: Case) -> None:
    result = run(case)
    assert result.changes, "the known change was not found"
    assert {(c.code, c.breaks) for c in result.changes} == {(case.code, case.breaks)}
    assert bool(result.rule_changes) == case.code.startswith("rule-")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_text_output_matches_golden(case: Case) -> None:
    expected = golden_path(case).read_text(encoding="utf-8")
    assert RENDERERS["text"](run(case)) == expected, "refresh with: python -m tests.diff_corpus.corpus refresh"


@pytest.mark.parametrize("case", CASES[:3] + CASES[-3:], ids=lambda c: c.name)
def test_json_and_markdown_carry_the_same_changes(case: Case) -> None:
    result = run(case)
    data = json.loads(RENDERERS["json"](result))
    assert [c["id"] for c in data["changes"]] == [c.id for c in result.changes]
    assert [c["class"] for c in data["changes"]] == [c.classification for c in result.changes]
    markdown = RENDERERS["markdown"](result)
    for change in result.changes:
        assert f"`{change.id}`" in markdown


def test_identical_specs_have_no_changes() -> None:
    case = CASES[0]
    result = run(Case(case.name, "", "", frozenset(), case.old, case.old))
    assert result.changes == ()
