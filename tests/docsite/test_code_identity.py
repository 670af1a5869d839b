"""The home page shows the spec's stance on code identity (x-code-identity) and the reading each target's latest
run fits, as the suite's report words it."""

from __future__ import annotations

import html
import json
from pathlib import Path

from contract_tests.harness import ROOT
from contract_tests.masking import Masker
from contract_tests.report import Report
from docsite.build import build
from docsite.runs import read_report
from promo_spec import load_spec


def _report(directory: Path, target: str, date: str, seen: list[tuple[str, ...]]) -> str:
    """A report of ``target`` whose histories fit ``seen``; returns the reading the report shows."""
    report = Report(target=target, prefix="ct-", seed="1", profile="default", mask=Masker(["t"]))
    for readings in seen:
        report.identity_seen("model state machine", readings)
    shown = str(report.code_identity()["shown"])
    directory.mkdir(parents=True)
    run = {"id": f"{target}-{date}", "date": date, "target": target, "api_version": "72"}
    data = {"run": run, "rules": {}, "outcome": {"passed": 1}, "code_identity": report.code_identity()}
    (directory / "contract-report.json").write_text(json.dumps(data), encoding="utf-8")
    return shown


def test_the_home_page_shows_the_stance_and_each_targets_reading(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folded = _report(reports / "a", "folding staging", "2000-01-01T00:00:00Z", [("case-insensitive", "exact"), ()])
    folded_later = _report(
        reports / "b", "folding staging", "2000-01-02T00:00:00Z", [("case-insensitive", "case-insensitive-trimmed")]
    )
    exact = _report(reports / "c", "exact mock", "2000-01-01T00:00:00Z", [("exact",)])
    undecided = _report(reports / "d", "quiet server", "2000-01-01T00:00:00Z", [()])
    assert len({folded, folded_later, exact, undecided}) == 4
    out = tmp_path / "site"
    build(ROOT, out, [reports], search=False)
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    section = page[page.index('id="code-identity"') :]
    mark = load_spec().code_identity
    assert mark is not None
    assert f"the spec's stance is {mark.stance}" in section.replace("<strong>", "").replace("</strong>", "")
    assert ", ".join(mark.other_readings) in section
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1]: row for row in section.split("<tr>")[2:]}
    assert f"<td>{folded_later}</td>" in rows["folding staging"], "the latest run of a target is shown"
    assert f"<td>{exact}</td>" in rows["exact mock"]
    assert f"<td>{undecided}</td>" in rows["quiet server"]


def test_a_report_without_the_section_reads_as_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "contract-report.json"
    run = {"id": "r", "date": "2000-01-01T00:00:00Z", "target": "t", "api_version": "72"}
    path.write_text(json.dumps({"run": run, "rules": {}}), encoding="utf-8")
    report = read_report(path)
    assert report is not None and report.identity == ""
