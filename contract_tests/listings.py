"""The listing a pool-draw case read after its draw, reused as the next draw's "before" where nothing else can have
changed the program: a draw case then costs one export_all instead of two (a 100k-code program: 2 MB each).

Reused only when exact: the process runs alone (no pytest-xdist workers change the server meanwhile), and every
request this process sent since that listing that may change the program (``client.WRITES``) named codes the new
case reads with get before its draw (its own arrangement), so the listing overlaid with those gets is the program as
it is. Anything else (a draw, a raw request, a code the case does not read, an unknown program) spends the export.
"""

from __future__ import annotations

from collections.abc import Collection

from contract_tests.client import WRITES
from contract_tests.world import Entry


class Listings:
    """The last after-draw listing per program, with the write-log mark it was read at; each is used at most once."""

    def __init__(self, *, alone: bool) -> None:
        self.alone = alone
        self._last: dict[int, tuple[dict[str, Entry], int]] = {}
        self.reused = 0  # exports saved (tests/contract/test_listings.py reads it)

    def store(self, program: int, listing: dict[str, Entry]) -> None:
        """Keep the listing just read of ``program`` (after a draw)."""
        self._last[program] = (listing, WRITES.position)

    def reusable(self, program: int, named: Collection[str]) -> dict[str, Entry] | None:
        """The kept listing of ``program`` when every write since it named only codes in ``named`` (or another
        program by its integer id); None when an export_all is needed."""
        kept = self._last.pop(program, None)
        if kept is None or not self.alone:
            return None
        listing, mark = kept
        for where, codes in WRITES.since(mark):
            if type(where) is int and where != program:
                continue  # another program's request (by its id: "11" as text may name this one)
            if codes is None or not codes <= set(named):
                return None
        self.reused += 1
        return listing
