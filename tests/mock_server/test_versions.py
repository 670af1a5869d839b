"""``promo-mock --api-version``: v74 reads ``Authorization: Bearer`` by the auth.* rules, v72 ignores it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from mock_server.app import MockApp, create_app
from mock_server.faults import HEADER_OPERATIONS, UnknownFaultError
from mock_server.seed import Seed
from tests.mock_server.conftest import ALICE, BASE, PERSONAL, SOME_DATE, TOKEN, who

ERROR_401, ERROR_403 = 401, 403

# One valid request per operation, without a token (each test adds the token where it wants it).
REQUESTS: dict[str, dict[str, Any]] = {
    "import": {"codes": ["VER-NEW-1"], "loyalty_id": PERSONAL},
    "get": {"code": "P11-0001", "loyalty_id": PERSONAL},
    "activate": {"code": "P11-0001", "loyalty_id": PERSONAL},
    "update": {"code": "P11-0001", "loyalty_id": PERSONAL, "expire_date": SOME_DATE},
    "attach": {"code": "P11-0002", "db_id": 1, "loyalty_id": PERSONAL, **who(ALICE)},
    "detach": {"code": "P11-0002", "db_id": 1, "loyalty_id": PERSONAL, **who(ALICE)},
    "export_all": {"loyalty_id": PERSONAL},
}


def call(app: MockApp, op: str, body: dict[str, Any], header: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {header}"} if header is not None else {}
    response = Client(app).post(BASE + op, data=json.dumps(body), content_type="application/json", headers=headers)
    data: dict[str, Any] = json.loads(response.data)
    return data


def export(app: MockApp) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = call(app, "export_all", {"token": TOKEN, "loyalty_id": PERSONAL})["data"]
    return data


@pytest.fixture
def v74(seed: Seed) -> MockApp:
    return create_app(seed, token=TOKEN, api_version="74")


@pytest.fixture
def v72(seed: Seed) -> MockApp:
    return create_app(seed, token=TOKEN, api_version="72")


@pytest.mark.parametrize("op", list(REQUESTS))
def test_v74_header_token_alone_is_served_like_the_body_token(seed: Seed, op: str) -> None:
    by_header, by_body = (create_app(seed, token=TOKEN, api_version="74") for _ in range(2))
    if op in ("activate", "detach"):  # both need an attached code first
        for app in (by_header, by_body):
            assert (
                call(app, "attach", {"token": TOKEN, **REQUESTS["attach"] | {"code": REQUESTS[op]["code"]}})["error"]
                == 0
            )
    answer_header = call(by_header, op, REQUESTS[op], header=TOKEN)
    answer_body = call(by_body, op, {"token": TOKEN, **REQUESTS[op]})
    assert answer_header["error"] == 0
    assert answer_header == answer_body
    assert export(by_header) == export(by_body)


@pytest.mark.parametrize(
    "body_token,header,error",
    [
        (None, "wrong-token", ERROR_403),  # auth.header-token-wrong
        (None, None, ERROR_401),  # auth.token-missing: neither
        (TOKEN, TOKEN, 0),  # auth.header-and-body-token
        (TOKEN, "wrong-token", ERROR_403),  # undocumented disagreement: the mock refuses
        ("wrong-token", TOKEN, ERROR_403),  # undocumented disagreement: the mock refuses
    ],
)
def test_v74_token_placements(v74: MockApp, body_token: str | None, header: str | None, error: int) -> None:
    before = export(v74)
    body = {**REQUESTS["import"], **({"token": body_token} if body_token is not None else {})}
    assert call(v74, "import", body, header=header)["error"] == error
    after = export(v74)
    assert (after == before) == (error != 0)


def test_v72_ignores_the_header(v72: MockApp) -> None:
    assert call(v72, "get", REQUESTS["get"], header=TOKEN)["error"] == ERROR_401
    assert call(v72, "get", {"token": TOKEN, **REQUESTS["get"]}, header="wrong-token")["error"] == 0


def test_other_schemes_and_empty_bearer_are_no_token(v74: MockApp) -> None:
    client = Client(v74)
    for value in ("Basic " + TOKEN, "Bearer ", TOKEN):
        response = client.post(
            BASE + "get",
            data=json.dumps(REQUESTS["get"]),
            content_type="application/json",
            headers={"Authorization": value},
        )
        assert json.loads(response.data)["error"] == ERROR_401, value
    response = client.post(
        BASE + "get",
        data=json.dumps(REQUESTS["get"]),
        content_type="application/json",
        headers={"Authorization": f"bearer  {TOKEN} "},
    )
    assert json.loads(response.data)["error"] == 0


def test_fault_header_ignored(seed: Seed) -> None:
    app = create_app(seed, token=TOKEN, api_version="74", faults=frozenset({"auth-header-ignored"}))
    assert call(app, "get", REQUESTS["get"], header=TOKEN)["error"] == ERROR_401
    assert call(app, "get", {"token": TOKEN, **REQUESTS["get"]})["error"] == 0


def test_fault_header_any_token(seed: Seed) -> None:
    app = create_app(seed, token=TOKEN, api_version="74", faults=frozenset({"auth-header-any-token"}))
    assert call(app, "import", REQUESTS["import"], header="wrong-token")["error"] == 0
    assert call(app, "get", {"token": "wrong-token", **REQUESTS["get"]})["error"] == ERROR_403


def test_fault_header_some_operations(seed: Seed) -> None:
    app = create_app(seed, token=TOKEN, api_version="74", faults=frozenset({"auth-header-some-operations"}))
    for op in ("get", "export_all"):
        expected = 0 if op in HEADER_OPERATIONS else ERROR_401
        assert call(app, op, REQUESTS[op], header=TOKEN)["error"] == expected, op


def test_v74_fault_on_a_v72_mock_is_refused(seed: Seed) -> None:
    with pytest.raises(UnknownFaultError, match="breaks the mock of API version 74; this mock serves 72"):
        create_app(seed, token=TOKEN, faults=frozenset({"auth-header-ignored"}))


def test_cli_serves_the_newest_version_by_default_and_refuses_unknown_ones() -> None:
    env = {**os.environ, "ALTCRAFT_TOKEN": "from-env"}
    bad = subprocess.run(
        [sys.executable, "-m", "mock_server.cli", "--api-version", "73"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "invalid choice: '73'" in bad.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server.cli", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "API v74" in line
        url = line.split()[2]
        answer = requests.post(
            url + BASE + "get", json=REQUESTS["get"], headers={"Authorization": "Bearer from-env"}, timeout=5
        )
        assert answer.json()["error"] == 0  # the header travels through the real HTTP server
    finally:
        process.terminate()
        process.wait(timeout=10)
