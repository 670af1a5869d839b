"""The generated documentation shows every x-stances mark beside its parameter (spec/README.md, "Stances")."""

from __future__ import annotations

from pathlib import Path

from promo_spec import load_spec

DOCS = Path(__file__).resolve().parents[2] / "generated_clients" / "docs"


def parameter_rows(op_id: str) -> dict[str, str]:
    """The generated page's table rows by parameter name (the parameter table comes first: each name's first row)."""
    rows: dict[str, str] = {}
    for line in (DOCS / f"{op_id}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            rows.setdefault(line.split("|")[1].strip().strip("`"), line)
    return rows


def test_every_marked_request_property_says_it_is_a_stance() -> None:
    spec = load_spec()
    for op in spec.operations.values():
        rows = parameter_rows(op.id)
        for name, node in op.request_schema.get("properties", {}).items():
            for keyword, number in (node.get("x-stances") or {}).items():
                assert f"`{keyword}` is stance {number}" in rows[name], (op.id, name, keyword)
    attach = (DOCS / "attach.md").read_text(encoding="utf-8")
    assert "`enum` is stance 13 (other pages: `email_profile`)" in attach


def test_every_code_parameter_shows_the_code_identity_stance() -> None:
    """x-code-identity (where the docs are silent) is shown beside every parameter that carries a code."""
    spec = load_spec()
    identity = spec.code_identity
    assert identity is not None
    for op in spec.operations.values():
        rows = parameter_rows(op.id)
        for name in ("code", "codes"):
            if name in op.request_schema.get("properties", {}):
                row = rows[name]
                assert f"codes compare `{identity.stance}`" in row, (op.id, row)
                assert all(f"`{r}`" in row for r in identity.other_readings), (op.id, row)
        assert "x-code-identity" not in rows.get("loyalty_id", ""), op.id
