"""The generated documentation shows every x-stances mark beside its parameter (spec/README.md, "Stances")."""

from __future__ import annotations

from pathlib import Path

from promo_spec import load_spec

DOCS = Path(__file__).resolve().parents[2] / "generated_clients" / "docs"


def test_every_marked_request_property_says_it_is_a_stance() -> None:
    spec = load_spec()
    for op in spec.operations.values():
        page = (DOCS / f"{op.id}.md").read_text(encoding="utf-8")
        rows: dict[str, str] = {}  # the parameter table comes first: each name's first row
        for line in page.splitlines():
            if line.startswith("| `"):
                rows.setdefault(line.split("|")[1].strip().strip("`"), line)
        for name, node in op.request_schema.get("properties", {}).items():
            for keyword, number in (node.get("x-stances") or {}).items():
                assert f"`{keyword}` is stance {number}" in rows[name], (op.id, name, keyword)
    attach = (DOCS / "attach.md").read_text(encoding="utf-8")
    assert "`enum` is stance 13 (other pages: `email_profile`)" in attach
