"""Hypothesis strategies for the contract suite: plural nouns, keyword-only options."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import strategies as st

from contract_tests.model.identity import trimmed

MATCHING_MODES = ("profile_id", "email", "phone", "custom")

# Characters both JSON and XML 1.0 carry unchanged: no control characters (XML would drop
# or normalise them), no surrogates, no U+FFFE/U+FFFF (not XML characters).
_code_characters = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters="\ufffe\uffff",
)
_non_ascii = st.characters(
    min_codepoint=0x100,
    blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
    blacklist_characters="\ufffe\uffff",
)
_astral = st.characters(min_codepoint=0x10000, blacklist_categories=("Cs", "Co"))
_plain_characters = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_")


def promo_code_suffixes(*, max_size: int = 24, flavour: str | None = None) -> st.SearchStrategy[str]:
    """Code bodies across the spec's string domain (``Code``: any non-empty string) that JSON and XML 1.0 both
    carry: any Unicode letters in various cases, inner spaces, markup characters, long codes; no control characters
    (XML 1.0 cannot carry them, and a stored code is read back in XML by any later export_all) and no whitespace
    around the body (whether a server trims it is open: ``x-code-identity``, which the model-based machine probes
    with deliberate variants, not with fresh codes).

    ``flavour`` (one of ``CODE_FLAVOURS``) narrows the kind; None mixes them all.
    """
    flavours = {
        "plain": st.text(_plain_characters, min_size=1, max_size=max_size),
        "unicode": st.text(_code_characters, min_size=1, max_size=max_size),
        "non-ascii": st.text(_non_ascii, min_size=1, max_size=max_size),
        "astral": st.text(_astral, min_size=1, max_size=max_size),
        "long": st.text(_plain_characters, min_size=40, max_size=80),
        "markup": st.tuples(st.sampled_from(_MARKUP), st.text(_code_characters, max_size=8)).map("".join),
        "spaced": st.lists(st.text(_plain_characters, min_size=1, max_size=6), min_size=2, max_size=4).flatmap(
            lambda words: st.sampled_from(_INNER_SPACES).map(lambda space: space.join(words))
        ),
    }
    chosen = st.one_of(*flavours.values()) if flavour is None else flavours[flavour]
    cased = chosen.flatmap(lambda s: st.sampled_from([s, s.upper(), s.lower()]))
    return cased.map(trimmed).filter(bool)


CODE_FLAVOURS = ("plain", "unicode", "non-ascii", "astral", "long", "markup", "spaced")
_INNER_SPACES = (" ", "  ", "\u00a0", "\u3000")  # a space, two, a no-break space, an ideographic space
_MARKUP = ("<a&b>", "'\"quoted\"'", "ŁódŹ-Ça", "Код-мир", "代码🎟", "a]]>b", "&amp;")


class CodeNames:
    """Per-run code prefix plus a counter, so every drawn code is new on the server."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._counter = itertools.count(1)

    def next_prefix(self) -> str:
        """A prefix no earlier code of this run has."""
        return f"{self.prefix}{next(self._counter):05d}-"


def promo_codes(
    *, prefix: str | Callable[[], str], max_size: int = 24, flavour: str | None = None
) -> st.SearchStrategy[str]:
    """Codes that start with ``prefix`` (a string, or a callable giving a fresh one per code)."""
    suffixes = promo_code_suffixes(max_size=max_size, flavour=flavour)
    if callable(prefix):
        make = prefix
        return st.builds(lambda suffix: make() + suffix, suffixes)
    fixed = prefix
    return suffixes.map(lambda suffix: fixed + suffix)


def matching_modes(*, with_default: bool = False) -> st.SearchStrategy[str]:
    """The matching modes of attach and detach (``default`` = the key left out)."""
    return st.sampled_from((*MATCHING_MODES, "default") if with_default else MATCHING_MODES)


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC: the clock the suite runs on (tests inject their own)."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the docs write times: RFC 3339 UTC with second precision (a naive moment is taken as UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


EXPIRY_YEARS_AHEAD = 5  # expire dates start on 1 January this many years after the clock's year
EXPIRY_YEARS_SPAN = 68  # ... and end on 31 December this many years later


def expiry_range(clock: Clock = system_clock) -> tuple[datetime, datetime]:
    """The first and last instant ``expire_dates`` draws: 1 January ``EXPIRY_YEARS_AHEAD`` years after the clock's
    year, 31 December ``EXPIRY_YEARS_SPAN`` years later (naive: ``st.datetimes`` draws naive datetimes)."""
    first = datetime(clock().year + EXPIRY_YEARS_AHEAD, 1, 1)
    return first, datetime(first.year + EXPIRY_YEARS_SPAN, 12, 31, 23, 59, 59)


def expire_dates(*, clock: Clock = system_clock) -> st.SearchStrategy[str]:
    """RFC 3339 UTC timestamps with second precision, the form the docs show.

    Only future dates: an expired code's behaviour (attach, activate) is undocumented, so the suite never expires
    the codes it later works with (nor the free codes later runs reuse). The range starts on 1 January
    ``EXPIRY_YEARS_AHEAD`` years after ``clock()``'s year: a printed seed draws the same dates all year long.
    """
    first, last = expiry_range(clock)
    return st.datetimes(min_value=first, max_value=last).map(lambda d: rfc3339(d.replace(tzinfo=UTC, microsecond=0)))


def response_format_fields(*, response_format: str) -> st.SearchStrategy[dict[str, str]]:
    """The ``format`` field for a response format: json may be implicit (the default) or explicit."""
    if response_format == "xml":
        return st.just({"format": "xml"})
    return st.sampled_from([{}, {"format": "json"}])
