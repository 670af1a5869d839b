"""``promo-gen``: generate the clients and docs from the spec, or check the committed ones for drift."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import check
from generator.pipeline import generate_files
from generator.write import replace_output
from promo_spec import SpecError
from promo_spec.diff.cli import (
    add_diff,
    add_gate,
    add_resolve,
    report_spec_error,
    run_diff,
    run_gate,
    run_resolve,
)

DEFAULT_OUT = Path("generated_clients")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promo-gen",
        description="Generate typed clients (Python, TypeScript), Markdown docs and a Postman collection from the spec",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("generate", "render every target and replace the output directory (all or nothing)"),
        ("check", "exit 1 with a unified diff when the output directory differs from a fresh render"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--spec", type=Path, default=None, help="the OpenAPI file (default: the project spec)")
        sub.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: generated_clients/)")
    add_resolve(commands)
    add_diff(commands)
    add_gate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 on success, 1 on a bad spec or drift, 2 on bad arguments."""
    args = _parser().parse_args(argv)
    if args.command == "resolve":
        return run_resolve(args)
    if args.command == "diff":
        return run_diff(args)
    if args.command == "gate":
        return run_gate(args)
    try:
        files = generate_files(args.spec)
    except SpecError as exc:
        return report_spec_error(exc)
    if args.command == "generate":
        try:
            replace_output(files, args.out)
        except OSError as exc:
            print(f"promo-gen: error: cannot write {args.out}: {exc}", file=sys.stderr)
            return 1
        print(f"promo-gen: wrote {len(files)} files to {args.out}")
        return 0
    drift = check.diff(files, args.out)
    if drift:
        sys.stdout.write(drift)
        print(
            f"promo-gen: {args.out} differs from the spec's output; run `promo-gen generate` and commit the result.",
            file=sys.stderr,
        )
        return 1
    print(f"promo-gen: {args.out} is up to date ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
