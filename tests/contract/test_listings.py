"""The after-draw listing reused as the next draw's "before" only where it still shows the program exactly."""

from __future__ import annotations

from contract_tests.client import WRITES, named_codes
from contract_tests.listings import Listings
from contract_tests.world import FREE, Entry

LISTING = {"A": FREE, "B": Entry(attached="2031-01-01T00:00:00Z")}


def kept(*, alone: bool = True) -> Listings:
    listings = Listings(alone=alone)
    listings.store(11, dict(LISTING))
    return listings


def test_writes_that_named_only_the_codes_the_case_reads_keep_the_listing() -> None:
    listings = kept()
    WRITES.add(11, frozenset({"NEW"}))  # the case's arrangement: imports NEW, which it reads with get
    WRITES.add(12, None)  # a draw in another program
    assert listings.reusable(11, ["NEW", "LATE"]) == LISTING
    assert listings.reused == 1
    assert listings.reusable(11, ["NEW", "LATE"]) is None  # used once: the next case keeps the next listing


def test_a_draw_a_code_not_read_or_an_unknown_program_since_needs_a_fresh_export() -> None:
    for program, codes in [(11, None), (11, frozenset({"OTHER"})), (None, frozenset({"OTHER"})), ("11", None)]:
        listings = kept()
        WRITES.add(program, codes)
        assert listings.reusable(11, ["NEW"]) is None, (program, codes)


def test_no_reuse_beside_other_workers_or_without_a_listing() -> None:
    assert kept(alone=False).reusable(11, []) is None
    assert kept().reusable(12, []) is None


def test_the_codes_a_request_names() -> None:
    assert named_codes("import", {"codes": ["A", "B"]}) == {"A", "B"}
    assert named_codes("attach", {"code": "A"}) == {"A"}
    assert named_codes("attach", {}) is None  # a pool draw: any code
    assert named_codes("import", {"codes": "A"}) is None  # not a list: whatever the server makes of it


# -- a Listing's busy codes: what a diff of two 100k-code listings reads ---------------------------------------------


def test_a_listing_knows_its_busy_codes_and_stays_read_only() -> None:
    import pytest

    from contract_tests.world import Listing, busy_codes

    listing = Listing.of({"A": FREE, "B": Entry(attached="t"), "C": Entry(activated="t")})
    assert busy_codes(listing) == {"B", "C"} == busy_codes(dict(listing))  # a plain dict: found by a pass
    with pytest.raises(TypeError):
        listing["A"] = Entry(attached="t")  # a changed listing is a new one: busy could not follow


def test_a_diff_of_listings_sees_every_change_busy_or_not() -> None:
    from contract_tests.world import Listing, diff

    old = Listing.of({"A": FREE, "B": Entry(attached="t"), "GONE": FREE, "X": FREE})
    new = Listing.of({"A": Entry(attached="u"), "B": FREE, "NEW": FREE, "X": FREE}, busy=["A", "ABSENT"])
    assert diff({11: old}, {11: new}) == {
        (11, "A"): (FREE, Entry(attached="u")),
        (11, "B"): (Entry(attached="t"), FREE),
        (11, "GONE"): (FREE, None),
        (11, "NEW"): (None, FREE),
    }
    assert diff({11: old}, {11: dict(old)}) == {}
