"""Fixtures every room's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server.serve import RunningServer, start_background

SHARED_TOKEN = "shared-mock-token"


@pytest.fixture(scope="session")
def shared_mock() -> Iterator[RunningServer]:
    """One promo-mock (default seed, v72, token ``SHARED_TOKEN``) for the tests that only need a server to talk to.

    Shared by every test of the session (of the xdist worker): only for tests that read, or change nothing another
    test reads; a test that needs a known state starts its own (``start_background``).
    """
    with start_background(port=0, token=SHARED_TOKEN) as server:
        yield server
