"""Where the spec lives: ``$PROMO_SPEC`` if set, else ``spec/openapi.yaml`` of this checkout."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO_ROOT / "spec"


def default_spec_path() -> Path:
    """Return the spec every tool reads unless told otherwise."""
    override = os.environ.get("PROMO_SPEC")
    return Path(override) if override else SPEC_DIR / "openapi.yaml"


def vocabulary_path() -> Path:
    """Return the JSON Schema of the ``x-rules`` vocabulary."""
    return SPEC_DIR / "rule-vocabulary.yaml"
