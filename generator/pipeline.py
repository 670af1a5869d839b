"""The whole pipeline in one call: load → IR → render (nothing is written here)."""

from __future__ import annotations

from pathlib import Path

from generator.load import load
from generator.parse import build
from generator.render import render


def generate_files(spec_path: Path | None) -> dict[str, str]:
    """Return every generated file (relative path → text) of the spec; SpecError when it is unusable."""
    return render(build(load(spec_path)))
