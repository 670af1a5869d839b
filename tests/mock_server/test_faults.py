"""Each fault breaks its one behaviour observably with the default seed, and is off unless named."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mock_server.app import create_app
from mock_server.faults import FAULTS, REGISTRY, UnknownFaultError
from mock_server.parts import Parts
from mock_server.seed import Seed
from tests.mock_server.conftest import (
    ALICE,
    BASE,
    BOB,
    CAROL,
    EXHAUSTED,
    PERSONAL,
    SOME_DATE,
    TOKEN,
    UNIVERSAL,
    Api,
    who,
)

Detector = Callable[[Api], bool]


def _holder(api: Api, code: str, loyalty_id: int = PERSONAL) -> str | None:
    """The profile holding ``code``, read from the state itself (so get's own faults do not blur it)."""
    holders = api.app.store.programs[loyalty_id].codes[code].holders
    return next(iter(holders))[1] if holders else None


def restricted_reattach(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(BOB))
    return api.call("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))["error"] == 0


def unknown_code_rejected(api: Api) -> bool:
    return api.call("attach", db_id=1, loyalty_id=PERSONAL, code="NEW-1", **who(ALICE))["error"] != 0


def universal_single_use(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(BOB))
    return api.call("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE))["error"] != 0


def pool_draw_noop(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, **who(ALICE))
    return all("attached" not in item for item in api.export(PERSONAL))


def detach_several_allowed(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(BOB))
    if api.call("attach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE))["error"] != 0:
        return False  # no code attached to several profiles to try it on
    return api.call("detach", db_id=1, loyalty_id=UNIVERSAL, code="U12-0001", **who(ALICE))["error"] == 0


def detach_without_code_ok(api: Api) -> bool:
    return api.call("detach", db_id=1, loyalty_id=EXHAUSTED, **who(ALICE))["error"] == 0


def activate_unattached_ok(api: Api) -> bool:
    return (
        api.call("activate", code="P11-0001", loyalty_id=PERSONAL)["error"] == 0
        and api.info("P11-0001")["is_activated"]
    )


def update_no_options_ok(api: Api) -> bool:
    return api.call("update", code="X13-0001", loyalty_id=EXHAUSTED)["error"] == 0


def import_duplicate_overwrites(api: Api) -> bool:
    envelope = api.ok("import", codes=["X13-0001"], loyalty_id=EXHAUSTED)
    return envelope["inserted"] == 1 or api.info("X13-0001", EXHAUSTED)["is_attached"] is False


def phone_matching_broken(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(CAROL, "phone"))
    return _holder(api, "P11-0001") != CAROL["profile_id"]


def custom_matching_ignores_name(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(CAROL, "custom"))
    return _holder(api, "P11-0001") != CAROL["profile_id"]


def default_matching_profile_id(api: Api) -> bool:
    api.call("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(CAROL, None))
    return _holder(api, "P11-0001") != CAROL["profile_id"]


def db_scope_ignored(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(BOB, "email"))
    return list(api.app.store.programs[PERSONAL].codes["P11-0001"].holders) != [(1, BOB["profile_id"])]


def xml_request_rejected(api: Api) -> bool:
    api.wire = "xml"
    return api.call("get", code="P11-0001", loyalty_id=PERSONAL)["error"] != 0


def xml_request_last_repeat_only(api: Api) -> bool:
    api.wire = "xml"
    answer = api.call("import", codes=["FAULT-REPEAT-1", "FAULT-REPEAT-2"], loyalty_id=PERSONAL)
    return answer["error"] == 0 and answer.get("inserted") != 2


def xml_response_wrong_shape(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "code": "P11-0001", "loyalty_id": PERSONAL, "format": "xml"}).encode()
    out = api.raw("get", body).get_data()
    return not out.startswith(b"<xml>") or b"<is_attached>false</is_attached>" not in out


def format_ignored(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "code": "P11-0001", "loyalty_id": PERSONAL, "format": "xml"}).encode()
    return not api.raw("get", body).headers["Content-Type"].startswith("application/xml")


def auth_missing_accepted(api: Api) -> bool:
    return api.call("get", token=None, code="P11-0001", loyalty_id=PERSONAL)["error"] == 0


def auth_any_token(api: Api) -> bool:
    return api.call("get", token="guess", code="P11-0001", loyalty_id=PERSONAL)["error"] == 0


def auth_prefix_token(api: Api) -> bool:
    return api.call("get", token=TOKEN + "x", code="P11-0001", loyalty_id=PERSONAL)["error"] == 0


def _by_header(api: Api, op: str, header: str, **params: object) -> int:
    """The error of ``op`` with the token only in ``Authorization: Bearer`` (v74 faults)."""
    response = api.client.post(
        BASE + op,
        data=json.dumps(params),
        content_type="application/json",
        headers={"Authorization": f"Bearer {header}"},
    )
    error: int = json.loads(response.get_data())["error"]
    return error


def auth_header_ignored(api: Api) -> bool:
    return _by_header(api, "get", TOKEN, code="P11-0001", loyalty_id=PERSONAL) != 0


def auth_header_any_token(api: Api) -> bool:
    return _by_header(api, "get", "guess", code="P11-0001", loyalty_id=PERSONAL) == 0


def auth_header_some_operations(api: Api) -> bool:
    served = _by_header(api, "get", TOKEN, code="P11-0001", loyalty_id=PERSONAL) == 0
    return served and _by_header(api, "export_all", TOKEN, loyalty_id=PERSONAL) != 0


def attach_race(api: Api) -> bool:
    gate = threading.Barrier(3)

    def one(profile: dict[str, str]) -> int:
        gate.wait()
        error: int = Api(api.app).call("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(profile))["error"]
        return error

    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(one, [ALICE, BOB, CAROL])).count(0) > 1


def pool_draw_race(api: Api) -> bool:
    gate = threading.Barrier(3)

    def one(profile: dict[str, str]) -> int:
        gate.wait()
        error: int = Api(api.app).call("attach", db_id=1, loyalty_id=PERSONAL, **who(profile))["error"]
        return error

    before = {item["code"] for item in api.export(PERSONAL) if item.get("attached")}
    with ThreadPoolExecutor(3) as pool:
        drawn = list(pool.map(one, [ALICE, BOB, CAROL])).count(0)
    taken = {item["code"] for item in api.export(PERSONAL) if item.get("attached")} - before
    return len(taken) < drawn  # a draw answered error 0 took no code of its own


def get_hides_profile(api: Api) -> bool:
    return "profile_id" not in api.info("X13-0001", EXHAUSTED)


def export_omits_activated(api: Api) -> bool:
    return all("activated" not in item for item in api.export(EXHAUSTED))


def activate_wrong_code(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0002", **who(BOB))
    api.ok("activate", code="P11-0002", loyalty_id=PERSONAL)
    return not api.info("P11-0002")["is_activated"] or api.info("P11-0001")["is_activated"]


def import_noop(api: Api) -> bool:
    api.ok("import", loyalty_id=PERSONAL, codes=["NEW-1"])
    return all(item["code"] != "NEW-1" for item in api.export(PERSONAL))


def attach_noop(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    return _holder(api, "P11-0001") is None


def detach_noop(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    if _holder(api, "P11-0001") is None:
        return False  # nothing attached to detach (another fault)
    api.ok("detach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    return _holder(api, "P11-0001") is not None


def activate_noop(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    api.ok("activate", loyalty_id=PERSONAL, code="P11-0001")
    return not api.app.store.programs[PERSONAL].codes["P11-0001"].activated


def update_noop(api: Api) -> bool:
    api.ok("update", loyalty_id=PERSONAL, code="P11-0001", expire_date=SOME_DATE)
    return not api.app.store.programs[PERSONAL].codes["P11-0001"].expire_date


def restricted_second_holder(api: Api) -> bool:
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(BOB))
    api.call("attach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    return len(api.app.store.programs[PERSONAL].codes["P11-0001"].holders) > 1


def unknown_db_first_database(api: Api) -> bool:
    return api.call("attach", db_id=999, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))["error"] == 0


def program_scope_ignored(api: Api) -> bool:
    return api.call("get", loyalty_id=UNIVERSAL, code="P11-0001")["error"] == 0


def json_labelled_text(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "code": "P11-0001", "loyalty_id": PERSONAL}).encode()
    return not api.raw("get", body).headers["Content-Type"].startswith("application/json")


def refused_activate_applied(api: Api) -> bool:
    refused = api.call("activate", loyalty_id=PERSONAL, code="P11-0001")["error"] != 0
    return refused and bool(api.app.store.programs[PERSONAL].codes["P11-0001"].activated)


def clock_backwards(api: Api) -> bool:
    api.ok("import", loyalty_id=PERSONAL, codes=["NEW-1"])
    api.ok("attach", db_id=1, loyalty_id=PERSONAL, code="NEW-1", **who(ALICE))
    state = api.app.store.programs[PERSONAL].codes["NEW-1"]
    return state.attached < state.created


def export_respells_markup(api: Api) -> bool:
    api.ok("import", loyalty_id=PERSONAL, codes=["<a&b>"])
    return all(item["code"] != "<a&b>" for item in api.export(PERSONAL))


def format_type_unchecked(api: Api) -> bool:
    return api.call("export_all", loyalty_id=PERSONAL, format=True)["error"] == 0


def creation_disallowed_ignored(api: Api) -> bool:
    api.app.store.programs[UNIVERSAL].creates_codes = False  # as the fault's seed (creation_disallowed_seed.yaml)
    return api.call("attach", db_id=1, loyalty_id=UNIVERSAL, code="NEW-1", **who(ALICE))["error"] == 0


def attach_http_500(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "db_id": 1, "loyalty_id": PERSONAL, "code": "P11-0001", **who(ALICE)})
    return api.raw("attach", body.encode()).status_code == 500


def json_requests_refused(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "loyalty_id": PERSONAL}).encode()
    return json.loads(api.raw("export_all", body).get_data())["error"] == 400


def error_as_string(api: Api) -> bool:
    body = json.dumps({"token": TOKEN, "loyalty_id": PERSONAL}).encode()
    return json.loads(api.raw("export_all", body).get_data())["error"] == "0"


def export_other_program(api: Api) -> bool:
    return any(item["code"].startswith("P11-") for item in api.export(EXHAUSTED))


def import_repeat_inserted(api: Api) -> bool:
    envelope = api.ok("import", loyalty_id=PERSONAL, codes=["REP-1", "REP-1"])
    stored = "REP-1" in api.app.store.programs[PERSONAL].codes  # read from the state: import-noop stores nothing
    return stored and (envelope["inserted"] == 2 or envelope["data"][1]["error"] == 0)


def get_never_expired(api: Api) -> bool:
    api.ok("update", loyalty_id=PERSONAL, code="P11-0001", expire_date="2001-01-01T00:00:00Z")
    stored = api.app.store.programs[PERSONAL].codes["P11-0001"].expire_date  # update-noop sets nothing
    return bool(stored) and api.info("P11-0001")["is_expired"] is False


def code_case_inconsistent(api: Api) -> bool:
    envelope = api.ok("import", loyalty_id=PERSONAL, codes=["p11-0001"])
    return envelope["data"][0]["error"] != 0 and "p11-0001" not in api.app.store.programs[PERSONAL].codes


def pool_forgets_detached(api: Api) -> bool:
    codes = api.app.store.programs[PERSONAL].codes
    for _ in range(len(codes)):  # every code of program 11 drawn: the pool is empty afterwards
        api.call("attach", db_id=1, loyalty_id=PERSONAL, **who(ALICE))
    api.call("detach", db_id=1, loyalty_id=PERSONAL, code="P11-0001", **who(ALICE))
    # read from the state: draws that attach nothing (attach-noop, pool-draw-noop) or a detach that frees nothing
    # (detach-noop) leave no drained pool with one code given back
    given_back = not codes["P11-0001"].holders and all(s.holders for c, s in codes.items() if c != "P11-0001")
    return given_back and api.call("attach", db_id=1, loyalty_id=PERSONAL, **who(ALICE))["error"] != 0


DETECTORS: dict[str, Detector] = {
    "restricted-reattach": restricted_reattach,
    "unknown-code-rejected": unknown_code_rejected,
    "universal-single-use": universal_single_use,
    "pool-draw-noop": pool_draw_noop,
    "detach-several-allowed": detach_several_allowed,
    "detach-without-code-ok": detach_without_code_ok,
    "activate-unattached-ok": activate_unattached_ok,
    "update-no-options-ok": update_no_options_ok,
    "import-duplicate-overwrites": import_duplicate_overwrites,
    "phone-matching-broken": phone_matching_broken,
    "custom-matching-ignores-name": custom_matching_ignores_name,
    "default-matching-profile-id": default_matching_profile_id,
    "db-scope-ignored": db_scope_ignored,
    "xml-request-rejected": xml_request_rejected,
    "xml-request-last-repeat-only": xml_request_last_repeat_only,
    "xml-response-wrong-shape": xml_response_wrong_shape,
    "format-ignored": format_ignored,
    "auth-missing-accepted": auth_missing_accepted,
    "auth-any-token": auth_any_token,
    "auth-prefix-token": auth_prefix_token,
    "auth-header-ignored": auth_header_ignored,
    "auth-header-any-token": auth_header_any_token,
    "auth-header-some-operations": auth_header_some_operations,
    "attach-race": attach_race,
    "pool-draw-race": pool_draw_race,
    "get-hides-profile": get_hides_profile,
    "export-omits-activated": export_omits_activated,
    "activate-wrong-code": activate_wrong_code,
    "import-noop": import_noop,
    "attach-noop": attach_noop,
    "detach-noop": detach_noop,
    "activate-noop": activate_noop,
    "update-noop": update_noop,
    "restricted-second-holder": restricted_second_holder,
    "unknown-db-first-database": unknown_db_first_database,
    "program-scope-ignored": program_scope_ignored,
    "json-labelled-text": json_labelled_text,
    "refused-activate-applied": refused_activate_applied,
    "clock-backwards": clock_backwards,
    "export-respells-markup": export_respells_markup,
    "format-type-unchecked": format_type_unchecked,
    "creation-disallowed-ignored": creation_disallowed_ignored,
    "attach-http-500": attach_http_500,
    "json-requests-refused": json_requests_refused,
    "error-as-string": error_as_string,
    "export-other-program": export_other_program,
    "import-repeat-inserted": import_repeat_inserted,
    "get-never-expired": get_never_expired,
    "code-case-inconsistent": code_case_inconsistent,
    "pool-forgets-detached": pool_forgets_detached,
}


def test_every_fault_has_a_detector() -> None:
    assert sorted(DETECTORS) == sorted(FAULTS)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_fault_is_observable_and_off_by_default(make_api: Callable[..., Api], fault: str) -> None:
    version = REGISTRY[fault].api_version  # a v74 fault breaks the v74 mock
    assert DETECTORS[fault](make_api(api_version=version)) is False, "the healthy mock shows the broken behaviour"
    assert DETECTORS[fault](make_api(faults=frozenset({fault}), api_version=version)) is True, (
        "the fault changes nothing visible"
    )


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_fault_breaks_only_its_own_behaviour(make_api: Callable[..., Api], fault: str) -> None:
    version = REGISTRY[fault].api_version
    others = [
        name
        for name in DETECTORS
        if name != fault and name not in _OVERLAPS.get(fault, ()) and REGISTRY[name].api_version in (None, version)
    ]
    for name in others:
        broken = make_api(faults=frozenset({fault}), api_version=version)
        assert DETECTORS[name](broken) is False, f"{fault} also breaks {name}"


# Faults whose single broken behaviour another detector also sees (same root cause, no second change).
_OVERLAPS: dict[str, tuple[str, ...]] = {
    "xml-response-wrong-shape": ("format-ignored",),
    "format-ignored": ("xml-response-wrong-shape",),
    "restricted-reattach": ("attach-race",),  # sequential re-attaches succeed too, so the race detector sees >1 success
    "attach-race": ("pool-draw-race",),  # without the lock concurrent draws race too (one root cause)
    "pool-draw-noop": ("pool-draw-race",),  # draws answered error 0 that took no code
    "auth-any-token": ("auth-prefix-token",),  # any token includes the near misses
    # the success-without-effect faults: every detector of that operation's effect sees "nothing happened"
    "activate-noop": ("activate-wrong-code",),
    "activate-wrong-code": ("activate-noop",),
    "attach-noop": (
        "restricted-reattach",
        "pool-draw-noop",
        "phone-matching-broken",
        "custom-matching-ignores-name",
        "default-matching-profile-id",
        "db-scope-ignored",
        "attach-race",
        "activate-wrong-code",
        "activate-noop",
        "clock-backwards",
        "creation-disallowed-ignored",  # any attach answers error 0, an unknown code's too
        "pool-draw-race",  # draws answered error 0 that took no code
    ),
    "detach-noop": ("detach-several-allowed", "detach-without-code-ok"),
    "import-noop": ("import-duplicate-overwrites", "export-respells-markup"),
    "restricted-second-holder": ("restricted-reattach", "attach-race"),  # a second holder: re-attaches succeed
    # the test client requires the JSON label on every answer, so every detector trips over the mislabel
    "json-labelled-text": tuple(DETECTORS),
    # the test client requires HTTP 200 and reads JSON: every detector that attaches, or sends or reads JSON, trips
    "attach-http-500": tuple(DETECTORS),
    "json-requests-refused": tuple(DETECTORS),
    "error-as-string": tuple(DETECTORS),
    "export-other-program": ("export-omits-activated",),  # program 13's listing is 11's, where nothing is activated
}


def test_no_fault_is_on_by_default(seed: Seed) -> None:
    assert create_app(seed, token=TOKEN).faults == frozenset()


def test_an_unknown_fault_is_a_clear_error(seed: Seed) -> None:
    with pytest.raises(
        UnknownFaultError, match=r"unknown fault\(s\): no-such-fault; known faults: activate-noop, activate-unattached"
    ):
        create_app(seed, token=TOKEN, faults=frozenset({"no-such-fault"}))


def _suite_tests() -> set[str]:
    """The test functions of the contract suite (``def test_...`` in ``contract_tests/test_*.py``)."""
    names = set()
    for module in (Path(__file__).resolve().parents[2] / "contract_tests").glob("test_*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
    return names


def test_the_mock_names_no_suite_test() -> None:
    # which oracle catches a fault is declared in oracle tags; the runtime package knows nothing of the suite's tests
    names = _suite_tests()
    root = Path(__file__).resolve().parents[2] / "mock_server"
    for module in root.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not [n for n in names if n in text], f"{module} names a test of contract_tests"


def test_each_fault_is_declared_once_under_its_literal_name() -> None:
    # a search for a fault's name finds its declaration: no name is built by formatting, none is written twice
    root = Path(__file__).resolve().parents[2]
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "mock_server" / "faults").glob("*.py")}
    for name, registered in REGISTRY.items():
        found = [p for p, text in sources.items() for _ in re.finditer(re.escape(f'"{name}"'), text)]
        assert len(found) == 1, f"{name}: {len(found)} literal occurrences in mock_server/faults"
        path, line = registered.declared_at.rsplit(":", 1)
        statement = (root / path).read_text(encoding="utf-8").splitlines()[int(line) - 1 : int(line) + 3]
        assert found[0] == root / path and any(f'"{name}"' in text for text in statement), registered.declared_at


def test_list_faults_prints_where_each_fault_is_declared() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "mock_server.cli", "--list-faults"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(listed) == len(REGISTRY)
    for line, (name, registered) in zip(listed, REGISTRY.items(), strict=True):
        assert line.startswith(f"{name}: {registered.breaks} (mock_server/faults/"), line
        assert f"({registered.declared_at}" in line and re.search(r"\.py:\d+", line), line


def test_a_fault_overrides_only_its_part(seed: Seed) -> None:
    faithful = create_app(seed, token=TOKEN).parts
    broken = create_app(seed, token=TOKEN, faults=frozenset({"phone-matching-broken"})).parts
    assert getattr(faithful.find_profile, "__self__", None) is faithful.directory
    assert getattr(broken.find_profile, "__self__", None) is None  # replaced by the fault's override
    assert broken.handlers.keys() == faithful.handlers.keys()
    assert all(broken.handlers[op] is faithful.handlers[op] for op in faithful.handlers)
    assert broken.decode is faithful.decode and broken.encode is faithful.encode


def _replaced_parts(parts: Parts, override: Callable[[Parts], None]) -> set[str]:
    """The parts (named as ``Fault.part`` names them) that ``override`` replaces in ``parts``."""
    handlers = dict(parts.handlers)
    named = {"matching": "find_profile", "wire:decode": "decode", "wire:encode": "encode", "auth": "authenticate"}
    named["validation"] = "schema_errors"
    named["status"] = "status"
    before = {part: getattr(parts, attr) for part, attr in named.items()}
    lock, now = parts.store.lock, parts.store.now
    override(parts)
    replaced = {f"handler:{op}" for op, handler in parts.handlers.items() if handler is not handlers[op]}
    replaced |= {part for part, attr in named.items() if getattr(parts, attr) != before[part]}
    return replaced | ({"store"} if parts.store.lock is not lock or parts.store.now != now else set())


@pytest.mark.parametrize("fault", list(REGISTRY))
def test_each_fault_replaces_the_part_it_declares(seed: Seed, fault: str) -> None:
    registered = REGISTRY[fault]
    replaced = _replaced_parts(create_app(seed, token=TOKEN).parts, registered.override)
    if registered.part.startswith("handler:"):  # program-scope-ignored wraps several handlers, its part the first
        assert registered.part in replaced and all(p.startswith("handler:") for p in replaced), replaced
    else:
        assert replaced == {registered.part}
