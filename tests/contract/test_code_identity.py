"""Code identity in the suite (x-code-identity): the spellings the machine sends, the fresh codes' domain, and what
the run report records."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from contract_tests.code_variants import CASE_SHAPES, SHAPES, creatable, padded, variant
from contract_tests.masking import Masker
from contract_tests.model.identity import trimmed
from contract_tests.preflight import free_suite_codes
from contract_tests.report import Report
from contract_tests.strategies import CODE_FLAVOURS, promo_code_suffixes
from contract_tests.world import Entry

QUICK = settings(database=None, max_examples=300, deadline=None)
PREFIX = "ct2612011200001a2b-"


def _report() -> Report:
    return Report(target="t", prefix=PREFIX, seed="1", profile="default", mask=Masker())


@given(suffix=promo_code_suffixes(max_size=16), shape=st.sampled_from(SHAPES))
@settings(database=None, max_examples=200, deadline=None)
def test_a_variant_differs_keeps_the_prefix_and_changes_only_ascii_case(suffix: str, shape: str) -> None:
    code = f"{PREFIX}00001-{suffix}"
    other = variant(code, PREFIX, shape)
    assert other != code
    if shape in CASE_SHAPES and not padded(other):
        assert other.startswith(f"{PREFIX}00001-")  # cleanup and the other workers' frame checks find it
        assert [c for c in other if not c.isascii()] == [c for c in code if not c.isascii()]
        assert other.lower() == code.lower()
    created = variant(code, PREFIX, creatable(shape))
    assert created.startswith(PREFIX), "a spelling an exact server may create keeps the run's prefix"
    assert padded(other) == (shape not in CASE_SHAPES or other == code + " ")


def test_a_code_without_ascii_letters_gets_a_trailing_space_instead() -> None:
    assert variant(f"{PREFIX}00001-123", PREFIX, "upper") == f"{PREFIX}00001-123 "
    assert variant("P11-a", PREFIX, "upper") == "P11-A"  # not the run's: the whole code


def test_fresh_codes_cover_the_string_domain_xml_can_carry() -> None:
    codes = promo_code_suffixes(max_size=16)
    for why, wanted in {
        "an inner space": lambda s: " " in s.strip(),
        "a non-ASCII letter": lambda s: any(not c.isascii() and c.isalpha() for c in s),
        "upper and lower case": lambda s: s != s.lower() and s != s.upper(),
        "markup characters": lambda s: any(c in s for c in "&<>"),
        "a long code": lambda s: len(s) >= 40,
    }.items():
        assert find(codes, wanted, settings=QUICK), why


@pytest.mark.parametrize("flavour", CODE_FLAVOURS)
def test_fresh_codes_carry_no_control_character_nor_outer_whitespace(flavour: str) -> None:
    codes = promo_code_suffixes(max_size=16, flavour=flavour)
    with pytest.raises(NoSuchExample):
        find(codes, lambda s: not s or padded(s), settings=QUICK)
    with pytest.raises(NoSuchExample):  # XML 1.0 cannot carry them
        find(codes, lambda s: any(unicodedata.category(c) in ("Cc", "Cs") for c in s), settings=QUICK)


@pytest.mark.parametrize(
    "outer", [" ", "\t", "\u00a0", "\u3000", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"]
)
def test_trimming_removes_what_a_servers_trim_may_remove(outer: str) -> None:
    """Unicode white space and the invisible characters JavaScript's trim() and some SQL TRIMs remove too: a fresh
    code never starts or ends with one (str.strip keeps the zero-width ones, the BOM, the Mongolian separator)."""
    assert trimmed(f"{outer}A{outer}B{outer}") == f"A{outer}B"
    assert padded(f"{outer}AB") and padded(f"AB{outer}") and not padded(f"A{outer}B")


def test_leftovers_with_whitespace_around_them_are_not_reused() -> None:
    free = Entry(attached="", activated="")
    codes = {f"{PREFIX}00001-a": free, f"{PREFIX}00002-a ": free, f" {PREFIX}00003-a": free}
    assert free_suite_codes(codes) == [f"{PREFIX}00001-a"]


def test_the_report_records_the_reading_the_histories_fit() -> None:
    report = _report()
    assert report.code_identity()["shown"] == "undecided"
    report.identity_seen("model state machine", ())
    assert report.code_identity()["shown"] == "undecided"
    report.identity_seen("model state machine", ("exact", "trimmed"))
    worker = _report()
    worker.identity_seen("code identity probe", ("exact",))
    report.merge(worker.part())
    found = report.code_identity()
    assert found["shown"] == "exact" and found["readings"] == ["exact"]
    assert found["seen"] == {
        "model state machine": {"undecided": 1, "exact, trimmed": 1},
        "code identity probe": {"exact": 1},
    }
    markdown = report.markdown()
    assert "Reading this server showed: exact." in markdown
    assert "| model state machine | exact, trimmed | 1 |" in markdown
    assert report.as_dict()["code_identity"]["shown"] == "exact"


@pytest.mark.parametrize(
    ("seen", "shown"),
    [
        ([("case-insensitive-trimmed", "case-insensitive"), ("case-insensitive",)], "case-insensitive"),
        ([("trimmed", "case-insensitive-trimmed")], "trimmed or case-insensitive-trimmed"),
        ([("exact",), ("case-insensitive",)], "incoherent: the histories fit different readings"),
    ],
)
def test_the_report_keeps_the_readings_every_history_fits(seen: list[tuple[str, ...]], shown: str) -> None:
    report = _report()
    for readings in seen:
        report.identity_seen("model state machine", readings)
    assert report.code_identity()["shown"] == shown
