"""The oracles on hand-made looks: each catches its violation, names itself, and passes a coherent answer."""

from __future__ import annotations

from typing import Any

from contract_tests.frame import frame_problems
from contract_tests.invariants import History, restricted_single_holder
from contract_tests.observed import Observed, subject_of
from contract_tests.postconditions import Look, success_problems
from contract_tests.report import Masker, Report
from contract_tests.target import Profile, Target
from contract_tests.wire_oracles import label_problem
from contract_tests.world import Entry
from promo_spec import load_spec

SPEC = load_spec()
ALICE = Profile("p-alice", "alice@example.com", "+1", "CRM", "A")
BOB = Profile("p-bob", "bob@example.com", "+2", "CRM", "B")
TARGET = Target("http://127.0.0.1:1", "T", 1, (ALICE, BOB), 11, 12, None, token="t")
T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"


def _info(code: str, *, holder: str = "", activated: str = "", program: int = 11, db: int = 1) -> dict[str, Any]:
    info: dict[str, Any] = {
        "code": code,
        "loyalty_id": program,
        "created": T0,
        "attached": T1 if holder else "",
        "activated": activated,
        "is_attached": bool(holder),
        "is_activated": bool(activated),
    }
    if holder:
        info.update(profile_id=holder, database_id=db)
    return info


def _look(code: str, *, holder: str = "", activated: str = "", db: int = 1, others: bool = False) -> Observed:
    listing = {code: Entry(attached=T1 if holder else "", activated=activated)}
    if others:
        listing["NEIGHBOUR"] = Entry()
    return Observed({11: listing, 12: {}}, {(11, code): _info(code, holder=holder, activated=activated, db=db)})


def _attach(code: str = "C1", db: int = 1, who: Profile = ALICE) -> dict[str, Any]:
    return {"loyalty_id": 11, "code": code, "db_id": db, "matching": "email", "email": who.email}


def _post(body: dict[str, Any], op: str, before: Observed, after: Observed, envelope: Any = None) -> list[str]:
    subject = subject_of(TARGET, op, body)
    assert subject is not None
    look = Look(TARGET, subject, envelope or {"error": 0, "data": None}, before, after, lambda p, c: None)
    return success_problems(SPEC, look)


def test_attach_success_without_effect_breaks_the_postcondition() -> None:
    problems = _post(_attach(), "attach", _look("C1"), _look("C1"))
    assert problems and problems[0].startswith("[postcondition matched_profile_holds_code]")
    assert _post(_attach(), "attach", _look("C1"), _look("C1", holder="p-alice")) == []


def test_attach_in_another_database_must_not_match_the_targets_profile() -> None:
    problems = _post(_attach(db=999), "attach", _look("C1"), _look("C1", holder="p-alice", db=1))
    assert any("database_id" in p and "[postcondition" in p for p in problems)


def test_detach_activate_update_postconditions() -> None:
    body = {"loyalty_id": 11, "code": "C1", "db_id": 1, "matching": "email", "email": ALICE.email}
    assert _post(body, "detach", _look("C1", holder="p-alice"), _look("C1", holder="p-alice"))
    assert _post(body, "detach", _look("C1", holder="p-alice"), _look("C1")) == []
    assert _post({"loyalty_id": 11, "code": "C1"}, "activate", _look("C1"), _look("C1"))
    assert _post({"loyalty_id": 11, "code": "C1"}, "activate", _look("C1"), _look("C1", activated=T1)) == []
    update = {"loyalty_id": 11, "code": "C1", "activated": False}
    assert _post(update, "update", _look("C1", activated=T1), _look("C1", activated=T1))


def test_import_items_must_agree_with_the_listing() -> None:
    envelope = {"error": 0, "inserted": 1, "data": [{"code": "NEW", "error": 0}]}
    body = {"loyalty_id": 11, "codes": ["NEW"]}
    problems = _post(body, "import", Observed({11: {}}), Observed({11: {}}), envelope)
    assert problems and "[postcondition items_agree_with_listing]" in problems[0]
    assert _post(body, "import", Observed({11: {}}), Observed({11: {"NEW": Entry()}}), envelope) == []


def test_import_counters_are_counts_of_the_codes_sent() -> None:
    body = {"loyalty_id": 11, "codes": ["NEW"]}
    after = Observed({11: {"NEW": Entry()}})
    ok = {"error": 0, "data": [{"code": "NEW", "error": 0}], "inserted": 1, "duplicated": 0, "discarded_by_limit": 0}
    assert _post(body, "import", Observed({11: {}}), after, ok) == []
    for wrong in ({"discarded_by_limit": -1}, {"discarded_by_limit": 1}, {"duplicated": 1}):
        problems = _post(body, "import", Observed({11: {}}), after, {**ok, **wrong})
        assert problems and "[postcondition items_agree_with_listing]" in problems[0], wrong


def test_frame_allows_only_the_subject() -> None:
    subject = subject_of(TARGET, "activate", {"loyalty_id": 11, "code": "C1"})
    assert subject is not None
    before, after = _look("C1", holder="p-alice", others=True), _look("C1", holder="p-alice", others=True)
    after.exported[11]["NEIGHBOUR"] = Entry(attached=T1)
    assert frame_problems(subject, before, after, success=True)[0].startswith("[frame]")
    refused = frame_problems(subject, _look("C1"), _look("C1", activated=T1), success=False)
    assert refused and "a refused request changed" in refused[0]
    assert frame_problems(subject, _look("C1", holder="x"), _look("C1", holder="x", activated=T1), success=True) == []


def test_restricted_code_never_gets_a_second_holder() -> None:
    subject = subject_of(TARGET, "attach", _attach())
    assert subject is not None
    before, after = _look("C1", holder="p-bob"), _look("C1", holder="p-bob")
    problems = restricted_single_holder(subject, before, after, True)
    assert problems and problems[0].startswith("[invariant restricted-single-holder]")
    assert restricted_single_holder(subject, before, after, False) == []


def test_invariants_over_looks() -> None:
    history = History()
    assert history.check(_look("C1", holder="p-alice")) == []
    gone = history.check(Observed({11: {}, 12: {}}, {}))
    assert gone and gone[0].startswith("[invariant codes-persist]")
    history = History()
    history.check(_look("C1", holder="p-alice"))
    earlier = Observed({11: {"C1": Entry(attached="2025-01-01T00:00:00Z")}}, {})
    assert any(p.startswith("[invariant timestamps]") for p in history.check(earlier))
    disagree = Observed({11: {"C2": Entry(attached=T1)}}, {(11, "C2"): _info("C2")})
    assert History().check(disagree)[0].startswith("[invariant get-export-agree]")
    respelled = Observed({}, {(11, "<a&b>"): _info("&lt;a&amp;b&gt;")})
    assert History().check(respelled)[0].startswith("[invariant codes-persist]")
    bad_time = Observed({11: {"C3": Entry(attached="yesterday")}}, {})
    assert History().check(bad_time)[0].startswith("[invariant timestamps]")
    # expired: the expire date, or "" until it passed (the docs allow both readings); an expired code shows the date
    expired = {**_info("C4"), "expire_date": T1, "is_expired": True}
    assert History().check(Observed({}, {(11, "C4"): {**expired, "expired": T1}})) == []
    assert History().check(Observed({}, {(11, "C4"): {**expired, "is_expired": False, "expired": ""}})) == []
    wrong = History().check(Observed({}, {(11, "C4"): {**expired, "expired": ""}}))
    assert wrong and wrong[0].startswith("[invariant timestamps]")


def test_wire_labels() -> None:
    assert label_problem(b'{"error": 0}', "application/json; charset=utf-8") == ""
    assert label_problem(b'{"error": 0}', "application/problem+json") == ""
    assert label_problem(b"<xml/>", "text/xml") == ""
    assert label_problem(b'{"error": 0}', "text/plain").startswith("[wire-label]")
    assert label_problem(b"<xml/>", "application/json").startswith("[wire-label]")
    assert label_problem(b'{"error": 0}', "").startswith("[wire-label]")


def test_report_names_the_oracles_of_a_failure() -> None:
    report = Report(target="x", prefix="p", seed="1", profile="default", mask=Masker(["t"]))
    report.failed("test_rule[x]", "boom\n- [frame] a refused request changed\n- [invariant timestamps] y")
    assert report.failures[0]["oracles"] == "[frame], [invariant timestamps]"
    assert "## Failures by oracle" in report.markdown()
