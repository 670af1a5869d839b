"""The run's one source of randomness: the Hypothesis seed (``--hypothesis-seed``, or one chosen and printed)."""

from __future__ import annotations

import zlib

import hypothesis


def run_seed() -> int:
    """The run's Hypothesis seed as an integer (a text seed through CRC-32), for seeding other generators."""
    forced = hypothesis.core.global_force_seed
    if isinstance(forced, int):
        return forced
    return zlib.crc32(str(forced).encode())
