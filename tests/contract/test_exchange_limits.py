"""The HTTP layer's budget, rate limit and count; a bad target file stops the suite before any test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contract_tests.client import Client
from contract_tests.errors import BudgetExhausted
from contract_tests.harness import ROOT
from mock_server.serve import RunningServer
from promo_spec import load_spec
from tests.conftest import SHARED_TOKEN


def test_budget_stops_and_count_is_exact(shared_mock: RunningServer) -> None:
    client = Client(shared_mock.url, SHARED_TOKEN, load_spec(), budget=2)
    for _ in range(2):
        assert client.call("export_all", {"loyalty_id": 11}).error == 0
    with pytest.raises(BudgetExhausted, match="request_budget"):
        client.call("export_all", {"loyalty_id": 11})
    assert client.count == 2


def test_rate_limit_spaces_requests(shared_mock: RunningServer) -> None:
    client = Client(shared_mock.url, SHARED_TOKEN, load_spec(), rate_limit=20)
    started = time.monotonic()
    for _ in range(5):
        client.call("export_all", {"loyalty_id": 11})
    assert time.monotonic() - started >= 0.19


def test_bad_target_file_runs_no_test(tmp_path: Path) -> None:
    bad = tmp_path / "target.yaml"
    bad.write_text("base_url: http://127.0.0.1:9\ntoken_env: CT_UNSET_TOKEN_VAR\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CT_UNSET_TOKEN_VAR"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "contract_tests", "--target", str(bad), "-o", "testpaths=contract_tests"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 4  # pytest's usage error
    assert "missing key(s) db_id, profiles, loyalty_programs" in run.stderr
    assert "passed" not in run.stdout and "failed" not in run.stdout
