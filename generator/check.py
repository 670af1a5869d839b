"""Drift check: compare a fresh render with the committed output; a unified diff names every difference."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

# Caches and build leftovers that tools leave beside the generated sources (``pip install
# ./generated_clients/python`` writes build/ and *.egg-info/ there); they are not output.
IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules", "build"})


def on_disk(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative posix path → bytes), caches left out."""
    if not root.is_dir():
        return {}
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        ignored = IGNORED_PARTS & set(rel.parts) or any(part.endswith(".egg-info") for part in rel.parts)
        if path.is_file() and not ignored and path.suffix != ".pyc":
            found[rel.as_posix()] = path.read_bytes()
    return found


def diff(expected: Mapping[str, str], root: Path) -> str:
    """A unified diff from the files under ``root`` to ``expected``; ``""`` when they are identical."""
    actual = on_disk(root)
    chunks: list[str] = []
    for rel in sorted(set(expected) | set(actual)):
        want = expected[rel].encode("utf-8") if rel in expected else None
        have = actual.get(rel)
        if want == have:
            continue
        old = _lines(have)
        new = _lines(want)
        chunks.append(
            "".join(
                difflib.unified_diff(
                    old,
                    new,
                    fromfile=f"a/{rel}" if have is not None else "/dev/null",
                    tofile=f"b/{rel}" if want is not None else "/dev/null",
                )
            )
        )
    return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
