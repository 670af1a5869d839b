"""``promo-docs``: build the documentation site, serve it, merge contract histories."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from contract_tests import history
from docsite.errors import DocsiteError
from promo_spec.locate import REPO_ROOT


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 2 with a message on bad input (nothing half-written)."""
    parser = argparse.ArgumentParser(prog="promo-docs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the static site (default into site/)")
    build.add_argument("--out", type=Path, default=REPO_ROOT / "site", help="output directory (default: site/)")
    build.add_argument(
        "--reports",
        nargs="+",
        type=Path,
        default=[],
        metavar="DIR",
        help="more directories holding contract-report.json / contract-history.jsonl (searched recursively; "
        "reports/ is always read)",
    )
    build.add_argument("--no-search", action="store_true", help="skip the search index (pagefind)")
    serve = commands.add_parser("serve", help="serve the built site on localhost")
    serve.add_argument("--dir", type=Path, default=REPO_ROOT / "site", help="the built site (default: site/)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    merge = commands.add_parser("merge-history", help="merge contract-history.jsonl files into one")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="IN")
    merge.add_argument("-o", "--output", required=True, type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "serve":
            return _serve(args)
        return history.main(["merge", *map(str, args.inputs), "-o", str(args.output)])
    except DocsiteError as exc:
        print(f"promo-docs: {exc}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace) -> int:
    from docsite.build import build

    started = time.perf_counter()
    built = build(REPO_ROOT, args.out, [REPO_ROOT / "reports", *args.reports], search=not args.no_search)
    for warning in built.warnings:
        print(f"promo-docs: note: {warning}", file=sys.stderr)
    print(f"{built.out}: {len(built.pages)} pages in {time.perf_counter() - started:.2f} s")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from docsite.serve import make_server

    if not (args.dir / "index.html").is_file():
        raise DocsiteError(f"{args.dir}/index.html is missing: build the site first (make docs)")
    server = make_server(args.dir, args.host, args.port)
    print(f"serving {args.dir} on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
