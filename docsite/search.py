"""The offline search index: Pagefind (the binary shipped in the pagefind-bin wheel) over the built pages."""

from __future__ import annotations

import subprocess
from pathlib import Path

from docsite.errors import DocsiteError

# rule ids (attach.code-free) and parameter names (loyalty_id) are words of their own
WORD_CHARACTERS = "._-"


def index_site(directory: Path) -> None:
    """Write ``directory/pagefind/``: the index, and the search UI the search page loads (no CDN)."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise DocsiteError("pagefind-bin is not installed: run `make setup` (or pip install pagefind-bin)") from None
    command = [
        str(get_executable()),
        "--site",
        str(directory),
        "--output-subdir",
        "pagefind",
        "--include-characters",
        WORD_CHARACTERS,
        "--silent",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0 or not (directory / "pagefind" / "pagefind-ui.js").is_file():
        raise DocsiteError(f"pagefind failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
