"""Find the profile a request names: by ``matching`` (default ``email``) within database ``db_id``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server import errors
from mock_server.errors import ApiError
from mock_server.seed import Profile, Seed


class Directory:
    """The seed's profiles, indexed per database by every identifier."""

    def __init__(self, seed: Seed) -> None:
        self.databases: dict[int, list[Profile]] = {}
        self.by_key: dict[tuple[int, str, str], Profile] = {}
        for db in seed.databases:
            self.databases[db.id] = list(db.profiles)
            for p in db.profiles:
                self.by_key[(db.id, "profile_id", p.profile_id)] = p
                if p.email:
                    self.by_key[(db.id, "email", p.email.lower())] = p
                if p.phone:
                    self.by_key[(db.id, "phone", p.phone)] = p
                for name, value in p.custom.items():
                    self.by_key[(db.id, f"custom:{name}", value)] = p

    def find(self, request: Mapping[str, Any]) -> Profile:
        """Return the profile of ``request['db_id']`` that the request's identifiers match; ApiError otherwise."""
        db_id = request["db_id"]
        if db_id not in self.databases:
            raise ApiError(errors.DATABASE_NOT_FOUND, f"db_id {db_id}")
        kind, value = identifier(request)
        found = self.by_key.get((db_id, kind, value))
        if found is None:
            raise ApiError(
                errors.PROFILE_NOT_FOUND, f"no profile of database {db_id} has {kind.removeprefix('custom:')} {value!r}"
            )
        return found


def identifier(request: Mapping[str, Any]) -> tuple[str, str]:
    """The (kind, value) key that ``matching`` (default ``email``) reads from the request; ApiError if it is missing."""
    mode = request.get("matching")
    if mode is None:
        mode = "email"
    if mode == "custom":
        kind, value = f"custom:{request.get('field_name')}", request.get("field_value")
    else:
        kind, value = str(mode), request.get(str(mode))
    if not isinstance(value, str) or not value:
        raise ApiError(errors.INCORRECT_REQUEST, f"matching {mode} needs {kind.removeprefix('custom:')}")
    return kind, value.lower() if kind == "email" else value
