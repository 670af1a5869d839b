"""pytest wiring of the contract suite: options, the target, the embedded mock, cleanup, report, masking."""

from __future__ import annotations

import dataclasses
import os
import random
import secrets
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests.budgets import ACTIVE, PROFILES
from contract_tests.cleanup import clean_up
from contract_tests.exchange import BudgetExhausted, Client, Masker
from contract_tests.report import Report
from contract_tests.strategies import CodeNames
from contract_tests.suite import Suite, spec_for
from contract_tests.target import Target, TargetError, load_target
from contract_tests.world import snapshot

HERE = Path(__file__).parent
MOCK_TARGET = HERE / "targets" / "mock.yaml"
MODULE_ORDER = ("test_concurrency", "test_rules", "test_state_machine", "test_schemathesis")
for _name in PROFILES:
    settings.register_profile(
        f"contract-{_name}",
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


def pytest_configure(config: pytest.Config) -> None:
    target_file = config.getoption("--target")
    try:
        if target_file:
            target = load_target(target_file)
        else:
            from mock_server import DEFAULT_TOKEN

            embedded = load_target(MOCK_TARGET, require_token=False)
            token = os.environ.get(embedded.token_env) or DEFAULT_TOKEN
            target = dataclasses.replace(embedded, token=token, source="embedded mock")
    except TargetError as exc:
        raise pytest.UsageError(
            f"{exc}\n(see contract_tests/targets/staging.example.yaml for a complete example)"
        ) from None
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "short"  # a contract failure's message holds the evidence; long source listings do not
    profile = config.getoption("--profile")
    settings.load_profile(f"contract-{profile}")
    ACTIVE["profile"] = profile
    ACTIVE["api_version"] = target.api_version
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = str(random.SystemRandom().randrange(10**9))
        config.option.hypothesis_seed = seed
    forced: Any = int(seed) if str(seed).isdigit() else seed
    hypothesis.core.global_force_seed = forced  # what --hypothesis-seed does, also for a seed chosen here
    config.stash[TARGET_KEY] = target
    config.stash[MASK_KEY] = Masker([target.token, *target.near_miss_tokens])
    config.stash[STATE_KEY] = {"budget": "", "started": time.monotonic()}


TARGET_KEY = pytest.StashKey[Target]()
MASK_KEY = pytest.StashKey[Masker]()
SUITE_KEY = pytest.StashKey[Suite]()
STATE_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
        return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)  # cheap and sharp checks first: with -x a broken server fails fast


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> Iterator[Suite]:
    """The target (the embedded mock is started here), the client, the report; cleanup at the end."""
    config = request.config
    target = config.stash[TARGET_KEY]
    server = None
    if target.source == "embedded mock":
        from mock_server.serve import start_background

        server = start_background(port=0, token=target.token, api_version=target.api_version)
        target = dataclasses.replace(target, base_url=server.url)
    spec = spec_for(target.api_version)
    client = Client(
        target.base_url,
        target.token,
        spec,
        timeout=target.timeout_seconds,
        rate_limit=target.rate_limit_per_second,
        budget=target.request_budget,
        xml_type=target.xml_content_type,
        mask=config.stash[MASK_KEY],  # one masker for the client and every output
    )
    prefix = f"ct{time.strftime('%y%m%d%H%M%S')}{secrets.token_hex(2)}-"
    report = Report(
        target=target.source if target.source == "embedded mock" else f"{target.source} ({target.base_url})",
        prefix=prefix,
        seed=str(config.getoption("hypothesis_seed")),
        profile=config.getoption("--profile"),
        mask=config.stash[MASK_KEY],
    )
    the_suite = Suite(target=target, client=client, spec=spec, names=CodeNames(prefix), report=report)
    config.stash[SUITE_KEY] = the_suite
    try:
        baseline = snapshot(client, [target.personal, target.universal])
        yield the_suite
        clean_up(the_suite, baseline)
    finally:
        report.requests = client.count
        if server is not None:
            server.stop()


def _reproduce(item: pytest.Item) -> str:
    config = item.config
    parts = ["python", "-m", "pytest", "contract_tests"]
    if config.getoption("--target"):
        parts += ["--target", str(config.getoption("--target"))]
    parts += [
        "--profile",
        str(config.getoption("--profile")),
        "--hypothesis-seed",
        str(config.getoption("hypothesis_seed")),
    ]
    name = item.name
    if " " in name:  # Schemathesis ids hold "POST /path": select by function and path
        original = getattr(item, "originalname", name.split("[")[0])
        name = f"{original} and {name.rsplit('/', 1)[-1].rstrip(']')}"
    parts += ["-k", name]
    return shlex.join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    mask = item.config.stash[MASK_KEY]
    if call.excinfo is not None and call.excinfo.errisinstance(BudgetExhausted):
        message = str(call.excinfo.value)
        item.config.stash[STATE_KEY]["budget"] = message
        item.session.shouldstop = f"stopping: {message}"
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, f"Skipped: {message}")
        return
    if report.failed and report.longrepr is not None:
        text = str(report.longrepr)
        if report.when == "call":
            text += f"\n\nreproduce (same seed, token from the environment): {_reproduce(item)}"
        report.longrepr = mask(text)
    report.sections = [(title, mask(content)) for title, content in report.sections]


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    # other plugins (Schemathesis) rewrite longrepr here: mask again, last
    if report.longrepr is not None:
        text = str(report.longrepr)
        if report.when == "call" and "reproduce (same seed" not in text and isinstance(node, pytest.Item):
            text += f"\n\nreproduce (same seed, token from the environment): {_reproduce(node)}"
        report.longrepr = node.config.stash[MASK_KEY](text)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    the_suite = config.stash.get(SUITE_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    if the_suite is None:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {}) if reporter else {}
    the_suite.report.outcome = {k: len(v) for k, v in stats.items() if k in ("passed", "failed", "skipped", "error")}
    if state.get("budget"):
        the_suite.report.notes.append(f"run stopped early: {state['budget']}")
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
    the_suite.report.requests = the_suite.client.count
    the_suite.report.wire = the_suite.client.wire.as_dict()
    directory = Path(config.getoption("--report-dir"))
    paths = the_suite.report.write(directory)
    state["paths"] = paths


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    the_suite = config.stash.get(SUITE_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    if the_suite is None:
        return
    elapsed = time.monotonic() - state.get("started", time.monotonic())
    terminalreporter.write_sep("-", "contract suite")
    terminalreporter.write_line(f"target: {the_suite.report.target}")
    terminalreporter.write_line(f"requests sent: {the_suite.client.count} in {elapsed:.1f} s")
    terminalreporter.write_line(
        f"hypothesis seed: {config.getoption('hypothesis_seed')} (rerun with --hypothesis-seed)"
    )
    if state.get("budget"):
        terminalreporter.write_line(f"STOPPED EARLY: {state['budget']}; raise request_budget in the target file")
    if state.get("paths"):
        terminalreporter.write_line("report: " + ", ".join(str(p) for p in state["paths"]))
    if the_suite.report.uncleaned:
        terminalreporter.write_line(f"left on the server (see report): {len(the_suite.report.uncleaned)} item(s)")
