"""The envelope errors the mock answers: the documented ones, and the mock's own choices where the docs are silent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """An envelope ``error`` number and its ``error_text``."""

    code: int
    text: str


class ApiError(Exception):
    """A refusal: answered as HTTP 200 with ``error`` and ``error_text`` in the envelope."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        self.code = failure.code
        self.text = f"{failure.text}: {detail}" if detail else failure.text
        super().__init__(self.text)


SUCCESS_TEXT = "Successful operation"

# Documented by the API (facts sheet section 5; import section 2.1).
INCORRECT_REQUEST = Failure(400, "Incorrect request")
TOKEN_REQUIRED = Failure(401, "API token required")
TOKEN_WRONG = Failure(403, "No access: the API token is not valid")
DUPLICATED = Failure(500, "Promocode duplicated")

# The mock's own choices, not API facts (listed in mock_server/README.md).
DATABASE_NOT_FOUND = Failure(420, "Database not found")
PROFILE_NOT_FOUND = Failure(421, "Profile not found")
PROGRAM_NOT_FOUND = Failure(422, "Loyalty program not found")
CODE_NOT_FOUND = Failure(430, "Promocode not found")
CODE_RESTRICTED = Failure(431, "Promocode is already attached and its multiple usage is restricted")
CODE_NOT_ATTACHED = Failure(433, "Promocode is not attached")
CODE_SEVERAL = Failure(434, "Promocode is attached to several profiles")
CODE_OTHER_PROFILE = Failure(435, "Promocode is not attached to this profile")
CODE_ACTIVATED = Failure(436, "Promocode is already activated")
POOL_EMPTY = Failure(437, "No free promocode in the loyalty program")
CODE_NOT_CREATED = Failure(438, "Promocode not found, and the loyalty program does not create promocodes")
CODE_REQUIRED = Failure(400, "Incorrect request: code is required")
INTERNAL = Failure(520, "Internal mock error")

NOT_FOUND = Failure(404, "Not found")
METHOD_NOT_ALLOWED = Failure(405, "Method not allowed: use POST")

OWN_CHOICES: tuple[tuple[str, Failure], ...] = (
    ("db_id names no database of the seed", DATABASE_NOT_FOUND),
    ("no profile of db_id matches the identifiers", PROFILE_NOT_FOUND),
    ("loyalty_id names no program of the seed", PROGRAM_NOT_FOUND),
    ("get, activate, update of a code the program does not hold", CODE_NOT_FOUND),
    ("attach of a personal code already attached (to another or to the same profile)", CODE_RESTRICTED),
    ("activate of a free code; update activated=true of a free code; detach of a free code", CODE_NOT_ATTACHED),
    ("detach of a code attached to several profiles (documented refusal, own number)", CODE_SEVERAL),
    ("detach of a code held by another profile", CODE_OTHER_PROFILE),
    ("activate of an already activated code", CODE_ACTIVATED),
    ("attach without code when the program has no free code", POOL_EMPTY),
    ("attach of a code the program does not hold, in a program that does not create codes", CODE_NOT_CREATED),
    ("detach without code (documented refusal, own number)", CODE_REQUIRED),
)
