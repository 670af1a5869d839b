"""What the site is built from: every API version's spec and generated docs, the contract reports, the history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contract_tests import history
from docsite.errors import DocsiteError
from docsite.runs import RunReport, read_report
from promo_spec import Spec, SpecError, load_spec
from promo_spec.versions import known_versions

REPORT_FILE = "contract-report.json"
HISTORY_FILE = "contract-history.jsonl"


@dataclass(frozen=True)
class VersionDocs:
    """One API version: its spec and the directory of its generated Markdown pages."""

    version: str
    spec: Spec
    docs_dir: Path

    @property
    def slug(self) -> str:
        """The version's directory in the site: ``v72``."""
        return f"v{self.version}"


@dataclass(frozen=True)
class Inputs:
    """Everything one build reads."""

    versions: tuple[VersionDocs, ...]  # oldest first
    reports: tuple[RunReport, ...]
    history: tuple[history.Streak, ...]
    warnings: tuple[str, ...]


def docs_dir(root: Path, index: int, version: str) -> Path:
    """Where ``promo-gen generate`` writes a version's docs: the oldest in ``generated_clients/docs``."""
    return root / "generated_clients" / ("" if index == 0 else f"v{version}") / "docs"


def read_versions(root: Path) -> tuple[VersionDocs, ...]:
    """Every version ``spec/`` describes, with its generated docs (DocsiteError when they are missing)."""
    found = []
    try:
        for index, version in enumerate(known_versions()):
            directory = docs_dir(root, index, version)
            if not (directory / "index.md").is_file():
                raise DocsiteError(f"{directory}/index.md is missing: run `make gen` (promo-gen generate) first")
            spec = load_spec() if index == 0 else load_spec(api_version=version)  # the base file: read it once
            found.append(VersionDocs(version, spec, directory))
    except SpecError as exc:
        raise DocsiteError(f"the spec does not load: {exc}") from None
    return tuple(found)


def read_inputs(root: Path, report_dirs: list[Path]) -> Inputs:
    """The versions, every ``contract-report.json`` and ``contract-history.jsonl`` under ``report_dirs``."""
    reports: list[RunReport] = []
    streaks: list[history.Streak] = []
    warnings: list[str] = []
    for directory in report_dirs:
        if not directory.exists():
            if directory != root / "reports":
                raise DocsiteError(f"--reports {directory}: no such directory")
            continue
        for path in sorted(directory.rglob(REPORT_FILE)):
            report = read_report(path)
            if report is None:
                warnings.append(f"{path}: written before rule verdicts were recorded; run the suite again to show it")
            else:
                reports.append(report)
        for path in sorted(directory.rglob(HISTORY_FILE)):
            try:
                streaks += history.read(path)
            except history.HistoryError as exc:
                raise DocsiteError(str(exc)) from None
    return Inputs(read_versions(root), tuple(reports), tuple(history.compact(streaks)), tuple(warnings))
