"""Broken profile matching: faults that replace ``Parts.find_profile`` (``part="matching"``)."""

from __future__ import annotations

import contextlib

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.faults.wrapping import FindProfile, matching_fault
from mock_server.handlers import Request
from mock_server.matching import identifier
from mock_server.parts import Parts
from mock_server.seed import Profile


def _profiles_of(parts: Parts, request: Request) -> list[Profile]:
    """The profiles of the request's database after the faithful checks of db_id and of the identifier."""
    db_id = request["db_id"]
    if db_id not in parts.directory.databases:
        raise ApiError(errors.DATABASE_NOT_FOUND, f"db_id {db_id}")
    identifier(request)
    return parts.directory.databases[db_id]


@matching_fault(
    "phone-matching-broken",
    "matching by phone picks the first profile of the database",
    oracles=("[rule attach.code-free]", "[postcondition matched_profile_holds_code]"),
)
def _phone_matching_broken(faithful: FindProfile, parts: Parts, request: Request) -> Profile:
    if request.get("matching") == "phone":
        profiles = _profiles_of(parts, request)
        if profiles:
            return profiles[0]
    return faithful(request)


@matching_fault(
    "custom-matching-ignores-name",
    "custom matching compares field_value with every custom field, ignoring field_name",
    oracles=("[rule attach.code-free]", "[postcondition matched_profile_holds_code]"),
)
def _custom_matching_ignores_name(faithful: FindProfile, parts: Parts, request: Request) -> Profile:
    if request.get("matching") == "custom":
        value = request.get("field_value")
        found = next((p for p in _profiles_of(parts, request) if value in p.custom.values()), None)
        if found is not None:
            return found
    return faithful(request)


@matching_fault(
    "default-matching-profile-id",
    "without matching, the profile is found by profile_id instead of email",
    oracles=("[rule attach.matching-default]",),
)
def _default_matching_profile_id(faithful: FindProfile, _parts: Parts, request: Request) -> Profile:
    return faithful({**request, "matching": "profile_id"} if request.get("matching") is None else request)


@matching_fault(
    "db-scope-ignored",
    "matching searches every database, the last one first",
    oracles=("[rule attach.code-free]", "[postcondition matched_profile_holds_code]"),
)
def _db_scope_ignored(faithful: FindProfile, parts: Parts, request: Request) -> Profile:
    if request["db_id"] in parts.directory.databases:
        for scope in sorted(parts.directory.databases, reverse=True):
            with contextlib.suppress(ApiError):
                return faithful({**request, "db_id": scope})
    return faithful(request)
