"""Run ``promo-gen diff`` and Optic's CLI on the diff corpus; print which pairs each flags as breaking (Markdown).

Optic is not a project dependency: point ``--optic`` (or ``$OPTIC``) at its binary. To install it in
a scratch directory (its nested ajv copies need one version, hence the override):

    mkdir /tmp/optic && cd /tmp/optic && echo '{"overrides": {"ajv": "8.20.0"}}' > package.json
    npm install --no-audit --no-fund @useoptic/optic@1.0.9
    python bench/diff/compare_tools.py --optic /tmp/optic/node_modules/.bin/optic
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.diff_corpus.corpus import cases, run
from tests.diff_corpus.corpus import main as corpus_main

_CHECK = re.compile(r"x \[([^\]]+)\]")


def _optic(binary: str, pair: Path) -> tuple[bool, list[str]]:
    env = {**os.environ, "OPTIC_TELEMETRY_LEVEL": "off", "NO_COLOR": "1", "CI": "true"}
    done = subprocess.run([binary, "diff", "old.yaml", "new.yaml", "--check"], cwd=pair, capture_output=True,
                          text=True, timeout=300, env=env, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"optic failed on {pair.name} (exit {done.returncode}): {done.stderr.strip()[-400:]}")
    return done.returncode == 1, sorted(set(_CHECK.findall(done.stdout)))


def table(binary: str) -> str:
    """The comparison as a Markdown table plus a summary line."""
    rows = ["| pair | known change | promo-gen diff | Optic 1.0.9 (`diff --check`) |", "| --- | --- | --- | --- |"]
    ours_flags = optic_flags = optic_only = rules_missed = 0
    with tempfile.TemporaryDirectory(prefix="diff-corpus-") as scratch:
        corpus_main(["materialize", scratch])
        for case in cases():
            result = run(case)
            ours = sorted({c.label for c in result.changes})
            breaking = bool(result.breaking)
            flagged, checks = _optic(binary, Path(scratch) / case.name)
            ours_flags += breaking
            optic_flags += flagged
            optic_only += flagged and not breaking
            rules_missed += bool(result.rule_changes) and not flagged
            optic_text = ("**breaking**: " + "; ".join(checks)) if flagged else "not breaking"
            rows.append(f"| {case.name} | {case.description} | {', '.join(ours) or 'no change'} | {optic_text} |")
    total = len(cases())
    rows.append("")
    rows.append(
        f"{total} pairs: promo-gen diff flags {ours_flags} as breaking, Optic {optic_flags}; "
        f"pairs Optic flags that promo-gen does not: {optic_only}; rule changes Optic does not flag: {rules_missed}."
    )
    return "\n".join(rows) + "\n"


def main() -> int:
    """Print the table; exit 1 when Optic flags a pair that promo-gen does not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optic", default=os.environ.get("OPTIC"), help="path of Optic's `optic` binary")
    args = parser.parse_args()
    if not args.optic:
        print("compare_tools: give --optic PATH (or $OPTIC); see the module docstring to install it", file=sys.stderr)
        return 2
    text = table(args.optic)
    sys.stdout.write(text)
    return 1 if "pairs Optic flags that promo-gen does not: 0;" not in text else 0


if __name__ == "__main__":
    sys.exit(main())
