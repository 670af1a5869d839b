"""The diff corpus: ``base.yaml`` (v72 frozen) and one case per file, an Overlay making exactly one known change.

``python -m tests.diff_corpus.corpus refresh`` rewrites the golden outputs (review ``git diff``);
``python -m tests.diff_corpus.corpus materialize DIR`` writes ``DIR/<case>/{old,new}.yaml`` for other diff tools.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from promo_spec.diff import RENDERERS, DiffResult, diff_specs
from promo_spec.document import load_document
from promo_spec.loader import Spec, spec_of_document
from promo_spec.overlay import apply_overlay

HERE = Path(__file__).resolve().parent
BASE = HERE / "base.yaml"
GOLDEN = HERE / "golden"


@dataclass(frozen=True)
class Case:
    """One corpus pair: the base and the base with the case's overlay applied."""

    name: str
    description: str
    code: str
    breaks: frozenset[str]
    old: dict[str, Any]
    new: dict[str, Any]


def cases() -> list[Case]:
    """Every case, by file name."""
    base = load_document(BASE)
    found = []
    for path in sorted((HERE / "cases").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        new = apply_overlay(base, raw["overlay"], path=str(path))
        found.append(Case(path.stem, raw["description"], raw["expect"]["code"], frozenset(raw["expect"]["breaks"]),
                          base, new))
    return found


def load(case: Case) -> tuple[Spec, Spec]:
    """Both sides validated as specs."""
    return spec_of_document(case.old, BASE), spec_of_document(case.new, Path(f"{case.name}.yaml"))


def run(case: Case) -> DiffResult:
    """Our diff of the case."""
    old, new = load(case)
    return diff_specs(old, new, old_label="base", new_label=case.name)


def golden_path(case: Case) -> Path:
    """Where the case's expected text output lives."""
    return GOLDEN / f"{case.name}.txt"


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str]) -> int:
    """``refresh`` or ``materialize DIR``."""
    if argv[:1] == ["refresh"]:
        GOLDEN.mkdir(exist_ok=True)
        for case in cases():
            golden_path(case).write_text(RENDERERS["text"](run(case)), encoding="utf-8")
        print(f"wrote {GOLDEN}")
        return 0
    if argv[:1] == ["materialize"] and len(argv) == 2:
        out = Path(argv[1])
        for case in cases():
            (out / case.name).mkdir(parents=True, exist_ok=True)
            (out / case.name / "old.yaml").write_text(_dump(case.old), encoding="utf-8")
            (out / case.name / "new.yaml").write_text(_dump(case.new), encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
        return 0
    print("usage: python -m tests.diff_corpus.corpus refresh | materialize DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
