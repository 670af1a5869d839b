"""Example budgets per profile (``--profile smoke|mutation|default|thorough``)."""

from __future__ import annotations

from hypothesis import settings

PROFILES: dict[str, dict[str, int]] = {
    # rules: examples per rule case; machine: state-machine runs and steps; api: Schemathesis examples per
    # operation and mode; rounds: concurrent-attach rounds.
    "smoke": {"rules": 1, "machine": 1, "steps": 6, "api": 1, "rounds": 1},
    # make mutation's profile (bench/mutation/): smoke's cases, and a longer state machine, where a step that changes
    # more than it names is seen
    "mutation": {"rules": 1, "machine": 6, "steps": 10, "api": 1, "rounds": 1},
    "default": {"rules": 1, "machine": 6, "steps": 10, "api": 12, "rounds": 5},
    "thorough": {"rules": 5, "machine": 40, "steps": 30, "api": 100, "rounds": 40},
}
SPARSE = ("smoke", "mutation")  # profiles that run one case per rule and operation, without scoping cases and probes
HYPOTHESIS_PROFILE = "contract-{}"  # conftest registers one Hypothesis settings profile per budget profile


def loaded_profile() -> str:
    """The budget profile whose Hypothesis settings conftest loaded (for decorators applied at import)."""
    name = settings.get_current_profile_name()
    prefix = HYPOTHESIS_PROFILE.format("")
    return name[len(prefix) :] if name.startswith(prefix) and name[len(prefix) :] in PROFILES else "default"


def budget(name: str, profile: str | None = None) -> int:
    """The number ``name`` of ``profile`` (default: the loaded one)."""
    return PROFILES[profile or loaded_profile()][name]
