"""The one formatter masks the token in every spelling; snapshot diffs name exactly what changed."""

from __future__ import annotations

import json

from contract_tests.masking import MASK, Masker
from contract_tests.validity import clear_violations, fully_valid
from contract_tests.wire import Exchange, encode
from contract_tests.world import Entry, describe_changes, diff
from promo_spec import load_spec


def test_masker_hides_raw_json_and_xml_spellings() -> None:
    token = 'tök"en<&>'
    mask = Masker([token])
    text = f'{token} {json.dumps(token)} {json.dumps(token, ensure_ascii=False)} <token>tök"en&lt;&amp;&gt;</token>'
    masked = mask(text)
    assert "tök" not in masked
    assert masked.count(MASK) >= 3


def test_masker_ignores_empty_secret() -> None:
    assert Masker([""])("abc") == "abc"


def test_describe_masks_request_and_response() -> None:
    from contract_tests.client import Client

    client = Client("http://127.0.0.1:1", "canary-123", load_spec())
    body, ctype = encode({"token": "canary-123", "code": "C"}, "xml")
    exchange = Exchange(
        operation="get",
        url="http://127.0.0.1:1/x",
        method="POST",
        request_headers={"Content-Type": ctype, "Authorization": "Bearer canary-123"},
        request_body=body,
        status=200,
        response_headers={"Content-Type": "application/json"},
        response_body=b'{"error": 403, "error_text": "token canary-123 unknown"}',
    )
    text = client.describe(exchange)
    assert "canary-123" not in text
    assert "<token>***</token>" in text


def test_diff_names_added_changed_and_nothing_else() -> None:
    before = {11: {"A": Entry(), "B": Entry(attached="t1")}, 12: {"U": Entry()}}
    after = {11: {"A": Entry(attached="t2"), "B": Entry(attached="t1"), "N": Entry()}, 12: {"U": Entry()}}
    changes = diff(before, after)
    assert set(changes) == {(11, "A"), (11, "N")}
    assert changes[(11, "N")] == (None, Entry())
    assert "program 11 code 'A': not attached, not activated -> attached t2" in describe_changes(changes)
    assert describe_changes({}) == "nothing changed"


def test_diff_sees_vanished_codes() -> None:
    assert diff({1: {"A": Entry()}}, {1: {}}) == {(1, "A"): (Entry(), None)}


def test_validity_counts_only_clear_violations() -> None:
    spec = load_spec()
    attach = spec.request_validators["attach"]
    base = {"token": "t", "db_id": 1, "loyalty_id": 11, "matching": "phone", "phone": "+7"}
    assert not clear_violations(attach, base)
    assert clear_violations(attach, {k: v for k, v in base.items() if k != "phone"})  # if/then
    assert clear_violations(attach, dict(base, matching="nickname"))  # enum
    assert clear_violations(attach, dict(base, db_id="one"))  # type
    assert clear_violations(attach, dict(base, token=""))  # empty token
    assert not clear_violations(attach, dict(base, phone=""))  # minLength: subtle, not judged
    update = spec.request_validators["update"]
    assert clear_violations(update, {"token": "t", "code": "C", "loyalty_id": 1})  # anyOf
    assert not clear_violations(update, {"token": "t", "code": "C", "loyalty_id": 1, "expire_date": "soon"})
    assert not fully_valid(update, {"token": "t", "code": "C", "loyalty_id": 1, "expire_date": "soon"})


# --- what counts as clearly invalid --------------------------------------------------------------


def test_clear_violations_leave_out_what_a_faithful_server_may_accept() -> None:
    from contract_tests.validity import clear_violations
    from promo_spec import load_spec

    validators = load_spec().request_validators
    attach = {"token": "t", "db_id": 1, "loyalty_id": 11, "email": "a@b.c"}
    assert clear_violations(validators["attach"], attach) == []
    assert clear_violations(validators["attach"], {**attach, "db_id": "not-a-number"})
    assert clear_violations(validators["attach"], {**attach, "matching": "nickname"})
    assert clear_violations(validators["attach"], {k: v for k, v in attach.items() if k != "loyalty_id"})
    # the same text as the XML form: a server may read it as the number
    assert clear_violations(validators["attach"], {**attach, "db_id": "1"}) == []
    # the docs list no values of `format`
    assert clear_violations(validators["attach"], {**attach, "format": "yaml"}) == []
    update = {"token": "t", "code": "C", "loyalty_id": 11}
    assert clear_violations(validators["update"], update)
    assert clear_violations(validators["update"], {**update, "activated": "true"}) == []
    assert clear_violations(validators["update"], {**update, "activated": "yes"})
