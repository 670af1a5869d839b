"""The whole pipeline in one call: load → IR → runnable examples → render (nothing is written here)."""

from __future__ import annotations

from pathlib import Path

from generator.examples import with_examples
from generator.load import load
from generator.parse import build
from generator.render import render


def generate_files(spec_path: Path | None) -> dict[str, str]:
    """Return every generated file (relative path → text) of the spec; SpecError when it is unusable."""
    spec = load(spec_path)
    return render(with_examples(build(spec), spec))
