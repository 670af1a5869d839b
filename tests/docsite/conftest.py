"""The docs site as a person meets it: built from real contract runs, served on loopback, opened in chromium.

Two runs of the suite (smoke profile, rule cases) feed the site, at the same time: a faithful mock speaking
v72 and a faulty one speaking v74 (activate of a free code succeeds; any bearer token is accepted), both with
a canary token, so the site holds passing and failing verdicts of two targets and two versions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from contract_tests.harness import ROOT, run_suite, serving_mock, write_target
from docsite.build import build
from docsite.serve import serving

CANARY = "CANARY-d0c5-51te-token"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAULTS_74 = ("activate-unattached-ok", "auth-header-any-token")
FAITHFUL, FAULTY = "faithful mock", "faulty staging"


def _run(work: Path, name: str, api_version: str, faults: tuple[str, ...]) -> CompletedProcess[str]:
    work.mkdir()
    with serving_mock(faults, token=CANARY, api_version=api_version) as url:
        target = write_target(url, work / "target.yaml", api_version=api_version)
        with target.open("a", encoding="utf-8") as out:
            out.write(f"name: {name}\n")
        # reports go to work/reports (power.suite_command)
        return run_suite(target, work, "--profile", "smoke", "-k", "test_rule", env={"ALTCRAFT_TOKEN": CANARY})


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, CompletedProcess[str]]]:
    """The two runs' report directories (under one directory) and their completed processes."""
    base = tmp_path_factory.mktemp("docsite-runs")
    with ThreadPoolExecutor(2) as pool:
        faithful = pool.submit(_run, base / "faithful", FAITHFUL, "72", ())
        faulty = pool.submit(_run, base / "faulty", FAULTY, "74", FAULTS_74)
        done = {FAITHFUL: faithful.result(), FAULTY: faulty.result()}
    assert done[FAITHFUL].returncode == 0, done[FAITHFUL].stdout[-3000:] + done[FAITHFUL].stderr[-2000:]
    assert done[FAULTY].returncode == 1, done[FAULTY].stdout[-3000:] + done[FAULTY].stderr[-2000:]
    return base, done


@pytest.fixture(scope="session")
def site(runs: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from this checkout's spec and generated docs and the two runs' reports."""
    out = tmp_path_factory.mktemp("docsite-site") / "site"
    build(ROOT, out, [runs[0]])
    return out


@pytest.fixture(scope="session")
def site_url(site: Path) -> Iterator[str]:
    """The site served on a free loopback port."""
    with serving(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (installed by `make chromium`)."""
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail("Debian's chromium is missing: run `make chromium` (apt-get install chromium)")
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (package.json pins axe-core)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no state shared between tests)."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
