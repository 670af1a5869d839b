"""Example budgets per profile (``--profile smoke|mutation|default|thorough``)."""

from __future__ import annotations

from hypothesis import settings

PROFILES: dict[str, dict[str, int]] = {
    # rules: examples per rule case; machine: state-machine runs and steps; api: Schemathesis examples per
    # operation and mode; rounds: concurrent-attach rounds; model, model_steps: the model-based machine's runs and
    # steps; draws: its pool draws from the (possibly big) personal and universal programs per test (two exports each);
    # lin_histories, lin_clients, lin_calls: concurrent histories checked for linearizability, their clients (threads)
    # and each client's calls (every other history draws from the personal program: two exports); smoke leaves the
    # test out (plugin/ordering.py: under 500 requests), hence no history there.
    "smoke": {
        "rules": 1,
        "machine": 1,
        "steps": 6,
        "api": 1,
        "rounds": 1,
        "model": 1,
        "model_steps": 4,
        "draws": 1,
        "lin_histories": 0,
        "lin_clients": 2,
        "lin_calls": 4,
    },
    # make mutation's profile (bench/mutation/): smoke's cases, the default profile's documented-steps machine and
    # a longer model-based machine, where a step that changes more than it names is seen
    "mutation": {
        "rules": 1,
        "machine": 6,
        "steps": 10,
        "api": 1,
        "rounds": 1,
        "model": 6,
        "model_steps": 10,
        "draws": 1,
        "lin_histories": 0,
        "lin_clients": 2,
        "lin_calls": 4,
    },
    "default": {
        "rules": 1,
        "machine": 6,
        "steps": 10,
        "api": 12,
        "rounds": 5,
        "model": 8,
        "model_steps": 12,
        "draws": 1,
        "lin_histories": 6,
        "lin_clients": 3,
        "lin_calls": 6,
    },
    "thorough": {
        "rules": 5,
        "machine": 40,
        "steps": 30,
        "api": 100,
        "rounds": 40,
        "model": 40,
        "model_steps": 30,
        "draws": 6,
        "lin_histories": 24,
        "lin_clients": 4,
        "lin_calls": 8,
    },
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
