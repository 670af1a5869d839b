"""What the mock answers to an example request: a fresh mock per request, asked in-process (no socket).

The only module of the generator that imports ``mock_server``: the documented outputs of the
runnable examples are what a fresh ``promo-mock`` with the default seed prints, not text
written by hand.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mock_server.app import MockApp
from mock_server.seed import Seed, default_seed_path, load_seed
from promo_spec import Spec

# The token the in-process mock accepts; examples read theirs from $ALTCRAFT_TOKEN instead.
INTERNAL_TOKEN = "generator-example-token"  # noqa: S105 - a throwaway token of an in-process mock


@dataclass(frozen=True)
class Answer:
    """One HTTP answer of the mock."""

    status: str
    content_type: str
    body: bytes


@lru_cache(maxsize=4)
def seed(path: Path | None = None) -> Seed:
    """The mock's seed (default seed when None), read once per process."""
    return load_seed(path or default_seed_path())


def ask(spec: Spec, path: str, body: bytes, content_type: str) -> Answer:
    """POST ``body`` to ``path`` of a fresh mock of ``spec`` on the default seed; the token is INTERNAL_TOKEN."""
    app = MockApp(seed(), token=INTERNAL_TOKEN, spec=spec)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    status, headers, payload = app.respond(environ)
    media = next((value for name, value in headers if name.lower() == "content-type"), "")
    return Answer(status, media, payload)
