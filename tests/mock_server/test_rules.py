"""Every rule of the spec's ``x-rules`` (root ones for each of their operations), in JSON and XML.

Each rule id maps to one scenario; ``test_every_rule_has_a_scenario`` fails when the spec
gains a rule the mock is not tested against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from promo_spec import load_spec
from tests.mock_server.conftest import (
    ALICE,
    BOB,
    CAROL,
    EXHAUSTED,
    MODES,
    NOW,
    PERSONAL,
    SOME_DATE,
    UNIVERSAL,
    Api,
    clock_at,
    shifted,
    who,
)

SPEC = load_spec()
Scenario = Callable[[Api, str, "str | None"], None]

VALID: dict[str, dict[str, Any]] = {
    "import": {"codes": ["NEW-1", "NEW-2"], "loyalty_id": PERSONAL},
    "get": {"code": "P11-0001", "loyalty_id": PERSONAL},
    "activate": {"code": "X13-0001", "loyalty_id": EXHAUSTED},
    "update": {"code": "X13-0001", "loyalty_id": EXHAUSTED, "activated": True},
    "attach": {"db_id": 1, "loyalty_id": PERSONAL, **who(ALICE)},
    "detach": {"db_id": 1, "loyalty_id": EXHAUSTED, "code": "X13-0001", **who(ALICE, "profile_id")},
    "export_all": {"loyalty_id": PERSONAL},
}


def unchanged(api: Api, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``action`` (a refusal) and check it changed nothing visible."""
    before = api.snapshot()
    envelope = action()
    assert api.snapshot() == before
    return envelope


def attach_to(api: Api, profile: dict[str, str], code: str, loyalty_id: int = PERSONAL) -> None:
    api.ok("attach", db_id=1, loyalty_id=loyalty_id, code=code, **who(profile, "profile_id"))


# --- root rules -------------------------------------------------------------------------------


def token_missing(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused(op, token=None, **VALID[op]))
    assert envelope["error"] == 401
    assert envelope["error_text"] == "API token required"


def token_wrong(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused(op, token="not-the-token", **VALID[op]))
    assert envelope["error"] == 403


def request_invalid(api: Api, op: str, mode: str | None) -> None:
    missing = {k: v for k, v in VALID[op].items() if k != "loyalty_id"}
    envelope = unchanged(api, lambda: api.refused(op, **missing))
    assert envelope["error"] == 400
    assert "loyalty_id" in envelope["error_text"]
    wrong_type = VALID[op] | {"loyalty_id": "eleven"}
    envelope = unchanged(api, lambda: api.refused(op, **wrong_type))
    assert envelope["error"] == 400
    assert "loyalty_id" in envelope["error_text"]
    bad_format = VALID[op] | {"format": "csv"}
    assert unchanged(api, lambda: api.refused(op, **bad_format))["error"] == 400


# --- import -----------------------------------------------------------------------------------


def import_new(api: Api, op: str, mode: str | None) -> None:
    envelope = api.ok("import", codes=["NEW-1", "NEW-2"], loyalty_id=PERSONAL)
    assert envelope["data"] == [
        {"code": "NEW-1", "error": 0, "error_text": ""},
        {"code": "NEW-2", "error": 0, "error_text": ""},
    ]
    assert (envelope["inserted"], envelope["duplicated"], envelope["discarded_by_limit"]) == (2, 0, 0)
    for code in ("NEW-1", "NEW-2"):
        assert api.info(code)["is_attached"] is False
    assert [i["code"] for i in api.export(PERSONAL)][-2:] == ["NEW-1", "NEW-2"]


def import_duplicate(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, ALICE, "P11-0002")
    before = api.info("P11-0002")
    envelope = api.ok("import", codes=["NEW-1", "P11-0002"], loyalty_id=PERSONAL)
    assert envelope["data"][1] == {"code": "P11-0002", "error": 500, "error_text": "Promocode duplicated"}
    assert envelope["data"][0]["error"] == 0
    assert (envelope["inserted"], envelope["duplicated"], envelope["discarded_by_limit"]) == (1, 1, 0)
    assert api.info("P11-0002") == before


# --- get --------------------------------------------------------------------------------------


def get_free(api: Api, op: str, mode: str | None) -> None:
    data = api.info("P11-0001")
    assert data["is_attached"] is False and data["is_activated"] is False and data["is_expired"] is False
    assert data["attached"] == data["activated"] == data["expired"] == data["expire_date"] == ""
    assert data["code"] == "P11-0001" and data["loyalty_id"] == PERSONAL and data["created"].endswith("Z")
    assert "profile_id" not in data and "database_id" not in data


def get_attached(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, BOB, "P11-0003")
    data = api.info("P11-0003")
    assert data["is_attached"] is True and data["attached"].endswith("Z")
    assert data["profile_id"] == BOB["profile_id"] and data["database_id"] == 1


def get_unknown(api: Api, op: str, mode: str | None) -> None:
    assert unchanged(api, lambda: api.refused("get", code="NOPE", loyalty_id=PERSONAL))["error"] == 430


# --- activate ---------------------------------------------------------------------------------


def activate_attached(api: Api, op: str, mode: str | None) -> None:
    api.ok("activate", code="X13-0001", loyalty_id=EXHAUSTED)
    data = api.info("X13-0001", EXHAUSTED)
    assert data["is_activated"] is True and data["activated"].endswith("Z")
    assert next(i for i in api.export(EXHAUSTED) if i["code"] == "X13-0001")["activated"] == data["activated"]


def activate_free(api: Api, op: str, mode: str | None) -> None:
    assert unchanged(api, lambda: api.refused("activate", code="P11-0001", loyalty_id=PERSONAL))["error"] == 433


def activate_unknown(api: Api, op: str, mode: str | None) -> None:
    assert unchanged(api, lambda: api.refused("activate", code="NOPE", loyalty_id=PERSONAL))["error"] == 430


def activate_activated(api: Api, op: str, mode: str | None) -> None:
    assert unchanged(api, lambda: api.refused("activate", code="X13-0002", loyalty_id=EXHAUSTED))["error"] == 436


# --- update -----------------------------------------------------------------------------------


def update_no_options(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused("update", code="X13-0001", loyalty_id=EXHAUSTED))
    assert envelope["error"] == 400 and "activated" in envelope["error_text"]


def update_activate(api: Api, op: str, mode: str | None) -> None:
    api.ok("update", code="X13-0001", loyalty_id=EXHAUSTED, activated=True)
    assert api.info("X13-0001", EXHAUSTED)["is_activated"] is True


def update_deactivate(api: Api, op: str, mode: str | None) -> None:
    api.ok("update", code="X13-0002", loyalty_id=EXHAUSTED, activated=False)
    data = api.info("X13-0002", EXHAUSTED)
    assert data["is_activated"] is False and data["activated"] == ""
    assert "activated" not in next(i for i in api.export(EXHAUSTED) if i["code"] == "X13-0002")


def update_expire_date(api: Api, op: str, mode: str | None) -> None:
    api.app.store.now = clock_at(NOW)  # the mock's clock, injected: expiry is judged against it
    later, earlier = shifted(NOW, 1), shifted(NOW, -1)
    api.ok("update", code="X13-0001", loyalty_id=EXHAUSTED, expire_date=later)
    data = api.info("X13-0001", EXHAUSTED)
    assert data["expire_date"] == later and data["is_expired"] is False and data["expired"] == ""
    api.ok("update", code="X13-0001", loyalty_id=EXHAUSTED, expire_date=NOW)  # at the instant: expired
    data = api.info("X13-0001", EXHAUSTED)
    assert data["is_expired"] is True and data["expired"] == NOW
    api.ok("update", code="X13-0001", loyalty_id=EXHAUSTED, expire_date=earlier)
    data = api.info("X13-0001", EXHAUSTED)
    assert data["is_expired"] is True and data["expired"] == earlier
    api.app.store.now = clock_at(shifted(NOW, -2))  # the clock reads before the date again: not expired
    data = api.info("X13-0001", EXHAUSTED)
    assert data["is_expired"] is False and data["expired"] == ""


def update_expire_date_free(api: Api, op: str, mode: str | None) -> None:
    api.ok("update", code="P11-0001", loyalty_id=PERSONAL, expire_date=SOME_DATE)
    data = api.info("P11-0001")
    assert data["expire_date"] == SOME_DATE and data["is_attached"] is False


def update_activate_free(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused("update", code="P11-0001", loyalty_id=PERSONAL, activated=True))
    assert envelope["error"] == 433


def update_unknown(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused("update", code="NOPE", loyalty_id=PERSONAL, expire_date=SOME_DATE))
    assert envelope["error"] == 430


# --- attach -----------------------------------------------------------------------------------


def attach_restricted(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, BOB, "P11-0001")
    envelope = unchanged(
        api, lambda: api.refused("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE, mode))
    )
    assert envelope["error"] == 431
    assert api.info("P11-0001")["profile_id"] == BOB["profile_id"]


def attach_universal(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, BOB, "U12-0001", UNIVERSAL)
    api.ok("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE, mode))
    holders = api.app.store.programs[UNIVERSAL].codes["U12-0001"].holders
    assert list(holders) == [(1, BOB["profile_id"]), (1, ALICE["profile_id"])]
    assert api.info("U12-0001", UNIVERSAL)["is_attached"] is True


def attach_free(api: Api, op: str, mode: str | None) -> None:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0004", **who(CAROL, mode))
    data = api.info("P11-0004")
    assert data["is_attached"] is True and data["profile_id"] == CAROL["profile_id"] and data["database_id"] == 1


def attach_unknown(api: Api, op: str, mode: str | None) -> None:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="BRAND-NEW", **who(ALICE, mode))
    data = api.info("BRAND-NEW")
    assert data["profile_id"] == ALICE["profile_id"] and data["created"].endswith("Z")
    assert api.export(PERSONAL)[-1]["code"] == "BRAND-NEW"


def attach_unknown_creation_disallowed(api: Api, op: str, mode: str | None) -> None:
    api.app.store.programs[UNIVERSAL].creates_codes = False  # as the seed's `creates_codes: false` sets it
    envelope = unchanged(
        api, lambda: api.refused("attach", db_id=1, loyalty_id=UNIVERSAL, code="BRAND-NEW", **who(ALICE, mode))
    )
    assert envelope["error"] == 438
    assert "BRAND-NEW" not in {i["code"] for i in api.export(UNIVERSAL)}
    api.ok("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE, mode))  # held codes still attach
    api.ok("import", codes=["IMPORTED"], loyalty_id=UNIVERSAL)  # and import still imports


def attach_no_code(api: Api, op: str, mode: str | None) -> None:
    before = {i["code"] for i in api.export(PERSONAL) if "attached" not in i}
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, **who(ALICE, mode))
    after = {i["code"] for i in api.export(PERSONAL) if "attached" not in i}
    (drawn,) = before - after
    assert after < before
    assert api.info(drawn)["profile_id"] == ALICE["profile_id"]


def attach_pool_empty(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused("attach", db_id=1, loyalty_id=EXHAUSTED, **who(BOB, mode)))
    assert envelope["error"] == 437


def attach_pool_empty_creation_disallowed(api: Api, op: str, mode: str | None) -> None:
    api.app.store.programs[EXHAUSTED].creates_codes = False
    envelope = unchanged(api, lambda: api.refused("attach", db_id=1, loyalty_id=EXHAUSTED, **who(BOB, mode)))
    assert envelope["error"] == 437


def attach_same_profile(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, ALICE, "P11-0001")
    envelope = unchanged(
        api, lambda: api.refused("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE, mode))
    )
    assert envelope["error"] == 431
    attach_to(api, ALICE, "U12-0001", UNIVERSAL)
    unchanged(api, lambda: api.ok("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE, mode)))


def attach_profile_unknown(api: Api, op: str, mode: str | None) -> None:
    stranger = {
        "profile_id": "ffffffffffffffffffffffff",
        "email": "nobody@example.com",
        "phone": "+70000000000",
        "field_name": "CRM_ID",
        "field_value": "Z-0000",
    }
    envelope = unchanged(
        api, lambda: api.refused("attach", db_id=1, loyalty_id=PERSONAL, code="NEW-X", **who(stranger, mode))
    )
    assert envelope["error"] == 421


def attach_matching_default(api: Api, op: str, mode: str | None) -> None:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0005", email=BOB["email"], profile_id=ALICE["profile_id"])
    assert api.info("P11-0005")["profile_id"] == BOB["profile_id"]


def attach_fields_missing(api: Api, op: str, mode: str | None) -> None:
    assert mode is not None
    fields = {"matching": mode} if mode != "custom" else {"matching": "custom", "field_name": "CRM_ID"}
    envelope = unchanged(api, lambda: api.refused("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **fields))
    assert envelope["error"] == 400
    assert ("field_value" if mode == "custom" else mode) in envelope["error_text"]


# --- detach -----------------------------------------------------------------------------------


def detach_attached(api: Api, op: str, mode: str | None) -> None:
    api.ok("detach", db_id=1, loyalty_id=EXHAUSTED, code="X13-0001", **who(ALICE, mode))
    data = api.info("X13-0001", EXHAUSTED)
    assert data["is_attached"] is False and data["attached"] == "" and "profile_id" not in data
    assert "attached" not in next(i for i in api.export(EXHAUSTED) if i["code"] == "X13-0001")


def detach_omitted(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(api, lambda: api.refused("detach", db_id=1, loyalty_id=EXHAUSTED, **who(ALICE, mode)))
    assert envelope["error"] == 400 and "code" in envelope["error_text"]


def detach_several(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, ALICE, "U12-0002", UNIVERSAL)
    attach_to(api, BOB, "U12-0002", UNIVERSAL)
    envelope = unchanged(
        api, lambda: api.refused("detach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0002", **who(ALICE, mode))
    )
    assert envelope["error"] == 434


def detach_other(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(
        api, lambda: api.refused("detach", db_id=1, loyalty_id=EXHAUSTED, code="X13-0001", **who(BOB, mode))
    )
    assert envelope["error"] == 435


def detach_free(api: Api, op: str, mode: str | None) -> None:
    envelope = unchanged(
        api, lambda: api.refused("detach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(BOB, mode))
    )
    assert envelope["error"] == 433


# --- export_all -------------------------------------------------------------------------------


def export_lists(api: Api, op: str, mode: str | None) -> None:
    attach_to(api, ALICE, "P11-0002")
    api.ok("activate", code="P11-0002", loyalty_id=PERSONAL)
    items = api.export(PERSONAL)
    assert [i["code"] for i in items] == [f"P11-000{n}" for n in range(1, 9)]
    assert items[0] == {"code": "P11-0001"}
    assert set(items[1]) == {"code", "attached", "activated"}
    assert items[1]["attached"].endswith("Z") and items[1]["activated"].endswith("Z")


SCENARIOS: dict[str, tuple[Scenario, bool]] = {
    "auth.token-missing": (token_missing, False),
    "auth.token-wrong": (token_wrong, False),
    "request.invalid": (request_invalid, False),
    "import.codes-new": (import_new, False),
    "import.codes-duplicate": (import_duplicate, False),
    "get.code-free": (get_free, False),
    "get.code-attached": (get_attached, False),
    "get.code-unknown": (get_unknown, False),
    "activate.code-attached": (activate_attached, False),
    "activate.code-free": (activate_free, False),
    "activate.code-unknown": (activate_unknown, False),
    "activate.code-activated": (activate_activated, False),
    "update.no-options": (update_no_options, False),
    "update.activate": (update_activate, False),
    "update.deactivate": (update_deactivate, False),
    "update.expire-date": (update_expire_date, False),
    "update.expire-date-free": (update_expire_date_free, False),
    "update.activate-free": (update_activate_free, False),
    "update.code-unknown": (update_unknown, False),
    "attach.code-attached-restricted": (attach_restricted, True),
    "attach.code-attached-universal": (attach_universal, True),
    "attach.code-free": (attach_free, True),
    "attach.code-unknown": (attach_unknown, True),
    "attach.code-unknown-creation-disallowed": (attach_unknown_creation_disallowed, True),
    "attach.no-code-free-available": (attach_no_code, True),
    "attach.no-code-pool-empty": (attach_pool_empty, True),
    "attach.no-code-pool-empty-creation-disallowed": (attach_pool_empty_creation_disallowed, True),
    "attach.code-attached-same-profile": (attach_same_profile, True),
    "attach.profile-unknown": (attach_profile_unknown, True),
    "attach.matching-default": (attach_matching_default, False),
    "attach.matching-fields-missing": (attach_fields_missing, True),
    "detach.code-attached": (detach_attached, True),
    "detach.code-omitted": (detach_omitted, True),
    "detach.code-attached-several": (detach_several, True),
    "detach.code-attached-other": (detach_other, True),
    "detach.code-free": (detach_free, True),
    "export_all.lists-program": (export_lists, False),
}


def _cases() -> list[Any]:
    cases = []
    for rule in SPEC.rules:
        scenario = SCENARIOS.get(rule.id)
        if scenario is None:
            continue
        modes: tuple[str | None, ...] = MODES if scenario[1] else (None,)
        for mode in modes:
            label = f"{rule.id}[{rule.operation}]" + (f"[{mode}]" if mode else "")
            cases.append(pytest.param(rule.id, rule.operation, mode, id=label))
    return cases


def test_every_rule_has_a_scenario() -> None:
    missing = sorted({rule.id for rule in SPEC.rules} - SCENARIOS.keys())
    assert not missing, f"rules without a mock test: {missing}"


@pytest.mark.parametrize(("rule_id", "op", "mode"), _cases())
def test_rule(api: Api, rule_id: str, op: str, mode: str | None) -> None:
    SCENARIOS[rule_id][0](api, op, mode)
