"""pytest wiring of the contract suite: options, the target, the embedded mock, cleanup, report, masking."""

from __future__ import annotations

import dataclasses
import glob
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests.batches import FrameWatch, TakenLog
from contract_tests.budgets import HYPOTHESIS_PROFILE, PROFILES
from contract_tests.cleanup import clean_up
from contract_tests.exchange import BudgetExhausted, Client, Masker
from contract_tests.leftovers import Leftovers
from contract_tests.recording import record_rules
from contract_tests.report import Report
from contract_tests.rule_setup import RuleCase, may_draw, rule_cases, smoke_cases
from contract_tests.session import Run, RunLock, taken_file
from contract_tests.startup import (
    MASK_KEY,
    REPORT_KEY,
    RUN_KEY,
    STATE_KEY,
    SUITE_KEY,
    TARGET_KEY,
    load,
    only_looking,
    sizes_after,
    start,
    stop,
)
from contract_tests.strategies import CodeNames
from contract_tests.suite import Suite, spec_for

MODULE_ORDER = ("test_concurrency", "test_rules", "test_scoping", "test_state_machine", "test_schemathesis")
FRAME_BATCH = 100  # rule and scoping cases per whole-program frame check (one export_all of each program per batch)
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
        "markers", "frame_batch: the test reads its named codes with get; the batch's frame check judges the rest"
    )
    target = load(config)
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "short"  # a contract failure's message holds the evidence; long source listings do not
    profile = config.getoption("--profile")
    settings.load_profile(HYPOTHESIS_PROFILE.format(profile))
    masker = Masker([target.token, *target.near_miss_tokens])
    config.stash[MASK_KEY] = masker  # before anything can fail: every output is masked
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        run = Run.from_controller(workerinput["contract"])
    else:
        run = start(config, target, masker)
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_Controller(), "contract-controller")
        if config.getoption("--trace-requests"):  # an earlier run's worker parts must not be merged into this one
            for stale in _trace_parts(Path(config.getoption("--trace-requests"))):
                stale.unlink()
    config.option.hypothesis_seed = run.seed
    forced: Any = int(run.seed) if run.seed.isdigit() else run.seed
    hypothesis.core.global_force_seed = forced  # what --hypothesis-seed does, also for a seed chosen here
    config.stash[TARGET_KEY] = dataclasses.replace(target, base_url=run.base_url)
    config.stash[RUN_KEY] = run
    config.stash[REPORT_KEY] = Report(
        target=target.label,
        prefix=run.code_prefix if not getattr(config.option, "numprocesses", None) else f"{run.run_prefix}*-",
        seed=run.seed,
        profile=profile,
        mask=masker,
    )
    config.stash[STATE_KEY] = {"budget": "", "started": time.monotonic()}
    record_rules(config, config.stash[REPORT_KEY], target=target, run=run, mask=masker)  # verdicts, history


def pytest_unconfigure(config: pytest.Config) -> None:
    stop(config)


class _Controller:
    """xdist hooks of the controller: hand each worker the run, merge what each reports back."""

    def pytest_configure_node(self, node: Any) -> None:
        run = node.config.stash[RUN_KEY]
        worker = node.workerinput["workerid"]
        index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
        node.workerinput["contract"] = run.for_worker(worker, index, int(node.workerinput["workercount"]))

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        part = getattr(node, "workeroutput", {}).get("contract")
        if part:
            node.config.stash[REPORT_KEY].merge(part)
            if part.get("budget"):
                node.config.stash[STATE_KEY]["budget"] = part["budget"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
        # tests that may draw from a pool hold the workers' lock alone: run them first, one after another,
        # while no long test (state machine, Schemathesis) keeps the others waiting for it
        return (0 if _may_draw(item) else 1, MODULE_ORDER.index(module) if module in MODULE_ORDER else 9)

    items.sort(key=rank)  # cheap and sharp checks first: with -x a broken server fails fast
    if config.getoption("--profile") == "smoke":  # every rule, every mode and format pair once (rule_setup)
        cases = [_case_of(item) for item in items]
        keep = {id(c) for c in smoke_cases([c for c in cases if c is not None])}
        dropped = [item for item, case in zip(items, cases, strict=True) if case is not None and id(case) not in keep]
        # scoping cases are no rule: the default and thorough profiles run them (smoke stays under 500 requests)
        dropped += [item for item in items if item.nodeid.startswith("contract_tests/test_scoping.py::")]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = {id(item) for item in dropped}
            items[:] = [item for item in items if id(item) not in gone]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """test_rules' cases: every rule of the target's API version (read from the target file at configure)."""
    if metafunc.function.__name__ == "test_rule":
        cases = rule_cases(spec_for(metafunc.config.stash[TARGET_KEY].api_version).rules)
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def _case_of(item: pytest.Item) -> RuleCase | None:
    case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
    return case if isinstance(case, RuleCase) else None


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> Iterator[Suite]:
    """The target, the client, the report of this process; cleanup of this process's codes at the end."""
    config = request.config
    target, run = config.stash[TARGET_KEY], config.stash[RUN_KEY]
    spec = spec_for(target.api_version)
    client = Client(
        target.base_url,
        target.token,
        spec,
        timeout=target.timeout_seconds,
        rate_limit=target.rate_limit_per_second,
        budget=_share(target.request_budget, getattr(config, "workerinput", {}).get("workercount", 1)),
        xml_type=target.xml_content_type,
        mask=config.stash[MASK_KEY],  # one masker for the client and every output
    )
    if config.getoption("--trace-requests"):
        client.trace = trace_path(config)
        client.trace.write_text("", encoding="utf-8")
    report = config.stash[REPORT_KEY]
    the_suite = Suite(
        target=target,
        client=client,
        spec=spec,
        names=CodeNames(run.code_prefix),
        report=report,
        frame=FrameWatch(client, target.programs, size=FRAME_BATCH),
        run=run,
        lock=RunLock(run.lock_path),
        taken=(taken := TakenLog(taken_file(run.lock_path))),
        leftovers=Leftovers(run.leftovers, taken),
    )
    config.stash[SUITE_KEY] = the_suite
    try:
        yield the_suite
        try:
            with the_suite.lock.hold(exclusive=False):
                _check_frame(the_suite)  # the last batch of rule cases: a violation errors the last test's teardown
        finally:
            # shared: what it changes is this worker's namespace or announced in the taken log (draws, leftovers),
            # which every other worker's frame check ignores
            with the_suite.lock.hold(exclusive=False):
                clean_up(the_suite)
    finally:
        report.requests = client.count
        report.received = client.received
        if client.resent:
            report.notes.append(
                f"{client.resent} request(s) sent again on a new connection: the server had closed the kept-alive "
                "connection as they went out, unanswered"
            )


def trace_path(config: pytest.Config) -> Path:
    """Where this process writes --trace-requests: the file itself, or a worker's part the controller merges."""
    path = Path(config.getoption("--trace-requests"))
    worker = getattr(config, "workerinput", {}).get("workerid")
    return path.with_name(f"{path.name}.{worker}.part") if worker else path


def _trace_parts(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{glob.escape(path.name)}.gw*.part"), key=lambda p: _worker_number(p.name))


def _worker_number(name: str) -> int:
    digits = name.rsplit(".gw", 1)[-1].removesuffix(".part")
    return int(digits) if digits.isdigit() else 0


def merge_traces(path: Path) -> None:
    """The controller's --trace-requests file: every worker's requests, a ``# worker gwN`` line before each part."""
    parts = _trace_parts(path)
    if not parts:
        return
    with path.open("w", encoding="utf-8") as out:
        for part in parts:
            out.write(f"# worker {part.name.rsplit('.', 2)[-2]}\n")
            out.write(part.read_text(encoding="utf-8"))
    for part in parts:
        part.unlink()


def _share(budget: int | None, workers: int) -> int | None:
    """Each of ``workers`` workers gets an equal share of the request budget (rounded up)."""
    return None if budget is None else -(-budget // max(1, workers))


def _may_draw(item: pytest.Item) -> bool:
    """Whether a test may send attach without a code (a pool draw, which can take any free code)."""
    case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
    return isinstance(case, RuleCase) and may_draw(case)  # Schemathesis' attach always names a code (api_checks.pin)


@pytest.fixture(autouse=True)
def _each_test(request: pytest.FixtureRequest, suite: Suite) -> Iterator[None]:
    """Hold the run's lock (exclusive for a test that may draw from a pool) and count the test's requests."""
    item = request.node
    exclusive = _may_draw(item)
    rule_case = isinstance(getattr(getattr(item, "callspec", None), "params", {}).get("case"), RuleCase)
    member = rule_case or item.get_closest_marker("frame_batch") is not None  # judged by the batch's frame check
    with suite.lock.hold(exclusive=exclusive):
        sent, received = suite.client.count, suite.client.received
        if not member or suite.frame.full:
            _check_frame(suite)  # the open batch of cases ends here; a violation errors this test's setup
        if not member:
            suite.frame.interrupted()
        try:
            yield
        finally:
            suite.report.count_test(item.nodeid, suite.client.count - sent, suite.client.received - received)


def _check_frame(suite: Suite) -> None:
    """Close the open batch of rule cases: nothing they did not name changed (contract_tests/batches.py)."""
    # codes other workers took (pool draws, leftovers) are theirs to judge; this worker's own are named
    suite.frame.check(ignore=suite.taken.all() - suite.taken.mine, foreign=suite.foreign)


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
        the_suite = item.config.stash.get(SUITE_KEY, None)
        if the_suite is not None and report.when == "call":
            the_suite.report.failed(item.name, mask(text))
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
    if config.getoption("--trace-requests") and getattr(config, "workerinput", None) is None:
        merge_traces(Path(config.getoption("--trace-requests")))
    report = config.stash.get(REPORT_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    run = config.stash.get(RUN_KEY, None)
    if report is None or run is None or only_looking(config):
        return
    the_suite = config.stash.get(SUITE_KEY, None)
    if the_suite is not None:
        report.requests = the_suite.client.count
        report.received = the_suite.client.received
        report.wire = the_suite.client.wire.as_dict()
        report.reused = the_suite.leftovers.used
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # a worker: the controller merges and writes
        workeroutput["contract"] = dict(report.part(), budget=state.get("budget", ""))
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {}) if reporter else {}
    report.outcome = {k: len(v) for k, v in stats.items() if k in ("passed", "failed", "skipped", "error")}
    report.preflight = {"requests": run.preflight_requests, "notes": run.preflight_notes}
    report.sizes_before = run.sizes_before
    report.sizes_after = sizes_after(config, run)
    if state.get("budget"):
        report.notes.append(f"run stopped early: {state['budget']}")
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
    directory = Path(config.getoption("--report-dir"))
    state["paths"] = report.write(directory)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(REPORT_KEY, None)
    state = config.stash.get(STATE_KEY, {})
    if report is None or getattr(config, "workerinput", None) is not None or only_looking(config):
        return
    elapsed = time.monotonic() - state.get("started", time.monotonic())
    terminalreporter.write_sep("-", "contract suite")
    terminalreporter.write_line(f"target: {report.target}")
    terminalreporter.write_line(
        f"requests sent: {report.requests} ({report.received / 1e6:.2f} MB received) in {elapsed:.1f} s"
    )
    if report.sizes_before:
        terminalreporter.write_line(
            "program sizes (codes, before -> after): "
            + ", ".join(f"{p}: {n} -> {report.sizes_after.get(p, '?')}" for p, n in sorted(report.sizes_before.items()))
        )
    terminalreporter.write_line(
        f"hypothesis seed: {config.getoption('hypothesis_seed')} (rerun with --hypothesis-seed)"
    )
    if state.get("budget"):
        terminalreporter.write_line(f"STOPPED EARLY: {state['budget']}; raise request_budget in the target file")
    if state.get("paths"):
        terminalreporter.write_line("report: " + ", ".join(str(p) for p in state["paths"]))
    if report.uncleaned:
        terminalreporter.write_line(f"left on the server (see report): {len(report.uncleaned)} item(s)")
