"""``promo-gen check`` ignores what ``pip install ./generated_clients/python`` leaves beside the sources."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator import check
from generator.pipeline import generate_files
from tests.generator.conftest import GENERATED


def test_pip_build_leftovers_are_not_drift(tmp_path: Path) -> None:
    out = tmp_path / "generated_clients"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    (out / "python" / "altcraft_promo_client.egg-info").mkdir()
    (out / "python" / "altcraft_promo_client.egg-info" / "PKG-INFO").write_text("Name: x\n", encoding="utf-8")
    (out / "python" / "build" / "lib").mkdir(parents=True)
    (out / "python" / "build" / "lib" / "client.py").write_text("stale\n", encoding="utf-8")
    files = generate_files(None)
    assert check.diff(files, out) == ""
    (out / "python" / "altcraft_promo_client" / "extra.py").write_text("x = 1\n", encoding="utf-8")
    assert "extra.py" in check.diff(files, out)
