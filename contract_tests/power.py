"""The suite's power: run it against the faithful mock and against every faulty variant (``make power``).

Each variant is a ``promo-mock --port 0 --fault NAME`` subprocess with a temporary target file
(``contract_tests/harness.py``). The faithful mock of every API version gets the whole suite and must pass it.
A fault declares, once, on its ``@fault`` declaration in ``mock_server/faults/``, the oracles that must catch it
(``Fault.oracles``); its run selects the tests that can name one of them and stops at the first failure that
does (``--oracle``, ``contract_tests/plugin/selection.py``), so which test fails first depends on the oracles,
not on the order. A fault counts as detected only when the run fails with contract failures (exit 1) and a
failure names one of its oracles: a crash, a tool error, a timeout or failures for other reasons are not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import parse as parse_xml_file

# the subprocess harness lived here: its names stay importable from power (contract_tests/harness.py holds them)
from contract_tests.harness import MOCK_TARGET as MOCK_TARGET
from contract_tests.harness import ROOT as ROOT
from contract_tests.harness import TOKEN as TOKEN
from contract_tests.harness import run_suite as run_suite
from contract_tests.harness import seed_path
from contract_tests.harness import serving_mock as serving_mock
from contract_tests.harness import suite_command as suite_command
from contract_tests.harness import write_target as write_target


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
    """What a failure must name to count as catching ``fault``: the oracles its ``@fault`` declaration names."""
    from mock_server.faults import REGISTRY

    return REGISTRY[fault].oracles


def named_oracle(fault: str, text: str) -> str:
    """The expected oracle or rule of ``fault`` that ``text`` names ('' when none)."""
    return next((name for name in expected_names(fault) if name in text), "")


def run_variant(fault: str, *, api_version: str | None = None, seed: str | None = None) -> Result:
    """Run the suite against promo-mock with ``fault`` ('' for none: the whole suite) and return how it ended; a
    fault's run holds only the tests that can name its oracles, and stops at the first failure that does.

    The mock and the target file speak ``api_version``: by default the fault's own version, else 72. The mock
    serves ``seed`` (a seed file of mock_server/; by default the fault's own, else the default seed), and the
    target file declares its programs' settings (``program_settings``).
    """
    from mock_server.faults import REGISTRY

    version = api_version or (REGISTRY[fault].api_version if fault else None) or "72"
    seed = seed or (REGISTRY[fault].seed if fault else None)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="power-") as tmp,
        serving_mock((fault,) if fault else (), api_version=version, seed=seed_path(seed) if seed else None) as url,
    ):
        work = Path(tmp)
        target = write_target(url, work / "target.yaml", api_version=version, seed=seed)
        selection = [word for tag in (expected_names(fault) if fault else ()) for word in ("--oracle", tag)]
        run = run_suite(target, work, *selection, env={"ALTCRAFT_TOKEN": TOKEN})
        first, text = _failures(work / "junit.xml")
        named = named_oracle(fault, text + run.stdout) if fault else ""
        return Result(fault, run.returncode, first, time.monotonic() - started, named, version, seed or "")


def run_all(*, workers: int = 2, faults: list[str] | None = None, faithful: bool = True) -> list[Result]:
    """The faithful mock of every API version, and on every seed a chosen fault needs, first in the queue (unless
    not ``faithful``); then every fault of ``mock_server.faults.FAULTS`` (or only ``faults``), ``workers`` runs at
    a time."""
    from mock_server.faults import FAULTS, REGISTRY
    from promo_spec.versions import known_versions

    chosen = faults if faults is not None else sorted(FAULTS)
    seeds = sorted({s for name in chosen if (s := REGISTRY[name].seed)})
    variants: list[tuple[str, str | None, str | None]] = []
    if faithful:
        variants += [("", v, None) for v in known_versions()] + [("", None, s) for s in seeds]
    variants += [(name, None, None) for name in chosen]
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
