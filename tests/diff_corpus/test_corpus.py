"""The diff corpus: each pair has one known change; the diff finds it, classifies it, and matches its golden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.cli import main as promo_gen
from promo_spec.diff import RENDERERS
from promo_spec.diff.model import AUDIENCES, FAIL_ON, tripping
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


def _expected_trip(case: Case, fail_on: str) -> bool:
    """What the case file declares (its ``expect``), not what the diff computed."""
    if fail_on == "breaking":
        return bool(case.breaks)
    if fail_on in AUDIENCES:
        return fail_on in case.breaks
    if fail_on == "rules":
        return case.code.startswith("rule-")
    return True  # any: every case makes one change


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_each_fail_on_selector_trips_exactly_on_the_cases_it_names(fail_on: str) -> None:
    tripped = {case.name for case in CASES if tripping(run(case), fail_on)}
    assert tripped == {case.name for case in CASES if _expected_trip(case, fail_on)}


def test_callers_and_servers_split_the_breaking_cases() -> None:
    results = {c.name: run(c) for c in CASES}
    callers = {name for name, result in results.items() if tripping(result, "callers")}
    servers = {name for name, result in results.items() if tripping(result, "servers")}
    breaking = {name for name, result in results.items() if tripping(result, "breaking")}
    assert callers | servers == breaking
    assert callers != breaking and servers != breaking  # each audience is spared some changes


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_fail_on_exit_codes_on_corpus_files(
    fail_on: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``promo-gen diff OLD NEW --fail-on X`` on files, as users pass them: 1 on a case X names, else 0."""
    tripping_case = next(c for c in CASES if _expected_trip(c, fail_on))
    spared = [c for c in CASES if not _expected_trip(c, fail_on)][:1]  # "any" spares no case
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(CASES[0].old), encoding="utf-8")
    for case in [tripping_case, *spared]:
        assert case.old == CASES[0].old  # every case is an overlay on the one base
        new = tmp_path / f"{case.name}.yaml"
        new.write_text(yaml.safe_dump(case.new), encoding="utf-8")
        code = promo_gen(["diff", str(base), str(new), "--fail-on", fail_on])
        assert code == int(case is tripping_case), case.name
        assert (f"--fail-on {fail_on}:" in capsys.readouterr().err) == bool(code), case.name


def _sections(text: str, headings: tuple[str, ...]) -> dict[str, str]:
    """The text under each heading line (up to the next heading)."""
    found: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line in headings:
            current = line
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_text_and_markdown_group_changes_by_audience(case: Case) -> None:
    result = run(case)
    text = _sections(RENDERERS["text"](result), ("Breaking for callers:", "Breaking for servers:", "Compatible:"))
    markdown = _sections(
        RENDERERS["markdown"](result), ("### Breaking for callers", "### Breaking for servers", "### Compatible")
    )
    for change in result.changes:
        wanted = {
            "callers": "callers" in change.breaks,
            "servers": "servers" in change.breaks,
            "compatible": not change.breaks,
        }
        for audience, present in wanted.items():
            title = "Compatible" if audience == "compatible" else f"Breaking for {audience}"
            assert (f"({change.id})" in text.get(title + ":", "")) == present, (title, change.id)
            assert (f"`{change.id}`" in markdown[f"### {title}"]) == present, (title, change.id)
    assert set(markdown) == {"### Breaking for callers", "### Breaking for servers", "### Compatible"}
