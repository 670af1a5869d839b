"""Named faults: deliberately broken variants of the mock, for proving that the contract suite catches them.

Every fault breaks exactly one behaviour. None is on unless named explicitly
(``create_app(faults=...)`` or ``promo-mock --fault NAME``).
"""

from __future__ import annotations

from collections.abc import Iterable

FAULTS: dict[str, str] = {
    "restricted-reattach": "attach of a personal code held by another profile succeeds and moves the code",
    "unknown-code-rejected": "attach with a code the program does not hold errs instead of importing it",
    "universal-single-use": "a universal code held by one profile cannot be attached to another",
    "pool-draw-noop": "attach without a code answers error 0 but attaches nothing",
    "detach-several-allowed": "detach of a code attached to several profiles succeeds",
    "detach-without-code-ok": "detach without a code answers error 0",
    "activate-unattached-ok": "activate of a free code succeeds and activates it",
    "update-no-options-ok": "update without activated and expire_date answers error 0",
    "import-duplicate-overwrites": "importing a code the program holds resets it to free and counts it as inserted",
    "phone-matching-broken": "matching by phone picks the first profile of the database",
    "custom-matching-ignores-name": "custom matching compares field_value with every custom field, ignoring field_name",
    "default-matching-profile-id": "without matching, the profile is found by profile_id instead of email",
    "db-scope-ignored": "matching searches every database, the last one first",
    "xml-request-rejected": "XML request bodies are refused",
    "xml-request-last-repeat-only": "an XML array (repeated elements, as <codes>) keeps only its last element",
    "xml-response-wrong-shape": "format=xml writes booleans as 1/0 under a <response> root",
    "format-ignored": "format=xml answers JSON",
    "auth-missing-accepted": "requests without a token are served",
    "auth-any-token": "any non-empty token is accepted",
    "auth-prefix-token": "a token that the real one starts with, or that starts with the real one, is accepted",
    "attach-race": "attach checks and sets without the lock, sleeping 20 ms in between",
    "get-hides-profile": "get omits profile_id and database_id of an attached code",
    "export-omits-activated": "export_all never shows activated",
    "activate-wrong-code": "activate activates another attached code of the program instead of the requested one",
    "import-noop": "import answers every item with error 0 and counts it inserted, but stores nothing",
    "attach-noop": "attach answers error 0 but attaches nothing",
    "detach-noop": "detach answers error 0 but detaches nothing",
    "activate-noop": "activate answers error 0 but activates nothing",
    "update-noop": "update answers error 0 but changes nothing",
    "restricted-second-holder": "attach of a personal code held by another profile succeeds and adds a second holder",
    "unknown-db-first-database": "attach and detach with a db_id the mock lacks match in the first database instead",
    "program-scope-ignored": "a code the named program lacks is looked up in every program",
    "json-labelled-text": "JSON answers are labelled text/plain",
    "refused-activate-applied": "activate of a free code is refused but the code is activated anyway",
    "clock-backwards": "the clock runs backwards (every timestamp is earlier than the one before)",
    "export-respells-markup": "export_all lists codes with markup characters HTML-escaped",
}


class UnknownFaultError(ValueError):
    """A fault name that ``FAULTS`` does not list."""


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """Return ``names`` as a frozenset; UnknownFaultError names the unknown ones and lists the known."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}")
    return chosen
