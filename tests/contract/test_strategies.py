"""The suite's strategies take their dates from an injected clock, never from a hard-coded year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import find, settings
from hypothesis.errors import NoSuchExample

from contract_tests.strategies import EXPIRY_YEARS_AHEAD, EXPIRY_YEARS_SPAN, expire_dates, expiry_range

QUICK = settings(database=None, max_examples=200, deadline=None)


def clock_at(year: int, month: int = 6) -> datetime:
    return datetime(year, month, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("year", [2026, 2090])
def test_expire_dates_start_years_after_the_clock_and_stay_in_range(year: int) -> None:
    first, last = year + EXPIRY_YEARS_AHEAD, year + EXPIRY_YEARS_AHEAD + EXPIRY_YEARS_SPAN
    assert expiry_range(lambda: clock_at(year)) == (datetime(first, 1, 1), datetime(last, 12, 31, 23, 59, 59))
    dates = expire_dates(clock=lambda: clock_at(year))
    assert find(dates, lambda _: True, settings=QUICK) == f"{first}-01-01T00:00:00Z"  # the earliest one drawn
    with pytest.raises(NoSuchExample):  # none after the range (none before: the earliest is its first day)
        find(dates, lambda d: d > f"{last}-12-31T23:59:59Z", settings=QUICK)


def test_one_calendar_year_draws_one_range() -> None:
    # a printed seed must draw the same dates whenever in the year it is rerun
    january, december = expire_dates(clock=lambda: clock_at(2030, 1)), expire_dates(clock=lambda: clock_at(2030, 12))
    assert find(january, lambda _: True, settings=QUICK) == find(december, lambda _: True, settings=QUICK)
