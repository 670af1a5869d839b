"""Stage 4: put rendered files on disk atomically: all of them, or none (the old output stays)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_tree(files: Mapping[str, str], root: Path) -> None:
    """Write ``files`` (relative posix path → text) under ``root``: ``\\n`` line ends, UTF-8."""
    for rel, text in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)


def replace_output(files: Mapping[str, str], out: Path) -> None:
    """Write ``files`` into a sibling temporary directory, then swap it in place of ``out``."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        write_tree(files, staging)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / out.name)
        try:
            os.rename(staging, out)
        except OSError:
            if old is not None:  # put the previous output back before reporting
                os.rename(old / out.name, out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
