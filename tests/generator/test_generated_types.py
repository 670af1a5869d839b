"""The generated clients type-check: mypy --strict and ruff on Python, tsc --strict on TypeScript."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.generator.conftest import GENERATED, REPO
from tools import doc_examples

PYTHON_DIR = GENERATED / "python"


def test_python_client_is_clean_under_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "-p", "altcraft_promo_client", "--cache-dir", "/dev/null"],
        cwd=PYTHON_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_client_is_clean_under_ruff() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--no-cache", "."],
        cwd=PYTHON_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_client_stands_alone() -> None:
    for path in (PYTHON_DIR / "altcraft_promo_client").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "promo_spec" not in text and "mock_server" not in text, path.name


def test_typescript_client_is_clean_under_tsc_strict() -> None:
    doc_examples.require_typescript()  # npm ci if node_modules lacks tsc; fails (never skips) without Node.js
    result = subprocess.run(
        [str(doc_examples.TSC), "--noEmit", "--strict", str(GENERATED / "typescript" / "client.ts")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
