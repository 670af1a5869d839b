"""Bad input stops the build with one message naming the file, and leaves the previous site as it was."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contract_tests.harness import ROOT
from docsite.cli import main
from docsite.errors import DocsiteError
from docsite.markdown import MarkdownPages


@pytest.fixture
def previous_site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous build", encoding="utf-8")
    return out


def _untouched(out: Path) -> None:
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous build"
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".site")) == []  # no temporary left


def test_a_corrupt_report_is_named_and_nothing_is_written(
    tmp_path: Path, previous_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "artifacts" / "job-1"
    reports.mkdir(parents=True)
    (reports / "contract-report.json").write_text('{"run": {"id": ', encoding="utf-8")
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path / "artifacts"), "--no-search"]) == 2
    assert f"{reports / 'contract-report.json'}: not a readable contract report" in capsys.readouterr().err
    _untouched(previous_site)


def test_a_report_missing_its_verdicts_fields_is_named(
    tmp_path: Path, previous_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "contract-report.json").write_text(json.dumps({"run": {"id": "x"}, "rules": {}}), encoding="utf-8")
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path), "--no-search"]) == 2
    assert "the run or rules section is not as the suite writes it" in capsys.readouterr().err
    _untouched(previous_site)


def test_a_missing_reports_directory_and_a_bad_history_are_named(
    tmp_path: Path, previous_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "contract-history.jsonl").write_text("not json\n", encoding="utf-8")
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path / "h"), "--no-search"]) == 2
    assert "contract-history.jsonl:1: not a history line" in capsys.readouterr().err
    _untouched(previous_site)


def test_a_report_of_before_the_verdicts_is_left_out_with_a_note(
    tmp_path: Path, previous_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "contract-report.json").write_text(json.dumps({"target": "old", "outcome": {}}), encoding="utf-8")
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path), "--no-search"]) == 0
    assert "written before rule verdicts were recorded" in capsys.readouterr().err
    assert "the previous build" not in (previous_site / "index.html").read_text(encoding="utf-8")
    assert (previous_site / "rules" / "attach.code-free.html").is_file()
    assert "written before rule verdicts" in (previous_site / "index.html").read_text(encoding="utf-8")


def test_links_to_files_the_site_does_not_show_keep_their_text_only(tmp_path: Path) -> None:
    source = tmp_path / "docs" / "page.md"
    source.parent.mkdir()
    shutil.copy(ROOT / "generated_clients" / "docs" / "index.md", tmp_path / "docs" / "index.md")
    source.write_text(
        "# Page\n\nSee [the client](../python/README.md), [the index](index.md#quick-start), "
        "[the web](https://example.org/) and rule `attach.code-free`.\n",
        encoding="utf-8",
    )
    pages = MarkdownPages(
        {source: "v72/page.html", tmp_path / "docs" / "index.md": "v72/index.html"},
        {"attach.code-free": "rules/attach.code-free.html"},
    )
    html = pages.render(source, "v72/page.html").html
    assert "the client" in html and "README" not in html
    assert '<a href="index.html#quick-start">the index</a>' in html
    assert '<a href="https://example.org/">the web</a>' in html
    assert '<a href="../rules/attach.code-free.html" class="rule-link"><code>attach.code-free</code></a>' in html
    index = pages.render(tmp_path / "docs" / "index.md", "v72/index.html").html
    assert 'id="quick-start"' in index


def test_a_failure_half_way_leaves_the_previous_site_and_no_temporary(
    tmp_path: Path, previous_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_index(directory: Path) -> None:
        assert (directory / "matrix.html").is_file()  # every page was written, into the temporary directory
        raise DocsiteError("pagefind failed (exit 1): out of disk")

    monkeypatch.setattr("docsite.build.index_site", broken_index)
    assert main(["build", "--out", str(previous_site), "--reports", str(tmp_path / "none-here")]) == 2
    assert main(["build", "--out", str(previous_site)]) == 2
    assert "pagefind failed" in capsys.readouterr().err
    _untouched(previous_site)


def test_the_site_imports_neither_pytest_nor_the_suites_wiring() -> None:
    probe = (
        "import sys, docsite.cli, docsite.build, docsite.serve; "
        "roots = ('pytest', '_pytest', 'contract_tests', 'hypothesis'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['contract_tests', 'contract_tests.history']"
