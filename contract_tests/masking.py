"""The token's masking: every spelling of a secret (raw, JSON-escaped, XML-escaped) becomes ``***``.

One ``Masker`` per run masks what the client sends to a trace, every failure, the report and the terminal
(``contract_tests/plugin/masking.py`` applies it to pytest's reports).
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

MASK = "***"


class Masker:
    """Replace every spelling of the secret (raw, JSON-escaped, XML-escaped) with ``***``."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask ``secret`` from now on (empty strings are ignored)."""
        if not secret:
            return
        forms = {secret, json.dumps(secret)[1:-1], escape(secret), json.dumps(secret, ensure_ascii=False)[1:-1]}
        self._secrets.extend(f for f in forms if f and f not in self._secrets)
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text
