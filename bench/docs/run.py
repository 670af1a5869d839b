"""Docs-site benchmark: ``promo-docs build`` for every API version and every rule, against a baseline run beside it.

Inputs: this checkout's spec and generated docs (two versions), and contract reports of two targets x two
versions covering every rule, written by the suite's own code (``contract_tests.verdicts.rule_verdicts``
over every rule case, with the masked evidence of each case) plus a history of ``--history-runs`` nightly runs
per target and version (``contract_tests.history.append``). So the site has the size a team's site has.

Baseline, measured in the same run, alternating with the build: a fresh interpreter loading both versions'
specs (``promo_spec.load_spec``) and rendering every generated Markdown page to HTML with markdown-it-py.
That is what showing the existing docs as HTML costs at all; the ratio says what the site (rule pages,
matrix, badges, history, search index) adds on top. Also shown: the build without the search index.
Goal (issue 19): the build under 5 s on this machine. Medians of ``--repeat`` rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from contract_tests import history  # noqa: E402
from contract_tests.masking import Masker  # noqa: E402
from contract_tests.rule_log import RuleLog  # noqa: E402
from contract_tests.rule_setup import rule_cases  # noqa: E402
from contract_tests.verdicts import CaseOutcome, reproduce_command, rule_verdicts  # noqa: E402
from contract_tests.wire import Exchange  # noqa: E402
from promo_spec import load_spec  # noqa: E402
from promo_spec.versions import known_versions  # noqa: E402

TOKEN = "bench-token-not-a-secret"
BASELINE = """
import sys
from pathlib import Path
from markdown_it import MarkdownIt
from promo_spec import load_spec
from promo_spec.versions import known_versions
md = MarkdownIt("commonmark").enable("table")
root = Path(sys.argv[1])
for index, version in enumerate(known_versions()):
    load_spec(api_version=version)
    docs = root / "generated_clients" / ("" if index == 0 else f"v{version}") / "docs"
    for page in sorted(docs.glob("*.md")):
        md.render(page.read_text(encoding="utf-8"))
"""


def write_reports(directory: Path, runs: int) -> int:
    """Reports of two targets x every version (every rule judged, a few failing) and their histories."""
    now = datetime.now(UTC).replace(microsecond=0)
    mask = Masker([TOKEN])
    written = 0
    for target in ("staging", "cloud"):
        for version in known_versions():
            spec = load_spec(api_version=version)
            log, outcomes = RuleLog(), {}
            for number, case in enumerate(rule_cases(spec.rules)):
                failing = target == "staging" and number % 17 == 0
                body = {"token": TOKEN, "loyalty_id": 11, "code": f"ct-{number:05d}", "db_id": 1}
                answer = {"data": None, "error": 0 if not failing else 431, "error_text": "Successful operation"}
                exchange = Exchange(
                    operation=case.rule.operation,
                    url=f"https://staging.example/api/v1.1/promocodes/{case.rule.operation}",
                    method="POST",
                    request_headers={"Content-Type": "application/json"},
                    request_body=json.dumps(body).encode(),
                    status=200,
                    response_headers={"Content-Type": "application/json"},
                    response_body=json.dumps(answer).encode(),
                    envelope=answer,
                )
                log.saw(case.id, case.rule.id, exchange, mask)
                problem = f"[rule {case.rule.id}] expected error 0, got 431" if failing else ""
                outcomes[case.id] = CaseOutcome("failed" if failing else "passed", problem)
            base = ["python", "-m", "pytest", "contract_tests", "--profile", "default", "--hypothesis-seed", "1"]
            rules = rule_verdicts(spec.rules, outcomes, log, [], lambda rule, base=base: reproduce_command(base, rule))
            date = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            run = {"id": f"bench-{target}-{version}", "date": date, "target": target, "api_version": version}
            folder = directory / f"{target}-v{version}"
            folder.mkdir(parents=True)
            report = {"run": run, "rules": rules, "outcome": {"passed": len(outcomes)}, "failures": []}
            (folder / "contract-report.json").write_text(mask(json.dumps(report)), encoding="utf-8")
            streaks = []
            for night in range(runs):
                verdicts = {rule: ("fail" if (night + len(rule)) % 9 == 0 else "pass") for rule in rules}
                day = (now - timedelta(days=runs - night)).strftime("%Y-%m-%dT%H:%M:%SZ")
                streaks += history.run_streaks(verdicts, target=target, api_version=version, date=day, run_id=day)
            history.append(folder / "contract-history.jsonl", streaks)
            written += 1
    return written


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, env=dict(os.environ))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--history-runs", type=int, default=365)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    try:
        reports = work / "reports"
        count = write_reports(reports, args.history_runs)
        promo_docs = [sys.executable, "-m", "docsite", "build", "--out", str(work / "site"), "--reports", str(reports)]
        commands = {
            "baseline: load specs + render generated Markdown": [sys.executable, "-c", BASELINE, str(REPO)],
            "promo-docs build (full site, search index)": promo_docs,
            "promo-docs build --no-search": [*promo_docs, "--no-search"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        timed(promo_docs)  # warm the file cache and the spec-validation cache once
        for _ in range(args.repeat):  # alternating rounds: noise hits each command alike
            for name, command in commands.items():
                wall, used = timed(command)
                times[name].append(wall)
                cpu[name].append(used)
        site = work / "site"
        pages = sum(1 for _ in site.rglob("*.html"))
        rules = len(list((site / "rules").glob("*.html"))) - 1
        print(f"docs site: {count} reports (2 targets x {count // 2} versions), {args.history_runs} nightly runs each")
        print(f"site: {pages} pages, {rules} rule pages, {sum(1 for _ in site.rglob('*'))} files")
        base = statistics.median(times[next(iter(commands))])
        base_cpu = statistics.median(cpu[next(iter(commands))])
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it)")
        for name, values in times.items():
            median, used = statistics.median(values), statistics.median(cpu[name])
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(
                f"  {name:50s} wall {median:5.2f} s ({median / base:3.1f}x)  "
                f"cpu {used:5.2f} s ({used / base_cpu:3.1f}x)  runs: {shown}"
            )
        full = statistics.median(times["promo-docs build (full site, search index)"])
        print(f"goal: full build under 5 s: {'met' if full < 5 else 'NOT met'} ({full:.2f} s)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
