"""The spec-version commands of ``promo-gen``: ``resolve``, ``diff`` and ``gate``.

``resolve`` prints one API version as a document, ``diff`` compares two, ``gate`` is the CI check of
unacknowledged breaking changes.

They read the spec only (``promo_spec``); ``generator.cli`` mounts them beside ``generate`` and ``check``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from promo_spec import SpecError
from promo_spec.diff import RENDERERS, DiffResult, diff_specs, load_side
from promo_spec.diff.gate import GATE_FAIL_ON, gate
from promo_spec.diff.gate import report as gate_report
from promo_spec.diff.model import CALLERS, FAIL_ON, SERVERS, tripping
from promo_spec.loader import spec_of_document
from promo_spec.versions import known_versions, resolve


class _Dumper(yaml.SafeDumper):
    """YAML writer that keeps multi-line strings readable (literal blocks)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def add_resolve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``resolve`` and its options."""
    text = "print the complete, validated OpenAPI document of one API version (the base with its overlays applied)"
    sub = commands.add_parser("resolve", help=text, description=text)
    sub.add_argument("--api-version", default=None, help="the API version (default: the newest described)")
    sub.add_argument("--format", choices=("yaml", "json"), default="yaml", help="output format (default: yaml)")
    sub.add_argument("--out", type=Path, default=None, help="write to this file instead of standard output")


def run_resolve(args: argparse.Namespace) -> int:
    """Resolve, validate and print; 1 with a located message when a spec file is bad."""
    try:
        known = known_versions()
        version = args.api_version or known[-1]
        if version not in known:
            print(f"promo-gen: error: unknown API version {version!r}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        resolved = resolve(version)
        spec_of_document(resolved.document, Path(resolved.declared_in))
    except SpecError as exc:
        return report_spec_error(exc)
    if args.format == "json":
        text = json.dumps(resolved.document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.dump(resolved.document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"promo-gen: error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"promo-gen: wrote API version {version} to {args.out}", file=sys.stderr)
    return 0


def report_spec_error(exc: SpecError) -> int:
    """Print a SpecError with its file and JSON pointer, and say what to do; return 1."""
    where = exc.pointer or "/"
    print(f"promo-gen: error: {exc.path}#{where}: {exc.message}", file=sys.stderr)
    print("promo-gen: nothing was written; fix the file at that JSON pointer and run again.", file=sys.stderr)
    return 1


def add_diff(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``diff`` and its options."""
    text = (
        "list every change between two descriptions, classified breaking for callers / breaking for servers / "
        "compatible, with the rule changes"
    )
    sub = commands.add_parser("diff", help=text, description=text + ". OLD and NEW are each an API version (72), "
                              "a file (spec.yaml), or either at a git revision (74@main, spec/openapi.yaml@HEAD~1).")
    sub.add_argument("old", metavar="OLD")
    sub.add_argument("new", metavar="NEW")
    sub.add_argument("--format", choices=tuple(RENDERERS), default="text", help="output format (default: text)")
    sub.add_argument("--fail-on", choices=FAIL_ON, default=None,
                     help="exit 1 when a change breaks callers or servers (breaking) / breaks callers (code written "
                     "against the old client) / breaks servers (a server built to the old description) / when a rule "
                     "changed / on any change")


def failing(result: DiffResult, fail_on: str | None) -> bool:
    """Whether ``result`` trips ``--fail-on`` (never without one)."""
    return fail_on is not None and bool(tripping(result, fail_on))


def run_diff(args: argparse.Namespace) -> int:
    """Print the diff; 1 when ``--fail-on`` trips or a side cannot be loaded."""
    try:
        old, new = load_side(args.old), load_side(args.new)
    except SpecError as exc:
        print(f"promo-gen: error: {exc.path}#{exc.pointer or '/'}: {exc.message}", file=sys.stderr)
        return 1
    result = diff_specs(old, new, old_label=args.old, new_label=args.new)
    sys.stdout.write(RENDERERS[args.format](result))
    if failing(result, args.fail_on):
        if args.fail_on in (CALLERS, SERVERS):
            print(f"promo-gen: --fail-on {args.fail_on}: {len(tripping(result, args.fail_on))} breaking for "
                  f"{args.fail_on}, {len(result.breaking)} breaking, {len(result.changes)} in all", file=sys.stderr)
        else:
            print(f"promo-gen: --fail-on {args.fail_on}: {len(result.breaking)} breaking, "
                  f"{len(result.rule_changes)} rule changes, {len(result.changes)} in all", file=sys.stderr)
        return 1
    return 0


def add_gate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``gate``."""
    text = (
        "CI: fail when spec/ differs from a base revision by a breaking change that the change file does not "
        "acknowledge (info.x-acknowledged-breaking)"
    )
    sub = commands.add_parser("gate", help=text, description=text)
    sub.add_argument("--base", required=True, help="the git revision to compare with (e.g. origin/main)")
    sub.add_argument("--fail-on", choices=GATE_FAIL_ON, default="breaking",
                     help="which unacknowledged changes block: breaking for callers or servers (default), "
                     "breaking for callers only, breaking for servers only")


def run_gate(args: argparse.Namespace) -> int:
    """Print what was compared and what blocks; 1 when blocked or a spec cannot be read."""
    try:
        result = gate(args.base, fail_on=args.fail_on)
    except SpecError as exc:
        return report_spec_error(exc)
    sys.stdout.write(gate_report(result))
    return 0 if result.passed else 1
