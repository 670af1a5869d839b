"""Validated specs are remembered by content, broken ones never are."""

from __future__ import annotations

from pathlib import Path

import pytest

from promo_spec import SpecError, load_spec
from promo_spec.locate import default_spec_path


def test_valid_spec_is_remembered_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PROMO_SPEC_CACHE", str(cache))
    first = load_spec()
    assert len(list(cache.iterdir())) == 1
    second = load_spec()
    assert [r.id for r in second.rules] == [r.id for r in first.rules]
    assert second.operations.keys() == first.operations.keys()


def test_changed_spec_is_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PROMO_SPEC_CACHE", str(cache))
    load_spec()
    copy = tmp_path / "openapi.yaml"
    text = default_spec_path().read_text(encoding="utf-8")
    copy.write_text(text.replace("openapi: 3.1.0", "openapi: 3.1.0\n# edited"), encoding="utf-8")
    load_spec(copy)
    assert len(list(cache.iterdir())) == 2
    broken = text.replace("operationId: attach", "operationId: attach\n      deprecated: maybe")
    copy.write_text(broken, encoding="utf-8")
    with pytest.raises(SpecError):
        load_spec(copy)
    assert len(list(cache.iterdir())) == 2


def test_cache_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMO_SPEC_CACHE", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    load_spec()
    assert not (tmp_path / ".cache").exists()
