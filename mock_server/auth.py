"""Authentication: the one place that decides whether a request carries the mock's token."""

from __future__ import annotations

import hmac
from typing import Any

from mock_server import errors
from mock_server.errors import ApiError


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value; None when absent, empty or another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class TokenAuth:
    """Accepts a request whose tokens (body ``token``, and the bearer header where the version reads it) are all
    the mock's token; refuses it with 401 when there is none, 403 when one is wrong."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the mock needs a non-empty token")
        self._token = token.encode("utf-8")

    def __repr__(self) -> str:  # never show the token
        return "TokenAuth(token=[hidden])"

    def __call__(self, op_id: str, request: dict[str, Any], bearer: str | None = None) -> None:
        """Return if ``request`` is authenticated; raise ApiError (401 without a token, 403 with a wrong one).

        ``bearer`` is the header's token (None when absent or when the API version does not read the header).
        A body token and a header token that disagree are refused: the docs are silent, and refusing changes nothing.
        """
        body = request.get("token")
        tokens = [t for t in (body, bearer) if t is not None and t != ""]
        if not tokens:
            raise ApiError(errors.TOKEN_REQUIRED)
        for token in tokens:
            if not isinstance(token, str) or not hmac.compare_digest(token.encode("utf-8"), self._token):
                raise ApiError(errors.TOKEN_WRONG)

    def related(self, given: str) -> bool:
        """Whether ``given`` is a non-empty prefix of the token or starts with it (a near miss, for a fault)."""
        raw = given.encode("utf-8")
        return bool(raw) and (raw.startswith(self._token) or self._token.startswith(raw))
