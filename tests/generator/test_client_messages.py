"""Transport errors of both generated clients name the method, the full URL requested and what happened."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.generator.conftest import GENERATED, REPO
from tools import doc_examples

sys.path.insert(0, str(GENERATED / "python"))
from altcraft_promo_client import PromoClient, TransportError, TransportTimeout

from mock_server.serve import start_background

TOKEN = "secret-token-xyz"
GET = "/api/v1.1/promocodes/get"


@pytest.fixture
def refusing() -> Iterator[str]:
    """A base URL whose port is bound but not listening: connections are refused (the port stays ours)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def silent() -> Iterator[str]:
    """A base URL that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with start_background(port=0, token=TOKEN) as server:
        yield server.url


def test_python_refused_names_the_url_and_not_urllib3(refusing: str) -> None:
    with pytest.raises(TransportError) as failed:
        PromoClient(refusing, TOKEN, timeout=5).get(code="A", loyalty_id=1)
    message = str(failed.value)
    assert message.startswith(f"POST {refusing}{GET}: connection refused")
    assert "Max retries" not in message and "urllib3" not in message and TOKEN not in message


def test_python_timeout_names_the_url(silent: str) -> None:
    with pytest.raises(TransportTimeout) as failed:
        PromoClient(silent, TOKEN, timeout=0.3).get(code="A", loyalty_id=1)
    assert str(failed.value) == f"POST {silent}{GET}: no answer within 0.3 s; it may have been applied"


def test_python_doubled_base_url_gets_a_hint(mock_url: str) -> None:
    with pytest.raises(TransportError) as failed:
        PromoClient(mock_url + "/api/v1.1", TOKEN).get(code="A", loyalty_id=1)
    message = str(failed.value)
    assert message.startswith(f"POST {mock_url}/api/v1.1{GET}: HTTP 404")
    assert "the base URL ends in /api/v1.1" in message and f"e.g. {mock_url})" in message


def test_python_other_status_has_no_doubling_hint(mock_url: str) -> None:
    with pytest.raises(TransportError) as failed:
        PromoClient(mock_url + "/elsewhere", TOKEN).get(code="A", loyalty_id=1)
    assert str(failed.value) == f"POST {mock_url}/elsewhere{GET}: HTTP 404; the API answers 200 with an envelope"


TS_PROBE = """
import { PromoClient } from "./client.js";

for (const [baseUrl, timeoutMs] of JSON.parse(process.argv[2]) as [string, number][]) {
  try {
    await new PromoClient({ baseUrl, token: "secret-token-xyz", timeoutMs }).get({ code: "A", loyalty_id: 1 });
    console.log("no error");
  } catch (err) {
    console.log(`${(err as Error).name}: ${(err as Error).message}`);
  }
}
"""


def test_typescript_messages(tmp_path: Path, refusing: str, silent: str, mock_url: str) -> None:
    doc_examples.require_typescript()
    block = doc_examples.Block(tmp_path / "probe.md", 1, "ts", TS_PROBE, "")
    compiled = doc_examples.compile_ts([block], tmp_path / "ts")[block.name]
    cases = f'[["{refusing}", 5000], ["{silent}", 300], ["{mock_url}/api/v1.1", 5000]]'
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, str(compiled), cases], capture_output=True, text=True, timeout=60, cwd=REPO, check=True
    )
    refused, timed_out, doubled = done.stdout.splitlines()
    assert refused == (
        f"TransportError: POST {refusing}{GET}: connection refused (is the server running and listening there?)"
    )
    assert timed_out == f"TransportTimeout: POST {silent}{GET}: no answer within 300 ms; it may have been applied"
    assert doubled.startswith(f"TransportError: POST {mock_url}/api/v1.1{GET}: HTTP 404")
    assert "the base URL ends in /api/v1.1" in doubled and f"e.g. {mock_url})" in doubled
