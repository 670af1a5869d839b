"""Run the runnable examples of a docs directory against fresh mocks and compare what they print.

Every ```python, ```sh and ```ts block of the Markdown files is a complete program followed by
a ```text block with the output it prints. Each program runs against its own fresh mock (an
example may change state: attach draws codes); the docs show ``http://127.0.0.1:8080``, which is
replaced consistently by the fresh mock's URL, and back in what the program printed.

    python -m tools.doc_examples [--docs DIR] [--python EXE] [--mock in-process|promo-mock]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from generator.example_programs import BASE_URL, TOKEN_ENV
from promo_spec.locate import REPO_ROOT

RUNNABLE = ("python", "sh", "ts")
DEFAULT_DOCS = REPO_ROOT / "generated_clients" / "docs"
TS_CLIENT = REPO_ROOT / "generated_clients" / "typescript" / "client.ts"
TSC = REPO_ROOT / "node_modules" / ".bin" / "tsc"
RUN_TIMEOUT = 60.0
_FENCE = re.compile(r"^```(\w*)\s*$")

MockStarter = Callable[[str], AbstractContextManager[str]]


@dataclass(frozen=True)
class Block:
    """One runnable program of the docs and the output shown after it."""

    file: Path
    line: int
    lang: str
    code: str
    expected: str

    @property
    def name(self) -> str:
        """``dir/file.md:line:lang``, the block's id in reports and test names."""
        version = version_of(self.file.parent)
        tree = f"v{version}/" if version else ""
        return f"{tree}{self.file.parent.name}/{self.file.name}:{self.line}:{self.lang}"


@dataclass(frozen=True)
class Outcome:
    """What one block printed, and whether it matched."""

    block: Block
    printed: str
    ok: bool
    detail: str


class DocFormatError(ValueError):
    """A runnable block without its output block, or an unclosed fence."""


def parse(path: Path) -> list[Block]:
    """The runnable blocks of one Markdown file; each must be followed by a ```text block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fences: list[tuple[int, str, str]] = []  # (line number, language, text)
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        start = index
        index += 1
        while index < len(lines) and lines[index] != "```":
            index += 1
        if index >= len(lines):
            raise DocFormatError(f"{path}:{start + 1}: the fence opened here is never closed")
        fences.append((start + 1, match.group(1), "\n".join(lines[start + 1 : index])))
        index += 1
    found: list[Block] = []
    for position, (line, lang, text) in enumerate(fences):
        if lang not in RUNNABLE:
            continue
        following = fences[position + 1] if position + 1 < len(fences) else None
        if following is None or following[1] != "text":
            raise DocFormatError(f"{path}:{line}: a ```{lang} block must be followed by a ```text block of its output")
        found.append(Block(path, line, lang, text, following[2]))
    return found


def collect(docs: Path) -> list[Block]:
    """Every runnable block of every Markdown file under ``docs``, in file and line order."""
    return [block for path in sorted(docs.rglob("*.md")) for block in parse(path)]


def normalise(text: str, url: str) -> str:
    """Output as compared: the mock's URL written as in the docs, trailing blanks and blank lines dropped."""
    text = text.replace(url, BASE_URL)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@contextlib.contextmanager
def in_process_mock(token: str, api_version: str | None = None) -> Iterator[str]:
    """A fresh mock of ``api_version`` (default: the oldest) with the default seed, on a port the OS picks."""
    from mock_server.serve import start_background

    with start_background(port=0, token=token, api_version=api_version) as server:
        yield server.url


def version_of(docs: Path) -> str | None:
    """The API version of a generated docs directory: N for ``.../vN/docs``, None (the oldest) otherwise."""
    match = re.fullmatch(r"v(\d+)", docs.absolute().parent.name)
    return match.group(1) if match else None


def promo_mock_command(command: Sequence[str]) -> MockStarter:
    """Fresh mocks started as ``promo-mock --port 0`` (with ``$ALTCRAFT_TOKEN``), as a user starts one."""

    @contextlib.contextmanager
    def start(token: str) -> Iterator[str]:
        env = {**os.environ, TOKEN_ENV: token}
        process = subprocess.Popen(
            [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found is None:
                _, err = process.communicate(timeout=10)
                raise RuntimeError(f"promo-mock did not start: {line.strip()} {err.strip()}")
            yield found.group(0)
        finally:
            process.terminate()
            process.wait(timeout=10)

    return start


def ts_unavailable() -> str:
    """Why TypeScript blocks cannot run here ("" when they can)."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not TSC.exists():
        return f"{TSC.relative_to(REPO_ROOT)} is missing (run `make node_modules/.package-lock.json`)"
    return ""


class TypeScriptUnavailable(RuntimeError):
    """Node.js or the project's tsc cannot be had: TypeScript blocks cannot run (an error, never a skip)."""


def _node_modules_stale() -> bool:
    """Whether node_modules/ is missing or older than package-lock.json (the Makefile's own test)."""
    installed = REPO_ROOT / "node_modules" / ".package-lock.json"
    locked = REPO_ROOT / "package-lock.json"
    return not installed.exists() or (locked.exists() and locked.stat().st_mtime > installed.stat().st_mtime)


def require_typescript() -> None:
    """Make the project's tsc and packages available: ``npm ci`` (once, under a lock) when node_modules lacks
    them or is older than package-lock.json.

    The same answer whichever test asks first, so TypeScript checks never run or skip by test order;
    TypeScriptUnavailable says what is missing when Node.js or npm cannot provide it.
    """
    if not ts_unavailable() and not _node_modules_stale():
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise TypeScriptUnavailable(f"{tool} is not on PATH: TypeScript blocks need Node.js 20+ (README: set-up)")
    lock = Path(tempfile.gettempdir()) / f"promo-npm-ci-{abs(hash(str(REPO_ROOT)))}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # pytest-xdist workers: one npm ci, the others wait for it
        if ts_unavailable() or _node_modules_stale():
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise TypeScriptUnavailable(f"npm ci failed: {done.stderr.strip()[-500:]}")
    reason = ts_unavailable()
    if reason:
        raise TypeScriptUnavailable(reason)


def compile_ts(blocks: Sequence[Block], workdir: Path, client: Path = TS_CLIENT) -> dict[str, Path]:
    """Compile every TypeScript block (against the client ``client``) with the project's tsc; block name → .js."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(client, workdir / "client.ts")
    (workdir / "node_modules").symlink_to(REPO_ROOT / "node_modules")  # the client's XML parser, for tsc and node
    (workdir / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    sources: dict[str, Path] = {}
    for number, block in enumerate(b for b in blocks if b.lang == "ts"):
        source = workdir / f"example_{number}.ts"
        source.write_text(block.code + "\n", encoding="utf-8")
        sources[block.name] = source
    if not sources:
        return {}
    types = REPO_ROOT / "node_modules" / "@types"
    command = [
        str(TSC), "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
        "--types", "node", "--typeRoots", str(types), "--outDir", str(workdir / "out"),
        str(workdir / "client.ts"), *map(str, sources.values()),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tsc failed on the docs' TypeScript blocks:\n{done.stdout}{done.stderr}")
    (workdir / "out" / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    return {name: workdir / "out" / (path.stem + ".js") for name, path in sources.items()}


@dataclass
class Runner:
    """Runs blocks: each against a fresh mock from ``start_mock``, the token in ``$ALTCRAFT_TOKEN``."""

    token: str
    start_mock: MockStarter
    python: str = sys.executable
    python_path: str = ""  # PYTHONPATH for the Python blocks ("" when the client is installed)
    compiled_ts: dict[str, Path] | None = None

    def _env(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), TOKEN_ENV: self.token}
        if self.python_path:
            env["PYTHONPATH"] = os.path.abspath(self.python_path)
        return env

    def _command(self, block: Block, url: str, scratch: Path) -> list[str]:
        code = block.code.replace(BASE_URL, url)
        if block.lang == "python":
            path = scratch / "example.py"
            path.write_text(code + "\n", encoding="utf-8")
            return [self.python, str(path)]
        if block.lang == "sh":
            path = scratch / "example.sh"
            path.write_text(code + "\n", encoding="utf-8")
            return ["bash", "-e", str(path)]
        if self.compiled_ts is None or block.name not in self.compiled_ts:
            raise RuntimeError(f"{block.name}: the TypeScript block was not compiled")
        compiled = self.compiled_ts[block.name]
        runnable = compiled.with_name(compiled.stem + "_run.js")
        runnable.write_text(compiled.read_text(encoding="utf-8").replace(BASE_URL, url), encoding="utf-8")
        return ["node", str(runnable)]

    def run(self, block: Block) -> Outcome:
        """Run ``block`` against a fresh mock and compare its normalised output with the one shown."""
        with tempfile.TemporaryDirectory(prefix="doc-example-") as scratch, self.start_mock(self.token) as url:
            command = self._command(block, url, Path(scratch))
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    env=self._env(),
                    cwd=scratch,
                    timeout=RUN_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return Outcome(block, "", False, f"no exit within {RUN_TIMEOUT} s")
            printed = normalise(done.stdout, url)
        expected = normalise(block.expected, BASE_URL)
        if done.returncode != 0:
            return Outcome(block, printed, False, f"exit status {done.returncode}; stderr:\n{done.stderr.strip()}")
        if printed != expected:
            return Outcome(block, printed, False, f"printed:\n{printed}\n--- but the docs show:\n{expected}")
        return Outcome(block, printed, True, "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every block of a docs directory; 0 when all print what the docs show."""
    parser = argparse.ArgumentParser(prog="python -m tools.doc_examples", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="a directory of generated docs")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the Python blocks")
    parser.add_argument(
        "--client-path", default="", help="PYTHONPATH for the Python blocks (empty when the client is installed)"
    )
    parser.add_argument("--mock", default="in-process", help="'in-process', or a promo-mock command to start per block")
    parser.add_argument("--lang", action="append", choices=RUNNABLE, help="only these languages (repeatable)")
    args = parser.parse_args(argv)
    try:
        blocks = [b for b in collect(args.docs) if not args.lang or b.lang in args.lang]
    except DocFormatError as exc:
        print(f"doc-examples: {exc}", file=sys.stderr)
        return 2
    # A docs directory of version N (generated_clients/vN/docs) runs against a mock of version N.
    version = version_of(args.docs)
    starter = (
        functools.partial(in_process_mock, api_version=version)
        if args.mock == "in-process"
        else promo_mock_command(args.mock.split())
    )
    ts_client = args.docs.parent / "typescript" / "client.ts"
    runner = Runner("doc-example-token", starter, python=args.python, python_path=args.client_path)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="doc-examples-ts-") as workdir:
        if any(b.lang == "ts" for b in blocks):
            try:
                require_typescript()
            except TypeScriptUnavailable as exc:
                print(f"doc-examples: TypeScript blocks cannot run: {exc}", file=sys.stderr)
                return 1
            runner.compiled_ts = compile_ts(blocks, Path(workdir), ts_client if ts_client.is_file() else TS_CLIENT)
        for block in blocks:
            outcome = runner.run(block)
            failed += not outcome.ok
            print(f"{'ok  ' if outcome.ok else 'FAIL'} {block.name}" + ("" if outcome.ok else f"\n{outcome.detail}"))
    print(f"doc-examples: {len(blocks) - failed} of {len(blocks)} blocks print what the docs show")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
