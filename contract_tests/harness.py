"""Running the suite as a subprocess, as a user's CI does: against a promo-mock started for the purpose or any
target file, its output captured. ``make power``, ``make seeds``, the benches and the project's own tests use it.

``run_suite`` starts pytest without the installed plugins' autoloading and names the three the suite needs
(``SUITE_PLUGINS``): the same run, about 5 s less start-up per run where bytecode is not cached
(``PYTHONDONTWRITEBYTECODE``: pytest then rewrites every module of each autoloaded plugin's distribution anew),
and no other installed plugin can change a run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import yaml

from mock_server.serve import start_background

ROOT = Path(__file__).resolve().parent.parent
MOCK_TARGET = ROOT / "contract_tests" / "targets" / "mock.yaml"
TOKEN = "power-token-not-a-secret"
# the plugin modules the suite needs (Hypothesis, Schemathesis, -n N), by module: an entry-point name (-p schemathesis)
# would mark its whole distribution for assertion rewriting again
SUITE_PLUGINS = ("_hypothesis_pytestplugin", "schemathesis.pytest.plugin", "xdist.plugin")
SUITE_TIMEOUT = 3600.0  # seconds: only a hung run meets it (a whole default run takes well under a minute)


@contextmanager
def serving_mock(
    faults: tuple[str, ...] = (), *, token: str = TOKEN, api_version: str = "72", seed: Path | None = None
) -> Iterator[str]:
    """Run ``promo-mock --port 0`` (``--fault`` for each fault, ``--seed`` when given) and yield its base URL."""
    with start_background(
        port=0,
        token=token,
        api_version=api_version,
        faults=frozenset(faults),
        seed_path=seed,
        stderr=subprocess.DEVNULL,  # a faulty mock's tracebacks are its business, not the table's
    ) as server:
        yield server.url


def write_target(base_url: str, path: Path, *, api_version: str | None = None, seed: str | None = None) -> Path:
    """Write the default seed's target file with ``base_url`` (and ``api_version`` when given) to ``path``; for
    another ``seed`` file of mock_server/ (same data), with its programs' settings as ``program_settings``."""
    text = re.sub(r"(?m)^base_url:.*$", f"base_url: {base_url}", MOCK_TARGET.read_text(encoding="utf-8"))
    if api_version is not None:
        text += f'api_version: "{api_version}"\n'
    if seed is not None:
        text += "program_settings: " + json.dumps(program_settings(seed), sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def seed_path(seed: str) -> Path:
    """A seed file of mock_server/ by name."""
    return ROOT / "mock_server" / seed


def program_settings(seed: str) -> dict[str, dict[str, bool]]:
    """The target file's ``program_settings`` of the mock.yaml programs as ``seed`` (mock_server/) sets them."""
    kinds = {v: k for k, v in yaml.safe_load(MOCK_TARGET.read_text(encoding="utf-8"))["loyalty_programs"].items()}
    programs = yaml.safe_load(seed_path(seed).read_text(encoding="utf-8"))["programs"]  # the file mock_server reads
    return {kinds[p["id"]]: {"creates_codes": bool(p.get("creates_codes", True))} for p in programs if p["id"] in kinds}


def suite_command(target: Path | None, workdir: Path, *extra: str) -> list[str]:
    """The command that runs the suite against ``target`` (None: the embedded mock), writing JUnit XML and reports
    into ``workdir``."""
    plugins = [word for name in SUITE_PLUGINS for word in ("-p", name)]
    return [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        *(["--target", str(target)] if target is not None else []),
        "-q",
        "-o",
        "testpaths=contract_tests",
        "-p",
        "no:cacheprovider",
        "--disable-plugin-autoload",
        *plugins,
        f"--junitxml={workdir / 'junit.xml'}",
        "--report-dir",
        str(workdir / "reports"),
        *extra,
    ]


def run_suite(
    target: Path | None,
    workdir: Path,
    *extra: str,
    env: Mapping[str, str] | None = None,
    timeout: float = SUITE_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``suite_command`` from the repository root, ``env`` added to this environment, its output captured."""
    return subprocess.run(
        suite_command(target, workdir, *extra),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
