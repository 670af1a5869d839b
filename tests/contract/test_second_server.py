"""The contract suite passes a second, independent faithful implementation with other silent-area choices."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from contract_tests.power import ROOT, suite_command

HERE = Path(__file__).parent / "second_server"
TOKEN = "second-server-token"

CONFIGS = {
    # text/xml answers, HTTP 400/401 statuses, error envelopes without data, null and "" read as absent,
    # integer field_value accepted
    "text-xml-http-status": {"INDEP_HTTP_STATUS": "1", "INDEP_ERROR_NO_DATA": "1"},
    # application/xml, strict null, string-only field_value, unused identifiers ignored, other state choices,
    # HTTP 400/401 statuses
    "probe2-strict": {
        "INDEP_PROBE2": "1",
        "INDEP_XML_CTYPE": "application/xml",
        "INDEP_STRICT_EMPTY": "1",
        "INDEP_FV_STRING_ONLY": "1",
        "INDEP_IGNORE_UNUSED": "1",
        "INDEP_HTTP_STATUS": "1",
    },
}
# optional target-file keys per configuration
TARGET_EXTRAS = {"text-xml-http-status": {"xml_content_type": "text/xml"}}

# what each configuration's report must record in its wire section (undocumented choices seen)
SEEN = {
    "text-xml-http-status": ["| format=xml: response Content-Type | text/xml |", "| 401 with error != 0 |"],
    "probe2-strict": ["| format=xml: response Content-Type | application/xml |", "| 200 with error != 0 |"],
}


@pytest.fixture(params=sorted(CONFIGS))
def second_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    env = {**os.environ, "ALTCRAFT_TOKEN": TOKEN, **CONFIGS[request.param]}
    process = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "http://" in line, f"the second server did not start: {line!r}"
        url = line.split()[4]
        target = yaml.safe_load((HERE / "target.yaml").read_text(encoding="utf-8"))
        target["base_url"] = url
        target["token_env"] = "SECOND_SERVER_TOKEN"
        target.update(TARGET_EXTRAS.get(request.param, {}))
        path = tmp_path / "target.yaml"
        path.write_text(yaml.safe_dump(target), encoding="utf-8")
        yield path, request.param
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_suite_passes_a_second_faithful_server(second_server: tuple[Path, str], tmp_path: Path) -> None:
    target, config = second_server
    run = subprocess.run(
        suite_command(target, tmp_path, "--hypothesis-seed", "20261126"),
        cwd=ROOT,
        env={**os.environ, "SECOND_SERVER_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = "\n".join(run.stdout.splitlines()[-60:])
    assert run.returncode == 0, f"the suite failed against the second server ({config}):\n{tail}"
    assert TOKEN not in run.stdout + run.stderr
    report = (tmp_path / "reports" / "contract-report.md").read_text(encoding="utf-8")
    for seen in SEEN[config]:
        assert seen in report, f"the report's wire section lacks {seen!r}"
