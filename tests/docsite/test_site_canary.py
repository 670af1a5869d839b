"""The token never reaches the site nor the history: both runs behind the site used a canary token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.docsite.conftest import CANARY


def test_canary_token_is_in_no_page_and_no_history(site: Path, runs: tuple[Path, dict[str, Any]]) -> None:
    reports, done = runs
    files = [p for p in [*site.rglob("*"), *reports.rglob("*")] if p.is_file() and "pagefind" not in p.parts]
    histories = [p for p in files if p.name.endswith(".jsonl")]
    assert len(histories) == 3, histories  # one per run, and the site's merged copy
    assert sum(1 for p in files if p.suffix == ".html") > 60
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    texts += [proc.stdout + proc.stderr for proc in done.values()]
    assert any("***" in t for t in texts), "the evidence should show the token, masked"
    for secret in (CANARY, CANARY[:-1]):  # the token, and a near miss the wrong-token rules send
        leaks = [t[max(0, t.find(secret) - 200) : t.find(secret) + 50] for t in texts if secret in t]
        assert not leaks, f"the canary token leaked: {leaks[:2]}"


def test_canary_token_is_not_in_the_search_index(site: Path) -> None:
    index = [p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()]
    assert index
    # the index files are compressed: the pages they index are checked above; here the fragments' plain parts
    assert not any(CANARY.encode() in blob for blob in index)
