"""The TypeScript runner, compiled once per API version for every test module of tests/clients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.clients.harness import compile_runner
from tools import doc_examples


@pytest.fixture(scope="session")
def ts_runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """version -> run_typescript.ts compiled beside that version's client.ts.

    The project's tsc is installed (``npm ci``) when missing, whichever test asks first: these tests never
    skip by test order; without Node.js they fail saying so.
    """
    doc_examples.require_typescript()
    compiled: dict[str, Path] = {}

    def runner(version: str) -> Path:
        if version not in compiled:
            compiled[version] = compile_runner(version, tmp_path_factory.mktemp("ts-runner") / f"v{version}")
        return compiled[version]

    return runner
