"""The mock commands of README.md and mock_server/README.md work as written after the README's own set-up.

Servers are started as written except that ``--port 8080``/``9000`` become ``--port 0`` (the OS picks a
free port; others use this machine too) and the curl that follows is pointed at the port printed.
``make setup`` is the set-up these tests run in, so it is not run again here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mock_server.serve import launch

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def blocks(readme: Path, heading: str, lang: str) -> list[str]:
    """The ```lang blocks of the section under ``heading`` (up to the next ``##``-or-deeper heading)."""
    text = readme.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#{2,6} ", section, maxsplit=1)[0]
    return re.findall(rf"```{lang}\n(.*?)\n```", section, flags=re.S)


def commands(block: str) -> list[str]:
    """Shell lines of a block: continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", "", block)
    return [line.split("  #", 1)[0].strip() for line in joined.splitlines() if line.strip()]


def _argv(command: str) -> tuple[dict[str, str], list[str]]:
    """``VAR=value prog args`` → (environment additions, argv); ``.venv/bin/`` resolved to this venv."""
    words = shlex.split(command)
    env: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if words and words[0].startswith(".venv/bin/"):
        words[0] = str(VENV_BIN / words[0].removeprefix(".venv/bin/"))
    return env, words


@contextmanager
def started(command: str, env: dict[str, str]) -> Iterator[int]:
    """Start a ``promo-mock`` command as written, on a port the OS picks; yield the port once it listens."""
    chosen = re.sub(r"--port \d+", "--port 0", command)
    if "--port" not in chosen:  # the default port (8080) may be taken by another run on this machine
        chosen += " --port 0"
    extra, argv = _argv(chosen)
    with launch(argv, env={**env, **extra}, cwd=REPO) as server:  # the one function that reads promo-mock's banner
        assert server.host == "127.0.0.1", server.url
        yield server.port


def _curl(command: str, port: int, written_port: int, env: dict[str, str]) -> dict[str, object]:
    line = command.replace(f":{written_port}/", f":{port}/")
    done = subprocess.run(
        ["bash", "-c", line],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert isinstance(answer, dict)
    return answer


def test_main_readme_mock_block() -> None:
    (block,) = blocks(REPO / "README.md", "## The mock server", "sh")
    lines = [c for c in commands(block) if c != "make setup"]
    server, curl = lines
    assert "promo-mock --port 8080" in server and curl.startswith("curl ")
    with started(server, {}) as port:
        answer = _curl(curl, port, 8080, {})
    assert answer["error"] == 0, answer


def test_mock_readme_run_block_every_line() -> None:
    run, curl_block = blocks(REPO / "mock_server" / "README.md", "## Run it", "sh")
    lines = commands(run)
    assert lines[0].startswith("export ")
    name, value = shlex.split(lines[0].removeprefix("export "))[0].split("=", 1)
    exported = {name: value}
    for command in lines[1:]:
        if "--list-faults" in command:
            _, argv = _argv(command)
            listed = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=30, check=True)
            assert "restricted-reattach:" in listed.stdout
            continue
        with started(command, exported) as port:
            assert port > 0
    (curl,) = commands(curl_block)
    with started(lines[1], exported) as port:  # "the mock on port 8080 started as above"
        answer = _curl(curl, port, 8080, exported)
    assert answer["error"] == 0, answer


def test_mock_readme_embed_block() -> None:
    (code,) = blocks(REPO / "mock_server" / "README.md", "## Embed it", "python")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"http://127\.0\.0\.1:(\d+) \1\n", done.stdout), done.stdout


@pytest.mark.parametrize("readme", ["README.md", "mock_server/README.md", "contract_tests/README.md"])
def test_no_readme_sends_the_default_token_to_a_mock_started_with_another(readme: str) -> None:
    text = (REPO / readme).read_text(encoding="utf-8")
    if "ALTCRAFT_TOKEN=my-token" in text:
        assert '"token": "mock-token"' not in text
