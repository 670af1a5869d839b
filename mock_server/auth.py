"""Authentication: the one place that decides whether a request carries the mock's token."""

from __future__ import annotations

import hmac
from typing import Any

from mock_server import errors
from mock_server.errors import ApiError


class TokenAuth:
    """Accepts a request whose body parameter ``token`` is the mock's token; refuses it with 401 or 403 otherwise."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the mock needs a non-empty token")
        self._token = token.encode("utf-8")

    def __repr__(self) -> str:  # never show the token
        return "TokenAuth(token=[hidden])"

    def __call__(self, request: dict[str, Any]) -> None:
        """Return if ``request`` is authenticated; raise ApiError (401 without a token, 403 with a wrong one)."""
        token = request.get("token")
        if token is None or token == "":
            raise ApiError(errors.TOKEN_REQUIRED)
        if not isinstance(token, str) or not hmac.compare_digest(token.encode("utf-8"), self._token):
            raise ApiError(errors.TOKEN_WRONG)

    def related(self, given: str) -> bool:
        """Whether ``given`` is a non-empty prefix of the token or starts with it (a near miss, for a fault)."""
        raw = given.encode("utf-8")
        return bool(raw) and (raw.startswith(self._token) or self._token.startswith(raw))
