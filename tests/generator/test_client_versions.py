"""The generated output per API version: v74 clients put the token in the header by default (never in both
places) against a v74 mock, the Postman collections, package metadata, "since" marks and the changelog."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import per_version
from generator.pipeline import generate_files
from mock_server import serve
from promo_spec.versions import known_versions
from tests.generator.conftest import GENERATED, run_gen
from tools import doc_examples

TOKEN = "versioned-client-token"
V74 = GENERATED / "v74"

# Calls ``get`` with every token placement through a session that records what goes on the wire.
PY_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import requests
    from altcraft_promo_client import API_VERSION, ApiError, PromoClient

    url, token, placement = sys.argv[1], sys.argv[2], sys.argv[3]
    sent = []

    class Recording(requests.Session):
        def post(self, url, **kwargs):
            sent.append({"headers": dict(kwargs["headers"]), "body": json.loads(kwargs["data"])})
            return super().post(url, **kwargs)

    options = {} if placement == "default" else {"token_in": placement}
    with PromoClient(url, token, session=Recording(), **options) as client:
        try:
            client.get(code="NO-SUCH-CODE-XYZ", loyalty_id=1)
            error = 0
        except ApiError as exc:
            error = exc.error
    print(json.dumps({"api_version": API_VERSION, "sent": sent, "error": error}))
    """
)


@pytest.fixture(scope="module")
def v74_mock() -> Iterator[Any]:
    with serve.start_background(port=0, token=TOKEN, api_version="74") as running:
        yield running


def _run_python(tree: Path, url: str, token: str, placement: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree / "python")}
    done = subprocess.run(
        [sys.executable, "-c", PY_PROGRAM, url, token, placement],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_v74_python_client_sends_the_token_in_the_header_by_default_and_never_in_the_body(v74_mock: Any) -> None:
    result = _run_python(V74, v74_mock.url, TOKEN, "default")
    assert result["api_version"] == "74"
    (sent,) = result["sent"]
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert "token" not in sent["body"]
    # Authenticated: the mock answers about the unknown program exactly as for a body token.
    assert result["error"] == _run_python(V74, v74_mock.url, TOKEN, "body")["error"] != 0


def test_v74_python_client_with_token_in_body_sends_no_header(v74_mock: Any) -> None:
    result = _run_python(V74, v74_mock.url, TOKEN, "body")
    (sent,) = result["sent"]
    assert "Authorization" not in sent["headers"]
    assert sent["body"]["token"] == TOKEN


def test_v74_header_token_is_really_what_authenticates(v74_mock: Any) -> None:
    wrong = _run_python(V74, v74_mock.url, "a-wrong-token", "default")
    right = _run_python(V74, v74_mock.url, TOKEN, "default")
    assert wrong["error"] != 0 and wrong["error"] != right["error"]


def test_v74_python_client_refuses_an_unknown_placement_and_keeps_the_token_out_of_repr() -> None:
    program = (
        "from altcraft_promo_client import PromoClient\n"
        "client = PromoClient('http://127.0.0.1:9', 'secret-token-1234')\n"
        "print(repr(client))\n"
        "try:\n    PromoClient('http://127.0.0.1:9', 'secret-token-1234', token_in='both')\n"
        "except ValueError as exc:\n    print('refused:', exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(V74 / "python")}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "token_in='header'" in done.stdout and "refused: token_in must be" in done.stdout
    assert "secret-token-1234" not in done.stdout


def test_v72_python_client_sends_only_the_body_token() -> None:
    with serve.start_background(port=0, token=TOKEN, api_version="72") as running:
        result = _run_python(GENERATED, running.url, TOKEN, "default")
    assert result["api_version"] == "72"
    (sent,) = result["sent"]
    assert "Authorization" not in sent["headers"] and sent["body"]["token"] == TOKEN


TS_PROGRAM = textwrap.dedent(
    """
    import { API_VERSION, PromoClient } from "./client.js";
    const sent: { headers: unknown; body: unknown }[] = [];
    const recording: typeof fetch = async (input, init) => {
      sent.push({ headers: init?.headers, body: JSON.parse(String(init?.body)) });
      return fetch(input, init);
    };
    const placement = process.argv[4];
    const client = new PromoClient({
      baseUrl: process.argv[2], token: process.argv[3], fetch: recording,
      ...(placement === "default" ? {} : { tokenIn: placement as "header" | "body" }),
    });
    let error = 0;
    try {
      await client.get({ code: "NO-SUCH-CODE-XYZ", loyalty_id: 1 });
    } catch (err) {
      error = (err as { error?: number }).error ?? -1;
    }
    console.log(JSON.stringify({ api_version: API_VERSION, sent, error }));
    """
)


@pytest.fixture(scope="module")
def ts_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc_examples.require_typescript()
    workdir = tmp_path_factory.mktemp("ts74")
    shutil.copy(V74 / "typescript" / "client.ts", workdir / "client.ts")
    (workdir / "node_modules").symlink_to(doc_examples.REPO_ROOT / "node_modules")  # the client's XML parser
    (workdir / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    (workdir / "program.ts").write_text(TS_PROGRAM, encoding="utf-8")
    command = [
        str(doc_examples.TSC), "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
        "--target", "es2022", "--types", "node", "--typeRoots", str(doc_examples.REPO_ROOT / "node_modules" / "@types"),
        "--outDir", str(workdir / "out"), str(workdir / "client.ts"), str(workdir / "program.ts"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (workdir / "out" / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    return workdir / "out" / "program.js"


@pytest.mark.parametrize("placement", ["default", "body"])
def test_v74_typescript_client_sends_the_token_in_exactly_one_place(
    ts_program: Path, v74_mock: Any, placement: str
) -> None:
    done = subprocess.run(
        ["node", str(ts_program), v74_mock.url, TOKEN, placement],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["api_version"] == "74"
    (sent,) = result["sent"]
    in_header = sent["headers"].get("Authorization") == f"Bearer {TOKEN}"
    in_body = sent["body"].get("token") == TOKEN
    assert (in_header, in_body) == ((True, False) if placement == "default" else (False, True))
    python = _run_python(V74, v74_mock.url, TOKEN, "body")
    assert result["error"] == python["error"] != 0  # authenticated: the same answer as the body token gets


def test_v74_typescript_client_refuses_an_unknown_placement(ts_program: Path) -> None:
    done = subprocess.run(
        ["node", str(ts_program), "http://127.0.0.1:9", TOKEN, "both"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "tokenIn must be" in done.stderr and TOKEN not in done.stderr


def test_postman_collections_speak_their_version() -> None:
    v72 = json.loads((GENERATED / "postman" / "collection.json").read_text("utf-8"))
    v74 = json.loads((V74 / "postman" / "collection.json").read_text("utf-8"))
    assert (v72["info"]["version"], v74["info"]["version"]) == ("72.0.0", "74.0.0")
    assert "auth" not in v72
    assert v74["auth"]["type"] == "bearer" and v74["auth"]["bearer"][0]["value"] == "{{token}}"
    for collection, token_in_body in ((v72, True), (v74, False)):
        for op in collection["item"]:
            for request in op["item"]:
                raw = request["request"]["body"]["raw"]
                assert ("{{token}}" in raw) is token_in_body, request["name"]


def test_package_metadata_carries_the_api_version() -> None:
    for tree, version in ((GENERATED, "72"), (V74, "74")):
        project = tomllib.loads((tree / "python" / "pyproject.toml").read_text("utf-8"))["project"]
        assert project["version"].split(".")[0] == version and f"API v{version}" in project["description"]
        package = json.loads((tree / "typescript" / "package.json").read_text("utf-8"))
        assert package["version"].split(".")[0] == version and package["altcraftApiVersion"] == version


def test_operation_pages_say_since_which_version_each_parameter_and_rule_exists() -> None:
    files = generate_files(None)
    v74_get = files["v74/docs/get.md"]
    assert "| `auth.header-token` |" in v74_get
    row = next(line for line in v74_get.splitlines() if line.startswith("| `auth.header-token` |"))
    assert row.endswith("| v74 |")
    row = next(line for line in v74_get.splitlines() if line.startswith("| `auth.token-wrong` |"))
    assert row.endswith("| v72 |")
    row = next(line for line in v74_get.splitlines() if line.startswith("| `code` |"))
    assert row.endswith("| v72 |")
    row = next(line for line in files["docs/get.md"].splitlines() if line.startswith("| `code` |"))
    assert row.endswith("| v72 |")


def test_since_is_the_start_of_the_unbroken_run_of_versions() -> None:
    assert per_version._since(["72", "74", "75"], [True, True, True]) == "72"
    assert per_version._since(["72", "74", "75"], [True, False, True]) == "75"  # removed in 74, back in 75
    assert per_version._since(["72", "74"], [False, True]) == "74"


def test_changelog_page_is_the_diff_of_consecutive_versions() -> None:
    changelog = generate_files(None)["docs/changelog.md"]
    assert "## v72 → v74" in changelog
    assert "`security-added:security.bearerAuth`" in changelog
    assert "`rule-added:auth.header-token`" in changelog
    assert "[changelog](../../docs/changelog.md)" in generate_files(None)["v74/docs/get.md"]


def test_check_covers_every_version(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "build", "*.egg-info"))
    assert run_gen("check", "--out", str(copy)).returncode == 0
    target = copy / "v74" / "python" / "altcraft_promo_client" / "client.py"
    target.write_text(
        target.read_text("utf-8").replace('token_in: TokenPlacement = "header"', 'token_in: TokenPlacement = "body"')
    )
    result = run_gen("check", "--out", str(copy))
    assert result.returncode == 1 and "--- a/v74/python/altcraft_promo_client/client.py" in result.stdout
    assert {f.split("/")[0] for f in generate_files(None) if f.startswith("v")} == {
        f"v{v}" for v in known_versions()[1:]
    }
