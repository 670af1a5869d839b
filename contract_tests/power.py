"""The suite's power: run it against the faithful mock and against every faulty variant (``make power``).

Each variant is a ``promo-mock --port 0 --fault NAME`` subprocess with a temporary target file; the suite
runs whole (not ``-x``: which test fails first depends on the order, not on the oracles) and must pass the
faithful mock. A fault counts as detected only when the run fails with test failures (exit 1) and one of the
failures names the oracle or rule ``EXPECTED`` declares for it: a crash, a timeout or failures for other
reasons only are not a detection.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import yaml
from defusedxml.ElementTree import parse as parse_xml_file

ROOT = Path(__file__).resolve().parent.parent
MOCK_TARGET = ROOT / "contract_tests" / "targets" / "mock.yaml"
TOKEN = "power-token-not-a-secret"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


# The oracle or rule a failure must name for each fault to count as detected (any one of the names given).
EXPECTED: dict[str, tuple[str, ...]] = {
    # besides the rules and suite tests each fault declares (mock_server.faults.REGISTRY[...].caught_by)
    "restricted-reattach": ("[invariant restricted-single-holder]",),
    "pool-draw-noop": ("[postcondition matched_profile_holds_code]",),
    "phone-matching-broken": ("[postcondition matched_profile_holds_code]",),
    "custom-matching-ignores-name": ("[postcondition matched_profile_holds_code]",),
    "db-scope-ignored": ("[postcondition matched_profile_holds_code]",),
    "get-hides-profile": ("[postcondition matched_profile_holds_code]",),
    "export-omits-activated": ("[invariant get-export-agree]", "[postcondition code_activated]"),
    "activate-wrong-code": ("[frame]", "[postcondition code_activated]"),
    "attach-race": ("[invariant restricted-single-holder]",),
    "xml-request-last-repeat-only": ("[postcondition items_agree_with_listing]",),
    "update-no-options-ok": ("[rule request.invalid]",),  # its missing-options case comes first
    "xml-request-rejected": ("[rule auth.token-missing]",),  # 401 expected, the XML refusal answers 400
    "xml-response-wrong-shape": ("[rule auth.token-missing]",),  # the first XML answer is not the envelope
    # faults of the oracles added for issue 9: each must be caught by its own oracle
    "import-noop": ("[postcondition items_agree_with_listing]",),
    "attach-noop": ("[postcondition matched_profile_holds_code]",),
    "detach-noop": ("[postcondition matched_profile_released_code]",),
    "activate-noop": ("[postcondition code_activated]",),
    "update-noop": ("[postcondition requested_state_shown]",),
    "restricted-second-holder": ("[invariant restricted-single-holder]",),
    "unknown-db-first-database": ("[postcondition matched_profile_holds_code]", "[frame]"),
    "program-scope-ignored": ("[frame]", "[postcondition describes_listed_code]", "[invariant get-export-agree]"),
    "json-labelled-text": ("[wire-label]",),
    "refused-activate-applied": ("[frame] a refused request changed",),
    "clock-backwards": ("[invariant timestamps]",),
    "export-respells-markup": ("[invariant codes-persist]", "[invariant get-export-agree]"),
    # issue 18: each caught by the capability it proves
    "format-type-unchecked": ("[rule request.invalid] a request that breaks a documented constraint got error 0",),
    "creation-disallowed-ignored": ("[rule attach.code-unknown-creation-disallowed]",),
    # the preflight's diagnosis: a contract violation before any test (exit 1), not a wrong target file (exit 4)
    "attach-http-500": ("[preflight] an HTTP 5xx answer",),
    "json-requests-refused": ("[preflight] a valid request refused",),
    "error-as-string": ("[preflight] a broken envelope",),
    "export-other-program": ("[preflight] contradicting answers",),
}
# the faults of the oracles added for issue 9: only their own oracle counts, not the rules they also break
NEW_ORACLE_FAULTS = frozenset(
    {
        "import-noop",
        "attach-noop",
        "detach-noop",
        "activate-noop",
        "update-noop",
        "restricted-second-holder",
        "unknown-db-first-database",
        "program-scope-ignored",
        "json-labelled-text",
        "refused-activate-applied",
        "clock-backwards",
        "export-respells-markup",
    }
)
# the faults of issue 18's edges: only the capability each proves counts, not the tests that also fail
EDGE_FAULTS = frozenset(
    {
        "format-type-unchecked",
        "creation-disallowed-ignored",
        "attach-http-500",
        "json-requests-refused",
        "error-as-string",
        "export-other-program",
    }
)


@dataclass(frozen=True)
class Result:
    """What one run of the suite against one variant gave."""

    fault: str  # "" = the faithful mock
    exit_code: int
    detected_by: str
    seconds: float
    named: str = ""  # the expected oracle or rule the failure named ('' when none)
    api_version: str = "72"  # the version the mock served and the target file named
    seed: str = ""  # the seed file of mock_server/ the mock served ('' = the default seed)

    @property
    def ok(self) -> bool:
        """Faithful mock: the suite passes (0); a fault: test failures (1) that name the expected oracle or rule."""
        if not self.fault:
            return self.exit_code == 0
        return self.exit_code == 1 and bool(self.named)


def _failures(junit: Path) -> tuple[str, str]:
    """The first failing test's name and the text of every failure (messages and tracebacks)."""
    try:
        root = parse_xml_file(junit).getroot()
    except (OSError, SyntaxError):
        return "(no JUnit file)", ""
    first, texts = "", []
    case: Element
    for case in root.iter("testcase") if root is not None else []:
        for kind in ("failure", "error"):
            found = case.find(kind)
            if found is None:
                continue
            if not first:
                module = str(case.get("classname", "")).rsplit(".", 1)[-1]
                first = f"{module}::{case.get('name')}"
            texts.append(f"{case.get('name')} {found.get('message', '')}\n{found.text or ''}")
    return first, "\n".join(texts)


def expected_names(fault: str) -> tuple[str, ...]:
    """What a failure must name to count as catching ``fault``: ``EXPECTED``, or a rule the fault declares."""
    from mock_server.faults import REGISTRY

    if fault in NEW_ORACLE_FAULTS | EDGE_FAULTS:
        return EXPECTED[fault]
    declared = REGISTRY[fault].caught_by if fault in REGISTRY else ()
    # x-rules ids as their oracle tag; test names (test_api, ...) as the failing test's name
    named = tuple(f"[rule {name}]" if "." in name else name for name in declared)
    return tuple(dict.fromkeys((*EXPECTED.get(fault, ()), *named)))


def named_oracle(fault: str, text: str) -> str:
    """The expected oracle or rule of ``fault`` that ``text`` names ('' when none)."""
    return next((name for name in expected_names(fault) if name in text), "")


@contextmanager
def serving_mock(
    faults: tuple[str, ...], *, token: str = TOKEN, api_version: str = "72", seed: Path | None = None
) -> Iterator[str]:
    """Run ``promo-mock --port 0 --api-version V`` (with ``--fault`` for each fault, ``--seed`` when given) and
    yield its base URL."""
    env = dict(os.environ, ALTCRAFT_TOKEN=token)
    command = [sys.executable, "-m", "mock_server.cli", "--port", "0", "--api-version", api_version]
    command += ["--seed", str(seed)] if seed else []
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
    from mock_server.seed import load_seed

    kinds = {v: k for k, v in yaml.safe_load(MOCK_TARGET.read_text(encoding="utf-8"))["loyalty_programs"].items()}
    programs = load_seed(seed_path(seed)).programs
    return {kinds[p.id]: {"creates_codes": p.creates_codes} for p in programs if p.id in kinds}


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


def run_suite(
    target: Path, workdir: Path, *extra: str, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``suite_command`` from the repository root, ``env`` added to this environment, its output captured."""
    return subprocess.run(
        suite_command(target, workdir, *extra),
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_variant(
    fault: str, *, api_version: str | None = None, seed: str | None = None, timeout: float = 300
) -> Result:
    """Run the suite against promo-mock with ``fault`` ('' for none) and return how it ended.

    The mock and the target file speak ``api_version``: by default the fault's own version, else 72. The mock
    serves ``seed`` (a seed file of mock_server/; by default the fault's own, else the default seed), and the
    target file declares its programs' settings.
    """
    from mock_server.faults import REGISTRY

    version = api_version or (REGISTRY[fault].api_version if fault else None) or "72"
    seed = seed or (REGISTRY[fault].seed if fault else None)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="power-") as tmp,
        serving_mock(
            (fault,) if fault else (), api_version=version, seed=seed_path(seed) if seed else None
        ) as url,
    ):
        work = Path(tmp)
        target = write_target(url, work / "target.yaml", api_version=version, seed=seed)
        run = run_suite(target, work, env={"ALTCRAFT_TOKEN": TOKEN}, timeout=timeout)
        first, text = _failures(work / "junit.xml")
        named = named_oracle(fault, text + run.stdout) if fault else ""
        return Result(fault, run.returncode, first, time.monotonic() - started, named, version, seed or "")


def run_all(*, workers: int = 2, faults: list[str] | None = None) -> list[Result]:
    """The faithful mock of every API version, and on every seed a chosen fault needs, first in the queue; then
    every fault of ``mock_server.faults.FAULTS`` (or ``faults``)."""
    from mock_server.faults import FAULTS, REGISTRY
    from promo_spec.versions import known_versions

    chosen = faults if faults is not None else sorted(FAULTS)
    seeds = sorted({s for name in chosen if (s := REGISTRY[name].seed)})
    variants: list[tuple[str, str | None, str | None]] = [("", v, None) for v in known_versions()]
    variants += [("", None, s) for s in seeds] + [(name, None, None) for name in chosen]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda v: run_variant(v[0], api_version=v[1], seed=v[2]), variants))


def table(results: list[Result]) -> str:
    """A Markdown table: variant, exit code, verdict, first failing test."""
    lines = [
        "| variant | exit | verdict | oracle named | detected by (first failing test) | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        verdict = ("passes" if r.ok else "FAILS") if not r.fault else ("detected" if r.ok else "NOT DETECTED")
        named = r.named or ("-" if not r.fault else f"none of {', '.join(expected_names(r.fault))}")
        on = f" ({r.seed})" if r.seed else ""
        lines.append(
            f"| {r.fault or '(faithful mock)'} v{r.api_version}{on} | {r.exit_code} | {verdict} | {named} "
            f"| {r.detected_by or '-'} | {r.seconds:.1f} |"
        )
    faults = [r for r in results if r.fault]
    lines.append("")
    lines.append(
        f"faults detected: {sum(r.ok for r in faults)}/{len(faults)}; "
        f"faithful mock: {'passes' if all(r.ok for r in results if not r.fault) else 'FAILS'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the power table; exit 0 only when every fault is detected and the faithful mock passes."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.power", description=__doc__)
    parser.add_argument("faults", nargs="*", metavar="FAULT", help="only these faults (default: every fault)")
    parser.add_argument("--workers", type=int, default=2, help="suite runs at once (default 2)")
    args = parser.parse_args(argv)
    from mock_server.faults import FAULTS

    unknown = sorted(set(args.faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}; see promo-mock --list-faults")
    started = time.monotonic()
    results = run_all(workers=args.workers, faults=args.faults or None)
    print(table(results))
    print(f"total time: {time.monotonic() - started:.0f} s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
