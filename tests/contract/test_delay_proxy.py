"""The bench's delay proxy: the same answers, at least the round trip it promises, loopback upstreams only."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest

from contract_tests.client import Client
from mock_server.serve import RunningServer
from promo_spec import load_spec
from tests.conftest import SHARED_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def _proxy_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("delay_proxy", ROOT / "bench" / "contract" / "delay_proxy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_pass_unchanged_after_the_round_trip(shared_mock: RunningServer) -> None:
    proxy = _proxy_module()
    with proxy.delayed(shared_mock.url, delay_ms=15) as url:
        direct = Client(shared_mock.url, SHARED_TOKEN, load_spec())
        delayed = Client(url, SHARED_TOKEN, load_spec())
        expected = direct.call("export_all", {"loyalty_id": 11}).response_body
        delayed.call("export_all", {"loyalty_id": 11})  # the connection is open from now on (keep-alive)
        started = time.monotonic()
        for _ in range(3):
            assert delayed.call("export_all", {"loyalty_id": 11}).response_body == expected
        assert time.monotonic() - started >= 3 * 0.030  # 15 ms each way, three requests one after another


def test_only_loopback_upstreams() -> None:
    proxy = _proxy_module()
    with pytest.raises(ValueError, match="loopback only"):
        proxy.DelayProxy("192.0.2.1", 80, delay=0.01)
