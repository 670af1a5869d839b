"""Golden files of the generator: ``tests/golden/<case>/spec.yaml`` and its full output in ``expected/``.

Refresh after a deliberate change, then review the diff like code::

    python -m tools.golden refresh
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from generator.pipeline import generate_files
from generator.write import replace_output
from promo_spec.locate import REPO_ROOT

GOLDEN_DIR = REPO_ROOT / "tests" / "golden"


def cases() -> list[Path]:
    """Every golden case directory (one holding a spec.yaml), sorted."""
    return sorted(p.parent for p in GOLDEN_DIR.glob("*/spec.yaml"))


def refresh(case: Path) -> int:
    """Regenerate ``case``'s expected output; return the number of files written."""
    files = generate_files(case / "spec.yaml")
    replace_output(files, case / "expected")
    return len(files)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tools.golden refresh``: rewrite every case's expected output."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["refresh"]:
        print("usage: python -m tools.golden refresh", file=sys.stderr)
        return 2
    for case in cases():
        print(f"{case.name}: {refresh(case)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
