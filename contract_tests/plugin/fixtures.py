"""The ``suite`` fixture (the session's target, client and report; cleanup at the end) and what wraps every test:
the workers' lock, the request count per test, and the whole-program frame check of each batch of cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.batches import FrameWatch, TakenLog
from contract_tests.cleanup import clean_up
from contract_tests.client import Client
from contract_tests.leftovers import Leftovers
from contract_tests.listings import Listings
from contract_tests.plugin.keys import MASK_KEY, REPORT_KEY, RUN_KEY, SUITE_KEY, TARGET_KEY
from contract_tests.plugin.ordering import case_of, draws, lock_mode
from contract_tests.plugin.workers import share, trace_path, worker_count
from contract_tests.session import RunLock, drawers_file, taken_file
from contract_tests.strategies import CodeNames
from contract_tests.suite import Suite, spec_for

FRAME_BATCH = 100  # rule and scoping cases per whole-program frame check (one export_all of each program per batch)


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
        budget=share(target.request_budget, worker_count(config)),
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
        drawers=RunLock(drawers_file(run.lock_path)),
        taken=(taken := TakenLog(taken_file(run.lock_path))),
        leftovers=Leftovers(run.leftovers, taken),
        listings=Listings(alone=not run.worker),  # workers change the server beside this process: no reuse
    )
    config.stash[SUITE_KEY] = the_suite
    try:
        yield the_suite
        try:
            with the_suite.lock.hold(exclusive=False):
                check_frame(the_suite)  # the last batch of rule cases: a violation errors the last test's teardown
        finally:
            # shared: what it changes is this worker's namespace or announced in the taken log (draws, leftovers),
            # which every other worker's frame check ignores
            with the_suite.lock.hold(exclusive=False):
                clean_up(the_suite)
            the_suite.lock.release()  # a hold a drawing test kept for a next test that never ran (skipped by mark)
            the_suite.drawers.release()
    finally:
        report.requests = client.count
        report.received = client.received
        if client.resent:
            report.notes.append(
                f"{client.resent} request(s) sent again on a new connection: the server had closed the kept-alive "
                "connection as they went out, unanswered"
            )


NEXT_ITEM = pytest.StashKey[pytest.Item | None]()  # the test this process runs after an item (None: the last)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Note which test follows (pytest-xdist's workers know it too): a run of drawing tests keeps the lock."""
    item.stash[NEXT_ITEM] = nextitem


@pytest.fixture(autouse=True)
def _each_test(request: pytest.FixtureRequest, suite: Suite) -> Iterator[None]:
    """Hold the run's lock (exclusive for a test that may draw from a pool) and count the test's requests."""
    item = request.node
    member = case_of(item) is not None or item.get_closest_marker("frame_batch") is not None  # in the batch check
    mode, drawer = lock_mode(item), draws(item)
    exclusive = mode == "exclusive"
    if drawer:  # drawing tests one at a time, whatever the scheduling (a "steps" test lets go of the lock between)
        suite.drawers.acquire(exclusive=True)
    elif suite.drawers.held:
        suite.drawers.release()  # kept for a next drawing test that did not run (skipped by its mark)
    if suite.lock.held == "exclusive" and not exclusive:
        suite.lock.release()  # kept for a next drawing test that did not run, or this one holds it shared
    suite.lock.acquire(exclusive=exclusive)
    try:
        sent, received = suite.client.count, suite.client.received
        if not member or suite.frame.full:
            check_frame(suite)  # the open batch of cases ends here; a violation errors this test's setup
        if not member:
            suite.frame.interrupted()
        try:
            yield
        finally:
            suite.report.count_test(item.nodeid, suite.client.count - sent, suite.client.received - received)
    finally:
        following = item.stash.get(NEXT_ITEM, None)
        if not (exclusive and following is not None and lock_mode(following) == "exclusive"):
            suite.lock.release()  # a drawing test followed by another keeps its exclusive hold for it
        if not (following is not None and draws(following)):
            suite.drawers.release()


def check_frame(suite: Suite) -> None:
    """Close the open batch of rule cases: nothing they did not name changed (contract_tests/batches.py)."""
    # codes other workers took (pool draws, leftovers) are theirs to judge; this worker's own are named
    suite.frame.check(ignore=suite.taken.others(), foreign=suite.foreign)
