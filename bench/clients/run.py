"""Client benchmarks beside bench/generator's Python call overhead (run with ``make bench-clients``):

(a) the generated TypeScript client's call overhead against a bare ``fetch`` of the same body, JSON and
    XML, against promo-mock (``get``; interleaved batches, medians);
(b) reading an ``export_all`` answer of N codes (default 100,000, a loyalty program of the size the
    project designs for) in JSON and in XML, with both generated clients (medians of a few runs; the
    answers are canned: what the mock writes for such a program, served without the mock's own cost).

Prints medians and ratios. Needs node and the repository's node_modules (``npm ci``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "generated_clients" / "python"))

from altcraft_promo_client import PromoClient  # noqa: E402

from mock_server.serve import start_background  # noqa: E402
from tests.clients.harness import TSC  # noqa: E402
from tests.clients.test_xml_answers import OK, canned, xml  # noqa: E402

TOKEN = "bench-clients-token"


def compile_program(workdir: Path, client: Path) -> Path:
    """bench/clients/clients.ts compiled beside ``client`` (a generated client.ts); the .js to run."""
    (workdir / "node_modules").symlink_to(REPO / "node_modules")
    for source, name in (
        (client, "client.ts"),
        (Path(__file__).with_name("clients.ts"), "bench.ts"),
    ):
        (workdir / name).write_text(source.read_text("utf-8"), "utf-8")
    (workdir / "package.json").write_text('{"type": "module"}\n', "utf-8")
    command = [
        str(TSC), "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
        "--types", "node", "--typeRoots", str(REPO / "node_modules" / "@types"), "--outDir", str(workdir / "out"),
        str(workdir / "client.ts"), str(workdir / "bench.ts"),
    ]  # fmt: skip
    subprocess.run(command, cwd=workdir, check=True)
    (workdir / "out" / "package.json").write_text('{"type": "module"}\n', "utf-8")
    return workdir / "out" / "bench.js"


def python_big_read(base: str, fmt: str, runs: int) -> float:
    times = []
    with PromoClient(base, TOKEN, response_format="xml" if fmt == "xml" else "json") as client:
        for _ in range(runs):
            start = time.perf_counter()
            client.export_all(loyalty_id=11)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=100_000, help="codes in the big export_all answer")
    parser.add_argument("--runs", type=int, default=3, help="reads of the big answer per client and format")
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--client",
        type=Path,
        default=REPO / "generated_clients" / "typescript" / "client.ts",
        help="the client.ts to measure",
    )
    args = parser.parse_args()
    items = [{"code": f"C{n:06d}", "attached": "2024-04-02T10:00:00Z"} for n in range(args.codes)]
    answers: list[tuple[bytes, str | None]] = [
        (json.dumps({"data": items, **OK}).encode(), "application/json"),
        (xml({"data": items, **OK}), "application/xml"),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-clients-") as scratch, canned(answers) as url:
        program = compile_program(Path(scratch), args.client)
        with start_background(port=0, token=TOKEN) as mock:
            bases = {"json": f"{url}/case-0", "xml": f"{url}/case-1"}  # canned(): the N-th answer under /case-N
            done = subprocess.run(
                ["node", str(program), mock.url, TOKEN, bases["json"], bases["xml"],
                 str(args.batches), str(args.calls), str(args.runs)],
                capture_output=True, text=True, check=True, cwd=scratch,
            )  # fmt: skip
        result = json.loads(done.stdout)
        python = {fmt: python_big_read(base, fmt, args.runs) for fmt, base in bases.items()}
    print(f"(a) TypeScript client call overhead against promo-mock (get), {args.batches} batches x {args.calls} calls:")
    for fmt, row in result["overhead"].items():
        ratio = row["client"] / row["bare"]
        print(
            f"    {fmt:4}  client {row['client']:8.1f} us/call   bare fetch {row['bare']:8.1f} us/call"
            f"   ratio {ratio:.3f} ({100 * (ratio - 1):+.1f}%)"
        )
    print(f"(b) reading export_all of {args.codes:,} codes, median of {args.runs} reads (ms):")
    for fmt in ("json", "xml"):
        print(f"    {fmt:4}  TypeScript {result['big'][fmt]['ms']:8.0f}   Python {python[fmt]:8.0f}")
    typescript = result["big"]["xml"]["ms"] / result["big"]["json"]["ms"]
    print(f"    XML/JSON: TypeScript {typescript:.1f}x, Python {python['xml'] / python['json']:.1f}x")

if __name__ == "__main__":
    main()
