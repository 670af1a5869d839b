"""``promo-gen diff``: versions, files and git revisions as inputs; text, Markdown, JSON; ``--fail-on``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.cli import main as promo_gen
from promo_spec.versions import resolve


def test_v72_to_v74_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["diff", "72", "74"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("72 → 74: 8 changes: 0 breaking for callers, 5 breaking for servers, 3 compatible; 6 rule")
    every = "import, get, activate, update, attach, detach, export_all"
    assert f"[BREAKING servers] {every}: security: accepts bearerAuth" in out
    assert "rule auth.header-token: added (documented; given header_token: valid, token: missing)" in out
    assert "rule auth.token-missing: summary and source reworded" in out


def test_json_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["diff", "72", "74", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    classes = {c["id"]: c["class"] for c in data["changes"]}
    assert classes["request-required-removed:request.token"] == "breaking-servers"
    assert classes["rule-added:auth.header-wrong-body-valid"] == "compatible"
    assert promo_gen(["diff", "72", "74", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("## 72 → 74") and "| breaking for servers |" in markdown
    assert "### Breaking for callers\n\nNone.\n" in markdown and "### Breaking for servers\n\n| class |" in markdown


@pytest.mark.parametrize(
    "old,new,fail_on,code",
    [("72", "74", "breaking", 1), ("72", "74", "rules", 1), ("72", "74", "any", 1), ("74", "74", "any", 0),
     ("72", "74", None, 0), ("72", "74", "servers", 1), ("72", "74", "callers", 0), ("74", "72", "callers", 1)],
)
def test_fail_on(old: str, new: str, fail_on: str | None, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["diff", old, new, *(["--fail-on", fail_on] if fail_on else [])]) == code


def test_fail_on_rules_ignores_schema_only_changes(tmp_path: Path) -> None:
    document = resolve("72").document
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(document))
    document["components"]["schemas"]["Format"]["enum"].append("csv")
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(document))
    old, new = str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")
    assert promo_gen(["diff", old, new, "--fail-on", "rules"]) == 0
    assert promo_gen(["diff", old, new, "--fail-on", "breaking"]) == 1


def test_file_at_git_revisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    document = resolve("72").document
    Path("api.yaml").write_text(yaml.safe_dump(document))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "api.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    document["paths"]["/api/v1.1/promocodes/get"]["post"]["x-rules"].pop(0)
    Path("api.yaml").write_text(yaml.safe_dump(document))
    subprocess.run([*git, "commit", "-qam", "two"], check=True)
    assert promo_gen(["diff", "api.yaml@HEAD~1", "api.yaml@HEAD", "--fail-on", "rules"]) == 1
    assert "rule get.code-free: removed (was documented)" in capsys.readouterr().out
    assert promo_gen(["diff", "api.yaml@HEAD", "api.yaml"]) == 0


@pytest.mark.parametrize(
    "argument,words",
    [
        ("no/such.yaml", "cannot read it"),
        ("73", "unknown API version '73'; known: 72, 74"),
        ("spec/versions/74.overlay.yaml", "an overlay alone is not a description"),
    ],
)
def test_bad_side_is_named(argument: str, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["diff", "72", argument]) == 1
    err = capsys.readouterr().err
    assert argument in err and words in err


def test_unknown_version_at_revision(capsys: pytest.CaptureFixture[str]) -> None:
    assert promo_gen(["diff", "99@HEAD", "74"]) == 1
    assert "unknown API version '99' at HEAD; known: 72, 74" in capsys.readouterr().err
