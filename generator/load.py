"""Stage 1: load and validate the spec (promo_spec does both); the generator adds nothing here."""

from __future__ import annotations

from pathlib import Path

from promo_spec import Spec, load_spec


def load(path: Path | None) -> Spec:
    """Return the validated spec at ``path`` (the project spec when None); SpecError when it is unusable."""
    return load_spec(path)
