"""The suite's power: run it against the faithful mock and against every faulty variant (``make power``).

Each variant is a ``promo-mock --port 0 --fault NAME`` subprocess with a temporary target file; the suite
runs with ``-x`` and must exit 1 (test failures) against every fault and 0 against the faithful mock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import parse as parse_xml_file

ROOT = Path(__file__).resolve().parent.parent
MOCK_TARGET = ROOT / "contract_tests" / "targets" / "mock.yaml"
TOKEN = "power-token-not-a-secret"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class Result:
    """What one run of the suite against one variant gave."""

    fault: str  # "" = the faithful mock
    exit_code: int
    detected_by: str
    seconds: float
    api_version: str = "72"  # the version the mock served and the target file named

    @property
    def ok(self) -> bool:
        """Faithful mock: the suite passes (0); a fault: the suite fails with test failures (1)."""
        return self.exit_code == (1 if self.fault else 0)


def _first_failure(junit: Path) -> str:
    try:
        root = parse_xml_file(junit).getroot()
    except (OSError, SyntaxError):
        return "(no JUnit file)"
    case: Element
    for case in root.iter("testcase") if root is not None else []:
        if case.find("failure") is not None or case.find("error") is not None:
            module = str(case.get("classname", "")).rsplit(".", 1)[-1]
            return f"{module}::{case.get('name')}"
    return ""


@contextmanager
def serving_mock(faults: tuple[str, ...], *, token: str = TOKEN, api_version: str = "72") -> Iterator[str]:
    """Run ``promo-mock --port 0 --api-version V`` (with ``--fault`` for each fault) and yield its base URL."""
    env = dict(os.environ, ALTCRAFT_TOKEN=token)
    command = [sys.executable, "-m", "mock_server.cli", "--port", "0", "--api-version", api_version]
    for fault in faults:
        command += ["--fault", fault]
    mock = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = mock.stdout.readline() if mock.stdout else ""
        found = LISTENING.search(line)
        if not found:
            raise RuntimeError(f"promo-mock did not start: {line.strip()!r}")
        yield found.group(1)
    finally:
        mock.terminate()
        try:
            mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.kill()


def write_target(base_url: str, path: Path, *, api_version: str | None = None) -> Path:
    """Write the default seed's target file with ``base_url`` (and ``api_version`` when given) to ``path``."""
    text = re.sub(r"(?m)^base_url:.*$", f"base_url: {base_url}", MOCK_TARGET.read_text(encoding="utf-8"))
    if api_version is not None:
        text += f'api_version: "{api_version}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def suite_command(target: Path, workdir: Path, *extra: str) -> list[str]:
    """The command that runs the suite against ``target``, writing JUnit XML and reports into ``workdir``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        "--target",
        str(target),
        "-q",
        "-o",
        "testpaths=contract_tests",
        "-p",
        "no:cacheprovider",
        f"--junitxml={workdir / 'junit.xml'}",
        "--report-dir",
        str(workdir / "reports"),
        *extra,
    ]


def run_variant(fault: str, *, api_version: str | None = None, timeout: float = 300) -> Result:
    """Run the suite (``-x``) against promo-mock with ``fault`` ('' for none) and return how it ended.

    The mock and the target file speak ``api_version``: by default the fault's own version, else 72.
    """
    from mock_server.faults import REGISTRY

    version = api_version or (REGISTRY[fault].api_version if fault else None) or "72"
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="power-") as tmp,
        serving_mock((fault,) if fault else (), api_version=version) as url,
    ):
        work = Path(tmp)
        target = write_target(url, work / "target.yaml", api_version=version)
        env = dict(os.environ, ALTCRAFT_TOKEN=TOKEN)
        run = subprocess.run(
            suite_command(target, work, "-x"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        return Result(fault, run.returncode, _first_failure(work / "junit.xml"), time.monotonic() - started, version)


def run_all(*, workers: int = 2, faults: list[str] | None = None) -> list[Result]:
    """The faithful mock of every API version first in the queue, then every fault of ``mock_server.faults.FAULTS``."""
    from mock_server.faults import FAULTS
    from promo_spec.versions import known_versions

    variants = [("", v) for v in known_versions()] + [
        (name, None) for name in (faults if faults is not None else sorted(FAULTS))
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda variant: run_variant(variant[0], api_version=variant[1]), variants))


def table(results: list[Result]) -> str:
    """A Markdown table: variant, exit code, verdict, first failing test."""
    lines = [
        "| variant | exit | verdict | detected by (first failing test) | seconds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        verdict = ("passes" if r.ok else "FAILS") if not r.fault else ("detected" if r.ok else "NOT DETECTED")
        lines.append(
            f"| {r.fault or '(faithful mock)'} v{r.api_version} | {r.exit_code} | {verdict} "
            f"| {r.detected_by or '-'} | {r.seconds:.1f} |"
        )
    faults = [r for r in results if r.fault]
    lines.append("")
    lines.append(
        f"faults detected: {sum(r.ok for r in faults)}/{len(faults)}; "
        f"faithful mock: {'passes' if all(r.ok for r in results if not r.fault) else 'FAILS'}"
    )
    return "\n".join(lines)


def main() -> int:
    """Print the power table; exit 0 only when every fault is detected and the faithful mock passes."""
    started = time.monotonic()
    results = run_all()
    print(table(results))
    print(f"total time: {time.monotonic() - started:.0f} s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
