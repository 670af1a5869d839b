"""Bad input of every kind gets the error envelope (HTTP 200, error 400), never a 5xx, a hang or a crash."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.app import MockApp
from promo_spec.xml_codec import escape_text, parse_xml
from tests.mock_server.conftest import ALICE, BASE, PERSONAL, TOKEN, Api, who

GET = {"token": TOKEN, "code": "P11-0001", "loyalty_id": PERSONAL}
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><token>&lol3;</token><code>P11-0001</code><loyalty_id>11</loyalty_id></xml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><token>&e;</token><code>P11-0001</code><loyalty_id>11</loyalty_id></xml>"""


def envelope_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    decoded: dict[str, Any] = json.loads(response.get_data())
    assert {"data", "error", "error_text"} <= set(decoded)
    return decoded


def assert_incorrect(response: Any, *words: str) -> None:
    envelope = envelope_of(response)
    assert envelope["error"] == 400 and envelope["data"] is None, envelope
    assert envelope["error_text"].startswith("Incorrect request")
    for word in words:
        assert word in envelope["error_text"], envelope


@pytest.fixture
def japi(make_api: Callable[..., Api]) -> Api:
    made: Api = make_api("json")
    return made


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"{not json", "application/json", ("JSON",)),
        (b"", "application/json", ("empty",)),
        (b"[1, 2]", "application/json", ("JSON object",)),
        (b'"text"', "application/json", ("JSON object",)),
        (b"\xff\xfe{}", "application/json", ("UTF-8",)),
        (b'{"token": "' + b"\xc3\x28" + b'"}', "application/json", ("UTF-8",)),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", ()),
        (b'{"loyalty_id": 1' + b"0" * 5000 + b"}", "application/json", ()),
        (b"<xml><token>test-token</token><code>", "application/xml", ("XML",)),
        (b"<notxml><token>test-token</token></notxml>", "application/xml", ("<xml>",)),
        (BILLION_LAUGHS, "application/xml", ("forbidden",)),
        (EXTERNAL_ENTITY, "application/xml", ("forbidden",)),
        (b"<xml>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</xml>", "application/xml", ()),
        (b"<xml>\xff\xfe</xml>", "application/xml", ("XML",)),
        (b"token=test-token&code=P11-0001&loyalty_id=11", "application/x-www-form-urlencoded", ("Content-Type",)),
        (b"anything", "text/plain", ("Content-Type",)),
        (
            b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--",
            "multipart/form-data; boundary=b",
            ("Content-Type",),
        ),
    ],
)
def test_unreadable_bodies_get_incorrect_request(
    japi: Api, body: bytes, content_type: str, words: tuple[str, ...]
) -> None:
    assert_incorrect(japi.raw("get", body, content_type), *words)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"code": "P11-0001"}, "loyalty_id"),
        ({"loyalty_id": PERSONAL}, "code"),
        ({"code": 12, "loyalty_id": PERSONAL}, "code"),
        ({"code": "", "loyalty_id": PERSONAL}, "code"),
        ({"code": "P11-0001", "loyalty_id": True}, "loyalty_id"),
        ({"code": "P11-0001", "loyalty_id": 11.5}, "loyalty_id"),
        ({"code": "P11-0001", "loyalty_id": None}, "loyalty_id"),
        ({"code": ["P11-0001"], "loyalty_id": PERSONAL}, "code"),
        ({"code": "P11-0001", "loyalty_id": PERSONAL, "format": "yaml"}, "format"),
    ],
)
def test_schema_violations_name_the_field(japi: Api, params: dict[str, Any], field: str) -> None:
    body = json.dumps({"token": TOKEN, **params}).encode()
    assert_incorrect(japi.raw("get", body), field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"codes": [], "loyalty_id": PERSONAL}, "codes"),
        ({"codes": "C-1", "loyalty_id": PERSONAL}, "codes"),
        ({"codes": ["C-1", 7], "loyalty_id": PERSONAL}, "codes[1]"),
    ],
)
def test_import_violations_name_the_item(japi: Api, params: dict[str, Any], field: str) -> None:
    assert_incorrect(japi.raw("import", json.dumps({"token": TOKEN, **params}).encode()), field)


def test_update_rejects_a_malformed_expire_date(japi: Api) -> None:
    body = json.dumps({"token": TOKEN, "code": "P11-0001", "loyalty_id": PERSONAL, "expire_date": "next week"}).encode()
    assert_incorrect(japi.raw("update", body), "expire_date")


def test_attach_rejects_an_unknown_matching_mode(japi: Api) -> None:
    body = json.dumps(
        {"token": TOKEN, "db_id": 1, "loyalty_id": PERSONAL, "matching": "push_sub", "email": "a@b.c"}
    ).encode()
    assert_incorrect(japi.raw("attach", body), "matching")


def test_xml_with_wrong_types_is_refused(japi: Api) -> None:
    body = b"<xml><token>test-token</token><code>P11-0001</code><loyalty_id>eleven</loyalty_id></xml>"
    assert_incorrect(japi.raw("get", body, "application/xml"), "loyalty_id")


def test_body_over_the_limit_is_refused_before_it_is_read(make_api: Callable[..., Api]) -> None:
    app: MockApp = make_api(max_body=1024).app

    class Untouchable(io.RawIOBase):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the body was read")

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": BASE + "get",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "1025",
        "wsgi.input": Untouchable(),
    }
    status, _, body = app.respond(environ)
    assert status == "200 OK"
    envelope = json.loads(body)
    assert envelope["error"] == 400 and "1024" in envelope["error_text"]


def test_default_limit_is_one_mebibyte(japi: Api) -> None:
    body = json.dumps({**GET, "pad": "x" * (1 << 20)}).encode()
    assert_incorrect(japi.raw("get", body), "limit")


def test_bad_content_length_is_refused(japi: Api) -> None:
    for raw in ("abc", "-5"):
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": BASE + "get",
            "CONTENT_LENGTH": raw,
            "wsgi.input": io.BytesIO(),
        }
        envelope = json.loads(japi.app.respond(environ)[2])
        assert envelope["error"] == 400 and "Content-Length" in envelope["error_text"]


def test_a_missing_content_type_is_sniffed(japi: Api) -> None:
    assert envelope_of(japi.raw("get", json.dumps(GET).encode(), ""))["error"] == 0
    xml = b"<xml><token>test-token</token><code>P11-0001</code><loyalty_id>11</loyalty_id></xml>"
    assert envelope_of(japi.raw("get", xml, ""))["error"] == 0
    assert envelope_of(japi.raw("get", xml, "text/xml; charset=utf-8"))["error"] == 0


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "QUERY"])
def test_other_methods_get_405_with_allow_post(japi: Api, method: str) -> None:
    response = japi.raw("get", b"", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize(
    "path", ["/", "/api/v1.1/promocodes/", "/api/v1.1/promocodes/delete", "/api/v1.1/promocodes/get/x"]
)
def test_unknown_paths_get_404(japi: Api, path: str) -> None:
    response = japi.client.post(path, data=json.dumps(GET))
    assert response.status_code == 404
    assert json.loads(response.get_data())["error"] == 404


def test_xml_responses_have_the_documented_shape(japi: Api) -> None:
    japi.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    response = japi.raw("get", json.dumps({**GET, "format": "xml"}).encode())
    assert response.headers["Content-Type"] == "application/xml"
    body = response.get_data()
    assert body.startswith(b"<xml><data><activated />")
    assert b"<is_attached>true</is_attached>" in body and b"<is_activated>false</is_activated>" in body
    assert body.endswith(b"<error>0</error><error_text>Successful operation</error_text></xml>")
    parsed = parse_xml(body, japi.app.spec.operations["get"].response_schema)
    assert parsed["data"]["profile_id"] == ALICE["profile_id"] and parsed["data"]["is_attached"] is True
    null = japi.raw("activate", json.dumps({**GET, "code": "P11-0002", "format": "xml"}).encode()).get_data()
    assert null == (
        b"<xml><data /><error>433</error>"
        b"<error_text>Promocode is not attached: only an attached code can be activated</error_text></xml>"
    )


def test_xml_import_response_repeats_data(japi: Api) -> None:
    body = (
        b"<xml><token>test-token</token><codes>N-1</codes><codes>P11-0001</codes>"
        b"<loyalty_id>11</loyalty_id><format>xml</format></xml>"
    )
    out = japi.raw("import", body, "application/xml").get_data()
    assert out.startswith(b"<xml><data><code>N-1</code><error>0</error><error_text /></data>")
    assert b"<data><code>P11-0001</code><error>500</error><error_text>Promocode duplicated</error_text></data>" in out
    assert out.endswith(b"<inserted>1</inserted></xml>")


def test_a_single_xml_code_is_a_list(japi: Api) -> None:
    body = b"<xml><token>test-token</token><codes>ONLY-1</codes><loyalty_id>11</loyalty_id></xml>"
    envelope = envelope_of(japi.raw("import", body, "application/xml"))
    assert envelope["inserted"] == 1 and envelope["data"][0]["code"] == "ONLY-1"


def test_import_of_100k_codes_works_or_is_refused_cleanly(japi: Api) -> None:
    codes = [f"BULK-{n:06d}" for n in range(100_000)]
    envelope = envelope_of(
        japi.raw("import", json.dumps({"token": TOKEN, "codes": codes, "loyalty_id": PERSONAL}).encode())
    )
    assert envelope["error"] == 400 and "limit" in envelope["error_text"]
    half = len(codes) // 2
    for part in (codes[:half], codes[half:]):
        body = json.dumps({"token": TOKEN, "codes": part, "loyalty_id": PERSONAL}, separators=(",", ":")).encode()
        assert len(body) < 1 << 20
        assert envelope_of(japi.raw("import", body))["error"] == 0
    assert len(japi.export(PERSONAL)) == 8 + 100_000


def test_the_token_never_appears_in_answers(japi: Api) -> None:
    for body in (json.dumps(GET).encode(), json.dumps({**GET, "code": 5}).encode(), b"{bad"):
        assert TOKEN.encode() not in japi.raw("get", body).get_data()
    assert TOKEN not in repr(japi.app)


@pytest.mark.parametrize("bad", ["bad\x01code", "nul\x00", "ff\ufffe"])
def test_codes_xml_cannot_carry_are_refused_and_not_stored(japi: Api, bad: str) -> None:
    """Every stored code must be writable with format=xml, so such codes never get in."""
    before = japi.export(PERSONAL)
    assert japi.refused("import", codes=["fine-code", bad], loyalty_id=PERSONAL)["error"] == 400
    assert japi.refused("attach", code=bad, loyalty_id=PERSONAL, db_id=1, **who(ALICE))["error"] == 400
    assert japi.export(PERSONAL) == before
    xml_export = japi.ok("export_all", loyalty_id=PERSONAL, format="xml")["data"]
    assert [item["code"] for item in xml_export] == [item["code"] for item in before]


@pytest.mark.parametrize("text", ["a&b<c>d", "&amp;", "<xml>", "\"quoted\" and 'single'", "é\u00a0 \n", "]]>"])
def test_escape_text_writes_what_element_tree_writes(text: str) -> None:
    element = ET.Element("x")
    element.text = text
    assert ET.tostring(element, encoding="unicode") == f"<x>{escape_text(text)}</x>"


# -- the direct XML writer equals ElementTree's ---------------------------------------------------------------------

_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,6}", fullmatch=True)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=3)),
    max_leaves=12,
)


@given(st.dictionaries(_NAMES, _VALUES, max_size=4))
def test_the_direct_xml_writer_writes_elementtrees_bytes(data: dict[str, Any]) -> None:
    from promo_spec.xml_codec import to_xml, tree_xml

    assert to_xml(data) == tree_xml(data)


def test_a_key_elementtree_reads_its_own_way_goes_through_elementtree() -> None:
    from promo_spec.xml_codec import to_xml, tree_xml

    odd = {"{urn:x}code": "C", "data": [{"a b": 1}]}  # a namespace tag, a name with a space
    assert to_xml(odd) == tree_xml(odd)


def test_an_export_of_many_codes_reads_back_as_its_json_twin() -> None:
    from promo_spec import load_spec
    from promo_spec.xml_codec import to_xml

    schema = load_spec().operations["export_all"].response_schema
    items: list[dict[str, Any]] = [{"code": f"C-{n}"} for n in range(500)]
    items.append({"code": "A&<b>", "attached": "2024-04-01T12:39:34Z", "activated": "2024-04-01T12:40:00Z"})
    envelope = {"data": items, "error": 0, "error_text": "Successful operation"}
    assert parse_xml(to_xml(envelope), schema) == envelope


_TEXTS = st.one_of(
    st.none(), st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6)
)
_CHILDREN = st.tuples(st.sampled_from(["code", "attached", "activated", "other"]), _TEXTS, st.booleans())


@given(st.lists(_CHILDREN, max_size=5))
def test_a_flat_items_fast_read_equals_the_general_read(children: list[tuple[str, str | None, bool]]) -> None:
    from promo_spec import load_spec
    from promo_spec.xml_codec import _Reader

    class General(_Reader):
        def flat(self, schema: Any) -> bool:
            return False

    item_schema = load_spec().operations["export_all"].response_schema["properties"]["data"]["anyOf"][0]["items"]
    element = ET.Element("data")
    for tag, text, nested in children:
        child = ET.SubElement(element, tag)
        child.text = text
        if nested:
            ET.SubElement(child, "inner").text = "x"
    assert _Reader().object(element, item_schema) == General().object(element, item_schema)
