"""The generated Python client, imported and called against the running mock in every matching mode and format."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server import serve
from tests.generator.conftest import GENERATED, REPO

sys.path.insert(0, str(GENERATED / "python"))

import altcraft_promo_client as client_pkg
from altcraft_promo_client import (
    ApiError,
    ByCustomField,
    ByEmail,
    ByPhone,
    ByProfileId,
    Code403Error,
    PromoClient,
    SetActivated,
    SetExpireDate,
    TransportError,
    TransportTimeout,
)

TOKEN = "generated-client-token"
TARGET: dict[str, Any] = yaml.safe_load((REPO / "contract_tests" / "targets" / "mock.yaml").read_text("utf-8"))
ALICE = TARGET["profiles"][0]
PERSONAL = TARGET["loyalty_programs"]["personal"]
DB = TARGET["db_id"]
FORMATS = [("json", "json"), ("json", "xml"), ("xml", "json"), ("xml", "xml")]
PROFILES = {
    "profile_id": ByProfileId(ALICE["profile_id"]),
    "email": ByEmail(ALICE["email"]),
    "phone": ByPhone(ALICE["phone"]),
    "custom": ByCustomField(ALICE["custom"]["field_name"], ALICE["custom"]["field_value"]),
}


@pytest.fixture
def server() -> Iterator[Any]:
    with serve.start_background(port=0, token=TOKEN) as running:
        yield running


def _client(server: Any, request_format: str, response_format: str) -> PromoClient:
    return PromoClient(server.url, TOKEN, request_format=request_format, response_format=response_format, timeout=5)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", list(PROFILES))
@pytest.mark.parametrize(("request_format", "response_format"), FORMATS, ids=["-".join(f) for f in FORMATS])
def test_attach_get_detach_in_every_mode_and_format(
    server: Any, mode: str, request_format: str, response_format: str
) -> None:
    with _client(server, request_format, response_format) as api:
        assert api.attach(db_id=DB, loyalty_id=PERSONAL, profile=PROFILES[mode]) is None
        attached = [item for item in api.export_all(loyalty_id=PERSONAL) if item.attached]
        assert len(attached) == 1 and attached[0].activated is None
        info = api.get(code=attached[0].code, loyalty_id=PERSONAL)
        assert info.is_attached and info.profile_id == ALICE["profile_id"] and info.database_id == DB
        assert info.activated == "" and info.loyalty_id == PERSONAL
        api.detach(db_id=DB, loyalty_id=PERSONAL, profile=PROFILES[mode], code=info.code)
        after = api.get(code=info.code, loyalty_id=PERSONAL)
        assert not after.is_attached and after.profile_id is None


@pytest.mark.parametrize(("request_format", "response_format"), FORMATS, ids=["-".join(f) for f in FORMATS])
def test_named_code_update_activate_and_import(server: Any, request_format: str, response_format: str) -> None:
    with _client(server, request_format, response_format) as api:
        code = "GEN-0001"
        api.attach(db_id=DB, loyalty_id=PERSONAL, profile=PROFILES["email"], code=code)
        api.activate(code=code, loyalty_id=PERSONAL)
        assert api.get(code=code, loyalty_id=PERSONAL).is_activated
        api.update(code=code, loyalty_id=PERSONAL, options=SetActivated(False))
        assert not api.get(code=code, loyalty_id=PERSONAL).is_activated
        # A date from the clock the mock reads (its real one): a year ahead, whole seconds.
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)
        api.update(code=code, loyalty_id=PERSONAL, options=SetExpireDate(when))
        info = api.get(code=code, loyalty_id=PERSONAL)
        assert info.expire_date == when.strftime("%Y-%m-%dT%H:%M:%SZ") and not info.is_expired
        result = api.import_(codes=["GEN-NEW-1", code], loyalty_id=PERSONAL)
        assert (result.inserted, result.duplicated) == (1, 1)
        assert result.data is not None and [i.error for i in result.data] == [0, 500]


@pytest.mark.parametrize(("request_format", "response_format"), FORMATS, ids=["-".join(f) for f in FORMATS])
def test_api_errors_are_typed(server: Any, request_format: str, response_format: str) -> None:
    wrong = PromoClient(server.url, "wrong-token-123", request_format=request_format, response_format=response_format)  # type: ignore[arg-type]
    with wrong as api, pytest.raises(Code403Error) as refused:
        api.export_all(loyalty_id=PERSONAL)
    assert refused.value.error == 403 and refused.value.error_text
    assert "wrong-token-123" not in str(refused.value)
    with _client(server, request_format, response_format) as api, pytest.raises(ApiError) as unknown:
        api.activate(code="NO-SUCH-CODE", loyalty_id=PERSONAL)
    assert unknown.value.error != 0 and type(unknown.value) in {ApiError, *client_pkg.errors.API_ERRORS.values()}


def test_token_never_shows(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-token-value"
    api = PromoClient(server.url, secret)
    assert secret not in repr(api) and secret not in str(api) and secret not in repr(vars(api))
    with caplog.at_level(logging.DEBUG), pytest.raises(ApiError) as refused:
        api.get(code="X", loyalty_id=PERSONAL)
    assert secret not in str(refused.value) and secret not in caplog.text


def test_transport_errors_are_translated(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = PromoClient(f"http://127.0.0.1:{port}", "secret-token-xyz", timeout=2)
    with pytest.raises(TransportError) as failed:
        api.export_all(loyalty_id=1)
    assert "secret-token-xyz" not in str(failed.value)
    assert failed.value.__context__ is None and failed.value.__cause__ is None


def test_timeout_is_a_transport_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        port = listener.getsockname()[1]
        api = PromoClient(f"http://127.0.0.1:{port}", "secret-token-xyz", timeout=0.3)
        with pytest.raises(TransportTimeout):
            api.get(code="X", loyalty_id=1)


def test_invalid_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="json"):
        PromoClient("http://127.0.0.1:1", "t", response_format="csv")  # type: ignore[arg-type]
