"""The CI gate: breaking spec changes fail unless the change file acknowledges them by id."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.cli import main as promo_gen
from promo_spec import SpecError
from promo_spec.diff.gate import gate, report
from promo_spec.locate import SPEC_DIR
from promo_spec.versions import DirectorySource

REMOVED_FORMAT = "request-property-removed:request.format"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SPEC_DIR, root / "spec")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    return root


def _edit(path: Path, edit: object) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _run(repo: Path):  # type: ignore[no-untyped-def]
    return gate("HEAD", head=DirectorySource(repo / "spec"), repo=repo)


def _drop_format(document: dict) -> None:  # type: ignore[type-arg]
    del document["components"]["schemas"]["ProgramRequest"]["properties"]["format"]


def test_unchanged_passes(repo: Path) -> None:
    result = _run(repo)
    assert result.passed
    assert [(d.old, d.new) for d in result.compared] == [("72@HEAD", "72"), ("74@HEAD", "74")]


def test_unacknowledged_break_of_the_base_fails_in_every_version(repo: Path) -> None:
    _edit(repo / "spec" / "openapi.yaml", _drop_format)
    result = _run(repo)
    assert not result.passed
    assert [(v, c.id) for v, c in result.unacknowledged] == [("72", REMOVED_FORMAT), ("74", REMOVED_FORMAT)]
    text = report(result)
    assert "BLOCKED: v72: [breaking for callers]" in text
    assert "x-acknowledged-breaking" in text and text.endswith("gate: failed\n")


@pytest.mark.parametrize("pattern", [REMOVED_FORMAT, "request-property-removed:*"])
def test_acknowledged_break_passes(repo: Path, pattern: str) -> None:
    def edit(document: dict) -> None:  # type: ignore[type-arg]
        _drop_format(document)
        document["info"]["x-acknowledged-breaking"] = [pattern]

    _edit(repo / "spec" / "openapi.yaml", edit)
    assert _run(repo).passed


def test_acknowledgement_of_another_change_does_not_count(repo: Path) -> None:
    def edit(document: dict) -> None:  # type: ignore[type-arg]
        _drop_format(document)
        document["info"]["x-acknowledged-breaking"] = ["request-property-removed:request.code"]

    _edit(repo / "spec" / "openapi.yaml", edit)
    assert not _run(repo).passed


def test_compatible_change_passes(repo: Path) -> None:
    def edit(document: dict) -> None:  # type: ignore[type-arg]
        document["components"]["schemas"]["ExportItem"]["properties"]["note"] = {"type": "string"}

    _edit(repo / "spec" / "openapi.yaml", edit)
    result = _run(repo)
    assert result.passed and [len(d.changes) for d in result.compared] == [1, 1]


def _v75(acknowledged: list[str]) -> dict:  # type: ignore[type-arg]
    return {
        "overlay": "1.0.0",
        "info": {"title": "v75", "version": "75", "x-acknowledged-breaking": acknowledged},
        "actions": [
            {"target": "$.info", "update": {"version": "75"}},
            {"target": "$.components.schemas.ProgramRequest.properties.format", "remove": True},
        ],
    }


def test_new_version_is_compared_with_the_one_before(repo: Path) -> None:
    (repo / "spec" / "versions" / "75.overlay.yaml").write_text(yaml.safe_dump(_v75([])))
    result = _run(repo)
    assert [(d.old, d.new) for d in result.compared][-1] == ("74", "75")
    assert [(v, c.id) for v, c in result.unacknowledged] == [("75", REMOVED_FORMAT)]
    (repo / "spec" / "versions" / "75.overlay.yaml").write_text(yaml.safe_dump(_v75([REMOVED_FORMAT])))
    assert _run(repo).passed


def test_removed_version_fails(repo: Path) -> None:
    (repo / "spec" / "versions" / "74.overlay.yaml").unlink()
    result = _run(repo)
    assert result.problems == ("version 74 was removed",)
    assert not result.passed


def test_malformed_acknowledgement_is_located(repo: Path) -> None:
    def edit(document: dict) -> None:  # type: ignore[type-arg]
        _drop_format(document)
        document["info"]["x-acknowledged-breaking"] = "request-property-removed:*"

    _edit(repo / "spec" / "openapi.yaml", edit)
    with pytest.raises(SpecError) as caught:
        _run(repo)
    assert caught.value.pointer == "/info/x-acknowledged-breaking"


def test_gate_cli_on_this_repository(capsys: pytest.CaptureFixture[str]) -> None:
    code = promo_gen(["gate", "--base", "HEAD"])
    out = capsys.readouterr().out
    assert "72@HEAD → 72" in out and "74@HEAD → 74" in out
    assert out.endswith("gate: passed\n" if code == 0 else "gate: failed\n")
    assert promo_gen(["gate", "--base", "no-such-revision"]) == 1
    assert "git cannot read it" in capsys.readouterr().err


def test_v74_acknowledges_exactly_its_breaking_changes() -> None:
    from promo_spec.diff import diff_specs, load_side
    from promo_spec.diff.gate import acknowledged

    result = diff_specs(load_side("72"), load_side("74"), old_label="72", new_label="74")
    base = set(acknowledged("72", DirectorySource()))  # the base file's own edits, acknowledged in its info
    listed = [pattern for pattern in acknowledged("74", DirectorySource()) if pattern not in base]
    assert sorted(c.id for c in result.breaking) == sorted(listed)


def test_workflow_runs_the_gate_on_spec_pull_requests() -> None:
    from promo_spec.locate import REPO_ROOT

    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "spec-gate.yml").read_text(encoding="utf-8"))
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert triggers["pull_request"]["paths"] == ["spec/**"]
    steps = workflow["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any(step.get("run", "").startswith("make gate BASE=origin/") for step in steps)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "promo-gen gate --base $(BASE)" in makefile


@pytest.mark.parametrize(("fail_on", "passes"), [("breaking", False), ("callers", False), ("servers", True)])
def test_fail_on_picks_the_audience_whose_breaks_must_be_acknowledged(repo: Path, fail_on: str, passes: bool) -> None:
    _edit(repo / "spec" / "openapi.yaml", _drop_format)  # a removed request property breaks callers only
    result = gate("HEAD", head=DirectorySource(repo / "spec"), repo=repo, fail_on=fail_on)
    assert result.passed is passes
    assert report(result).endswith("gate: passed\n" if passes else "gate: failed\n")
