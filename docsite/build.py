"""``promo-docs build``: the whole site into a temporary directory, indexed for search, then moved into place."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from contract_tests import history
from docsite.badges import badge, worst
from docsite.errors import DocsiteError
from docsite.inputs import Inputs, VersionDocs, read_inputs
from docsite.markdown import MarkdownPages, site_href
from docsite.matrix import Answer, Matrix, asserted_rules, build_matrix, matrix_json
from docsite.render import environment
from docsite.rules import rule_pages
from docsite.search import index_site

CHANGELOG = "changelog.md"


@dataclass
class Built:
    """What a build wrote."""

    out: Path
    pages: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()


def slug(text: str) -> str:
    """A file name for a target label (``embedded mock`` -> ``embedded-mock``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "target"


@dataclass(frozen=True)
class SwitchItem:
    """One entry of the version switcher."""

    version: str
    href: str
    current: bool


class SiteWriter:
    """Writes pages into one directory; every page gets the site's navigation and a relative-link helper."""

    def __init__(self, directory: Path, inputs: Inputs, latest_run: str) -> None:
        self.directory = directory
        self.env = environment()
        self.common: dict[str, Any] = {"versions": inputs.versions, "latest_run": latest_run}
        self.pages: list[str] = []

    def page(self, path: str, template: str, **context: Any) -> None:
        """Render ``template`` to the site path ``path``."""
        to: Callable[[str], str] = lambda target: site_href(path, target)  # noqa: E731
        html = self.env.get_template(template).render(
            **self.common, **{"switcher": None, "indexed": True, **context}, to=to, here=path
        )
        self.file(path, html)
        self.pages.append(path)

    def file(self, path: str, text: str) -> None:
        """Write a text file at the site path ``path``."""
        target = self.directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def build(root: Path, out: Path, report_dirs: list[Path], *, search: bool = True) -> Built:
    """Build the site of ``root``'s spec, generated docs and reports into ``out`` (replaced only when done)."""
    inputs = read_inputs(root, report_dirs)
    matrix = build_matrix(inputs.versions, inputs.reports)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        latest = max((r.date for r in inputs.reports), default="")
        writer = SiteWriter(work, inputs, latest)
        _write_all(writer, inputs, matrix)
        if search:
            index_site(work)
        _swap(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Built(out, writer.pages, inputs.warnings)


def _swap(work: Path, out: Path) -> None:
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        if not out.is_dir():
            raise DocsiteError(f"{out} exists and is not a directory: choose another --out")
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _markdown_pages(versions: tuple[VersionDocs, ...]) -> dict[Path, str]:
    pages: dict[Path, str] = {}
    for docs in versions:
        for source in sorted(docs.docs_dir.glob("*.md")):
            if source.name == CHANGELOG:
                pages[source] = "changelog.html"
            else:
                pages[source] = f"{docs.slug}/{source.stem}.html"
    return pages


def _same_or_index(docs: VersionDocs, source: Path) -> str:
    """The version switcher's target: the same page in ``docs``, else its index."""
    return source.stem if (docs.docs_dir / source.name).is_file() else "index"


def _write_all(writer: SiteWriter, inputs: Inputs, matrix: Matrix) -> None:
    versions = inputs.versions
    by_version = {d.version: d for d in versions}
    rules = rule_pages(versions, matrix, inputs.reports, inputs.history)
    rule_paths = {page.id: f"rules/{page.id}.html" for page in rules}
    markdown = MarkdownPages(_markdown_pages(versions), rule_paths)
    answers: dict[tuple[str, str], Answer] = {
        (t, v): matrix.answer(t, v, asserted_rules(by_version[v]))
        for t in matrix.targets
        for v in matrix.versions
        if v in by_version
    }
    for docs in versions:
        sources = {p.stem: p for p in docs.docs_dir.glob("*.md") if p.name != CHANGELOG}
        for stem, source in sorted(sources.items()):
            path = f"{docs.slug}/{stem}.html"
            switcher = [
                SwitchItem(
                    other.version,
                    site_href(path, f"{other.slug}/{_same_or_index(other, source)}.html"),
                    other.version == docs.version,
                )
                for other in versions
            ]
            rendered = markdown.render(source, path)
            context: dict[str, Any] = {"version": docs, "switcher": switcher, "body": rendered.html}
            if stem in docs.spec.operations:
                operation = docs.spec.operation(stem)
                op_rules = list(dict.fromkeys(r.id for r in docs.spec.rules if r.operation == stem))
                context["schemas"] = [
                    ("Request", json.dumps(operation.request_schema, indent=2, ensure_ascii=False)),
                    ("Response", json.dumps(operation.response_schema, indent=2, ensure_ascii=False)),
                ]
                context["answers"] = []
            else:
                op_rules = list(dict.fromkeys(r.id for r in docs.spec.rules))
                context["schemas"] = []
                context["answers"] = [a for (_, v), a in answers.items() if v == docs.version]
            context["targets"] = matrix.targets
            context["verdicts"] = (
                [(rule, [matrix.cell(rule, t, docs.version) for t in matrix.targets]) for rule in op_rules]
                if matrix.targets
                else []
            )
            writer.page(path, "markdown_page.html.jinja", title=f"{rendered.title} · v{docs.version}", **context)
    changelog = versions[0].docs_dir / CHANGELOG
    if changelog.is_file():
        rendered = markdown.render(changelog, "changelog.html")
        writer.page(
            "changelog.html",
            "markdown_page.html.jinja",
            title=rendered.title,
            body=rendered.html,
            verdicts=[],
            answers=[],
            schemas=[],
            targets=(),
            version=versions[-1],
        )
    for page in rules:
        writer.page(rule_paths[page.id], "rule.html.jinja", title=f"Rule {page.id}", page=page)
        writer.file(f"badges/rule/{page.id}.svg", badge(page.id, page.overall, page.overall))
    writer.page("rules/index.html", "rules_index.html.jinja", title="Rules", pages=rules)
    target_badges = {}
    for target in matrix.targets:
        mine = [a for (t, _), a in answers.items() if t == target]
        for a in mine:
            name = f"badges/target/{slug(target)}-v{a.api_version}.svg"
            writer.file(name, badge(f"{target} serves v{a.api_version}", a.answer, a.answer))
            target_badges[(target, a.api_version)] = name
        overall = worst([r.verdict for (t, _), run in matrix.latest.items() if t == target for r in run.rules.values()])
        writer.file(f"badges/target/{slug(target)}.svg", badge(target, overall, overall))
    columns = [(t, v) for t in matrix.targets for v in matrix.versions if (t, v) in matrix.latest]
    rows = [
        (
            rule,
            [
                None
                if v not in matrix.rule_versions[rule]
                else (cell.verdict if (cell := matrix.cell(rule, t, v)) is not None else "no run")
                for t, v in columns
            ],
        )
        for rule in matrix.rules
    ]
    writer.page(
        "matrix.html",
        "matrix.html.jinja",
        title="Matrix",
        answers=list(answers.values()),
        columns=columns,
        rows=rows,
        target_badges=target_badges,
    )
    writer.file("matrix.json", json.dumps(matrix_json(matrix, versions), indent=2, ensure_ascii=False) + "\n")
    history.write(writer.directory / "history.jsonl", inputs.history)
    rule_counts = {d.version: len({r.id for r in d.spec.rules}) for d in versions}
    identity = {key: run.identity for key, run in matrix.latest.items() if run.identity}
    writer.page(
        "index.html",
        "home.html.jinja",
        title="Home",
        matrix=matrix,
        answers=answers,
        identity=identity,
        identity_stances=[(d.version, d.spec.code_identity) for d in versions if d.spec.code_identity is not None],
        rule_counts=rule_counts,
        warnings=inputs.warnings,
        indexed=False,
    )
    writer.page("search.html", "search.html.jinja", title="Search", indexed=False)
    style = resources.files("docsite").joinpath("assets/style.css").read_text(encoding="utf-8")
    writer.file("assets/style.css", style)
