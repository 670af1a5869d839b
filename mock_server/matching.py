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

    def find(self, request: Mapping[str, Any], faults: frozenset[str]) -> Profile:
        """Return the profile of ``request['db_id']`` that the request's identifiers match; ApiError otherwise."""
        db_id = request["db_id"]
        if db_id not in self.databases and "unknown-db-first-database" in faults:
            db_id = min(self.databases)
        if db_id not in self.databases:
            raise ApiError(errors.DATABASE_NOT_FOUND, f"db_id {db_id}")
        mode = request.get("matching")
        if mode is None:
            mode = "profile_id" if "default-matching-profile-id" in faults else "email"
        if mode == "custom":
            kind, value = f"custom:{request.get('field_name')}", request.get("field_value")
        else:
            kind, value = str(mode), request.get(str(mode))
        if not isinstance(value, str) or not value:
            raise ApiError(errors.INCORRECT_REQUEST, f"matching {mode} needs {kind.removeprefix('custom:')}")
        if kind == "email":
            value = value.lower()
        found = self._broken(db_id, mode, value, faults) if faults else None
        if found is None:
            scopes = sorted(self.databases, reverse=True) if "db-scope-ignored" in faults else [db_id]
            for scope in scopes:
                found = self.by_key.get((scope, kind, value))
                if found is not None:
                    break
        if found is None:
            raise ApiError(
                errors.PROFILE_NOT_FOUND, f"no profile of database {db_id} has {kind.removeprefix('custom:')} {value!r}"
            )
        return found

    def _broken(self, db_id: int, mode: str, value: str, faults: frozenset[str]) -> Profile | None:
        profiles = self.databases[db_id]
        if mode == "phone" and "phone-matching-broken" in faults and profiles:
            return profiles[0]
        if mode == "custom" and "custom-matching-ignores-name" in faults:
            return next((p for p in profiles if value in p.custom.values()), None)
        return None
