"""``promo-mock``: serve the promo-code API mock on a local port."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mock_server import DEFAULT_TOKEN, TOKEN_ENV
from mock_server.app import create_app
from mock_server.faults import FAULTS, REGISTRY, UnknownFaultError, check_faults
from mock_server.seed import SeedError, load_seed
from mock_server.serve import HEAD_TIMEOUT, ServerError, serve_forever
from promo_spec.versions import known_versions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promo-mock",
        description=f"Serve a stateful mock of the Altcraft promo-code API. Token: ${TOKEN_ENV} or {DEFAULT_TOKEN!r}.",
        epilog="faults: " + "; ".join(f"{name}: {text}" for name, text in FAULTS.items()),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)")
    parser.add_argument("--seed", metavar="FILE", help="seed YAML file (default: the packaged default seed)")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="break one behaviour on purpose (repeatable)"
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="print each fault's name, what it breaks and where it is declared"
    )
    versions = known_versions()
    parser.add_argument(
        "--api-version",
        choices=versions,
        default=versions[-1],
        help=f"the API version to serve (default: the newest, {versions[-1]}); v72 ignores the Authorization header",
    )
    parser.add_argument(
        "--stop-on-stdin-eof",
        action="store_true",
        help="also stop when standard input closes (for a parent process that embeds the mock)",
    )
    parser.add_argument("--verbose", action="store_true", help="log method, path and status of each request")
    parser.add_argument(
        "--head-timeout",
        type=float,
        default=HEAD_TIMEOUT,
        metavar="SECONDS",
        help=f"drop a connection whose request head takes longer, or that idles longer (default {HEAD_TIMEOUT:g})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load the seed and serve until interrupted; non-zero exit on bad input."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        for name, registered in REGISTRY.items():
            version = f"; v{registered.api_version} only" if registered.api_version else ""
            print(f"{name}: {registered.breaks} ({registered.declared_at}{version})")
        return 0
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, not {args.port}")
    if not 0.1 <= args.head_timeout <= 3600:
        parser.error(f"--head-timeout must be between 0.1 and 3600 seconds, not {args.head_timeout}")
    try:
        faults = check_faults(args.fault)
        seed = load_seed(args.seed)
    except (UnknownFaultError, SeedError) as exc:
        print(f"promo-mock: {exc}", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV) or DEFAULT_TOKEN
    try:
        app = create_app(seed, token=token, faults=faults, api_version=args.api_version)
    except UnknownFaultError as exc:
        print(f"promo-mock: {exc}", file=sys.stderr)
        return 2
    source = "default seed" if args.seed is None else args.seed
    extra = f", API v{args.api_version}" + (f", faults: {', '.join(sorted(faults))}" if faults else "")
    try:
        serve_forever(
            app,
            args.host,
            args.port,
            verbose=args.verbose,
            announce=lambda line: print(f"{line} ({source}{extra})", flush=True),
            head_timeout=args.head_timeout,
            stop_on_stdin_eof=args.stop_on_stdin_eof,
        )
    except ServerError as exc:
        print(f"promo-mock: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
