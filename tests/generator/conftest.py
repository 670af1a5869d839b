"""Shared helpers of the generator tests: run promo-gen in a subprocess, build broken specs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "spec" / "openapi.yaml"
GENERATED = REPO / "generated_clients"


def run_gen(*args: str, seed: str = "0", cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run ``promo-gen`` as users do (a fresh interpreter), with a chosen PYTHONHASHSEED."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def spec_text() -> str:
    """The project spec's text, for tests that break a copy of it."""
    return SPEC.read_text(encoding="utf-8")
