"""``promo-gen resolve``: print one API version as a complete, validated OpenAPI document."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from promo_spec import SpecError
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
