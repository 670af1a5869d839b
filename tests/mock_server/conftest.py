"""Shared helpers: a fresh mock per test, called in-process through its WSGI interface, in JSON or XML."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client

from mock_server.app import MockApp, create_app
from mock_server.seed import Seed, load_seed
from promo_spec.xml_codec import parse_xml, to_xml

TOKEN = "test-token"
BASE = "/api/v1.1/promocodes/"
ALICE = {
    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f1",
    "email": "alice@example.com",
    "phone": "+79000000001",
    "field_name": "CRM_ID",
    "field_value": "A-1001",
}
BOB = {
    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f2",
    "email": "bob@example.com",
    "phone": "+79000000002",
    "field_name": "CRM_ID",
    "field_value": "B-2002",
}
CAROL = {
    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f3",
    "email": "carol@example.com",
    "phone": "+79000000003",
    "field_name": "CRM_ID",
    "field_value": "C-3003",
}
BOB_DB2 = "75b2e1d3f5c1b2c3d4e5f6a2"
PERSONAL, UNIVERSAL, EXHAUSTED = 11, 12, 13
MODES = ("profile_id", "email", "phone", "custom")

# The mock's clock where a test depends on it: injected (create_app(now=...), or the store's ``now``) and
# fixed far from the real date, so a mock reading the real clock instead gives itself away.
NOW = "2001-02-03T04:05:06Z"


def shifted(stamp: str, seconds: int) -> str:
    """``stamp`` (RFC 3339 UTC) moved by ``seconds``, written as the API writes times."""
    moved = dt.datetime.fromisoformat(stamp) + dt.timedelta(seconds=seconds)
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def clock_at(stamp: str) -> Callable[[], str]:
    """A clock that always reads ``stamp``."""
    return lambda: stamp


# A valid expire date for tests where expiry does not matter (a day after the fixed clock).
SOME_DATE = shifted(NOW, 86_400)


def who(profile: dict[str, str], mode: str | None = "email") -> dict[str, str]:
    """The identifiers a request sends to match ``profile`` by ``mode`` (None: matching omitted, email sent)."""
    if mode is None:
        return {"email": profile["email"]}
    if mode == "custom":
        return {"matching": "custom", "field_name": profile["field_name"], "field_value": profile["field_value"]}
    return {"matching": mode, mode: profile[mode]}


class Api:
    """Calls one mock app as a client would, sending JSON or XML bodies."""

    def __init__(self, app: MockApp, wire: str = "json", token: str | None = TOKEN) -> None:
        self.app = app
        self.client = Client(app)
        self.wire = wire
        self.token = token

    def raw(self, op: str, body: bytes, content_type: str = "application/json", method: str = "POST") -> Any:
        return self.client.open(BASE + op, method=method, data=body, headers={"Content-Type": content_type})

    def call(self, op: str, **params: Any) -> dict[str, Any]:
        """Send ``params`` (plus the token) and return the decoded envelope."""
        if self.token is not None and "token" not in params:
            params["token"] = self.token
        params = {k: v for k, v in params.items() if v is not None}
        if self.wire == "xml":
            response = self.raw(op, to_xml(params), "application/xml")
        else:
            response = self.raw(op, json.dumps(params).encode())
        assert response.status_code == 200, response.get_data()
        body = response.get_data()
        if params.get("format") == "xml":
            assert response.headers["Content-Type"].startswith("application/xml")
            schema = self.app.spec.operations[op].response_schema
            return parse_xml(body, schema)
        assert response.headers["Content-Type"].startswith("application/json")
        decoded: dict[str, Any] = json.loads(body)
        return decoded

    def ok(self, op: str, **params: Any) -> dict[str, Any]:
        envelope = self.call(op, **params)
        assert envelope["error"] == 0, envelope
        assert envelope["error_text"] == "Successful operation"
        return envelope

    def refused(self, op: str, **params: Any) -> dict[str, Any]:
        envelope = self.call(op, **params)
        assert envelope["error"] != 0, envelope
        assert envelope["data"] is None
        return envelope

    def info(self, code: str, loyalty_id: int = PERSONAL) -> dict[str, Any]:
        data: dict[str, Any] = self.ok("get", code=code, loyalty_id=loyalty_id)["data"]
        return data

    def export(self, loyalty_id: int) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.ok("export_all", loyalty_id=loyalty_id)["data"]
        return data

    def snapshot(self) -> dict[int, list[dict[str, Any]]]:
        """Every program's export plus each code's get: the whole visible state."""
        state: dict[int, list[dict[str, Any]]] = {}
        for program in sorted(self.app.store.programs):
            state[program] = [self.info(item["code"], program) | item for item in self.export(program)]
        return state


@pytest.fixture(scope="session")
def seed() -> Seed:
    return load_seed()


@pytest.fixture
def make_api(seed: Seed) -> Callable[..., Api]:
    def make(wire: str = "json", faults: frozenset[str] = frozenset(), **kwargs: Any) -> Api:
        return Api(create_app(seed, token=TOKEN, faults=faults, **kwargs), wire)

    return make


@pytest.fixture(params=["json", "xml"])
def api(request: pytest.FixtureRequest, make_api: Callable[..., Api]) -> Api:
    """A fresh default-seed mock, spoken to in JSON and in XML."""
    made: Api = make_api(request.param)
    return made
