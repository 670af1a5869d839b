"""Example budgets per profile (``--profile default|thorough``), read by the test modules at import."""

from __future__ import annotations

PROFILES: dict[str, dict[str, int]] = {
    # rules: examples per rule case; machine: state-machine runs and steps; api: Schemathesis examples per
    # operation and mode; rounds: concurrent-attach rounds.
    "default": {"rules": 1, "machine": 6, "steps": 10, "api": 12, "rounds": 5},
    "thorough": {"rules": 5, "machine": 40, "steps": 30, "api": 100, "rounds": 40},
}
ACTIVE = {"profile": "default", "api_version": "72"}  # set from --profile and the target file at configure


def budget(name: str) -> int:
    """The number ``name`` of the active profile."""
    return PROFILES[ACTIVE["profile"]][name]
