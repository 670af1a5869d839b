"""The suite's command-line options, its markers, and one Hypothesis settings profile per example budget."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests.budgets import HYPOTHESIS_PROFILE, PROFILES

for _name in PROFILES:
    settings.register_profile(
        HYPOTHESIS_PROFILE.format(_name),
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
        max_examples=PROFILES[_name]["rules"],
        # no shrinking against a live server: each shrink step replays setup requests; the seed reproduces
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        stateful_step_count=PROFILES[_name]["steps"],
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "contract suite")
    group.addoption("--target", metavar="FILE", help="target file naming the server (default: the embedded mock)")
    group.addoption("--profile", default="default", choices=sorted(PROFILES), help="example budget (default: default)")
    group.addoption("--report-dir", default="reports", metavar="DIR", help="where contract-report.{json,md} go")
    group.addoption(
        "--trace-requests",
        metavar="FILE",
        help="write every request sent (token masked) to FILE: two runs with one seed send the same requests; "
        "with -n N each worker's requests follow a '# worker gwN' line",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pool_draws(steps=False): the test may draw from a pool (attach without a code): it holds the workers' lock "
        "alone (steps=True: shared, and alone only around its draws, RunLock.alone)",
    )
    config.addinivalue_line(
        "markers", "first_of_run: with workers, no other test starts before this one has finished (the pool drain)"
    )
    config.addinivalue_line(
        "markers", "frame_batch: the test reads its named codes with get; the batch's frame check judges the rest"
    )
    settings.load_profile(HYPOTHESIS_PROFILE.format(config.getoption("--profile")))


def only_looking(config: pytest.Config) -> bool:
    """--collect-only, --help, --fixtures and friends: no server is started or asked."""
    option = config.option
    return bool(
        getattr(option, "collectonly", False)
        or getattr(option, "help", False)
        or getattr(option, "showfixtures", False)
        or getattr(option, "version", False)
    )
