"""The TypeScript runner, compiled once per API version for every test module of tests/clients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.clients.harness import compile_runner, ts_unavailable


@pytest.fixture(scope="session")
def ts_runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """version -> run_typescript.ts compiled beside that version's client.ts (skips where node or tsc is missing)."""
    reason = ts_unavailable()
    if reason:
        pytest.skip(f"TypeScript client not run: {reason}")
    compiled: dict[str, Path] = {}

    def runner(version: str) -> Path:
        if version not in compiled:
            compiled[version] = compile_runner(version, tmp_path_factory.mktemp("ts-runner") / f"v{version}")
        return compiled[version]

    return runner
