"""Every runnable block of the generated docs prints what the docs show, each against a fresh mock."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from promo_spec.versions import known_versions
from tools import doc_examples
from tools.doc_examples import Block, DocFormatError, Runner, collect, in_process_mock, normalise

REPO = Path(__file__).resolve().parents[2]
# Every generated docs directory (one per API version once there are several).
DOCS_DIRS = sorted(p for p in (REPO / "generated_clients").glob("**/docs") if p.is_dir())
TOKEN = "doc-example-token"
BLOCKS = [block for docs in DOCS_DIRS for block in collect(docs)]


@pytest.mark.parametrize("docs", DOCS_DIRS, ids=[str(d.relative_to(REPO)) for d in DOCS_DIRS])
def test_every_operation_page_has_curl_python_and_typescript(docs: Path) -> None:
    by_page: dict[str, set[str]] = {}
    for block in collect(docs):
        by_page.setdefault(block.file.name, set()).add(block.lang)
    pages = sorted(p.name for p in docs.glob("*.md") if p.name not in {"index.md", "changelog.md"})
    assert pages
    for page in pages:
        assert by_page.get(page) == {"sh", "python", "ts"}, page
    assert "python" in by_page["index.md"]


def _docs_of(block: Block) -> Path:
    return next(d for d in DOCS_DIRS if block.file.is_relative_to(d))


@pytest.fixture(scope="module")
def compiled_ts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    doc_examples.require_typescript()  # installs tsc if missing, whichever test asks first; fails, never skips
    compiled: dict[str, Path] = {}
    for docs in DOCS_DIRS:  # each version's blocks against that version's client
        blocks = [b for b in BLOCKS if _docs_of(b) == docs]
        client = docs.parent / "typescript" / "client.ts"
        compiled |= doc_examples.compile_ts(blocks, tmp_path_factory.mktemp("ts"), client)
    yield compiled


def test_each_versions_docs_run_against_that_version() -> None:
    versions = {str(d.relative_to(REPO)): doc_examples.version_of(d) for d in DOCS_DIRS}
    assert versions["generated_clients/docs"] is None
    assert versions.get("generated_clients/v74/docs") == "74"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_block_prints_what_the_docs_show(block: Block, request: pytest.FixtureRequest) -> None:
    assert block.lang != "sh" or shutil.which("curl") is not None, "sh blocks need curl on PATH"
    compiled = request.getfixturevalue("compiled_ts") if block.lang == "ts" else None
    docs = _docs_of(block)
    # A version's blocks run against a mock of that version, with that version's client.
    mock = functools.partial(in_process_mock, api_version=doc_examples.version_of(docs))
    runner = Runner(TOKEN, mock, python_path=str(docs.parent / "python"), compiled_ts=compiled)
    outcome = runner.run(block)
    assert outcome.ok, f"{block.name}: {outcome.detail}"


def _write(tmp_path: Path, text: str) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_text(text, encoding="utf-8")
    return docs


def test_a_block_printing_something_else_fails(tmp_path: Path) -> None:
    docs = _write(tmp_path, '```python\nprint("two")\n```\n\nprints:\n\n```text\none\n```\n')
    (block,) = collect(docs)
    outcome = Runner(TOKEN, in_process_mock).run(block)
    assert not outcome.ok
    assert "two" in outcome.detail and "one" in outcome.detail


def test_a_block_that_fails_against_the_mock_fails(tmp_path: Path) -> None:
    # A wrong token: the mock answers 403 in the envelope, so curl prints it and the output differs.
    body = '{"token": "x", "code": "a", "loyalty_id": 1}'
    code = f"curl -s http://127.0.0.1:8080/api/v1.1/promocodes/get -d '{body}'"
    docs = _write(tmp_path, f"```sh\n{code}\n```\n\n```text\nok\n```\n")
    (block,) = collect(docs)
    assert not Runner(TOKEN, in_process_mock).run(block).ok


def test_the_token_and_url_reach_the_block(tmp_path: Path) -> None:
    code = 'import os\nprint(os.environ["ALTCRAFT_TOKEN"], "http://127.0.0.1:8080")'
    docs = _write(tmp_path, f"```python\n{code}\n```\n\n```text\n{TOKEN} http://127.0.0.1:8080\n```\n")
    (block,) = collect(docs)
    assert Runner(TOKEN, in_process_mock).run(block).ok


def test_a_runnable_block_without_its_output_is_refused(tmp_path: Path) -> None:
    docs = _write(tmp_path, "```python\nprint(1)\n```\n\n```json\n{}\n```\n")
    with pytest.raises(DocFormatError, match=r"page.md:1: a ```python block must be followed by a ```text block"):
        collect(docs)


def test_normalise_maps_the_mock_url_back_and_ignores_trailing_blanks() -> None:
    assert normalise("at http://127.0.0.1:41234/x  \n\n", "http://127.0.0.1:41234") == "at http://127.0.0.1:8080/x"


@pytest.mark.parametrize("docs", DOCS_DIRS, ids=[str(d.relative_to(REPO)) for d in DOCS_DIRS])
@pytest.mark.slow
def test_a_fresh_venv_with_only_the_client_runs_every_python_block(tmp_path: Path, docs: Path) -> None:
    """Done-when of issue 13, per API version: that version's client alone, mocks as `promo-mock --port 0`."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    source = tmp_path / "python"  # a copy: pip writes build/ and *.egg-info/ beside the sources it installs
    client = docs.parent / "python"
    shutil.copytree(client, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(source)], capture_output=True, text=True, timeout=300
    )
    assert install.returncode == 0, install.stderr
    assert not (env_dir / "bin" / "promo-mock").exists()
    promo_mock = Path(sys.executable).with_name("promo-mock")
    version = doc_examples.version_of(docs) or known_versions()[0]
    mock = doc_examples.promo_mock_command([str(promo_mock), "--api-version", version])
    spoken = subprocess.run(
        [str(python), "-c", "import altcraft_promo_client as c; print(c.API_VERSION)"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert spoken.stdout.strip() == version, spoken.stderr
    runner = Runner(TOKEN, mock, python=str(python))
    python_blocks = [b for b in BLOCKS if b.lang == "python" and _docs_of(b) == docs]
    assert python_blocks
    failures = [f"{o.block.name}: {o.detail}" for o in map(runner.run, python_blocks) if not o.ok]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.name)
def test_python_blocks_are_clean_code(block: Block) -> None:
    """What users copy passes ruff (pyflakes, pycodestyle, isort order, pyupgrade) at 100 columns."""
    ruff = Path(sys.executable).with_name("ruff")
    rules = ["--isolated", "--select", "E,F,I,UP", "--line-length", "100", "--stdin-filename", "example.py", "-"]
    done = subprocess.run([str(ruff), "check", *rules], input=block.code + "\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
