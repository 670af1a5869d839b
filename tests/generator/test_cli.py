"""promo-gen as a command: bad specs and arguments, drift check, determinism, all-or-nothing writes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator import check
from generator.pipeline import generate_files
from tests.generator.conftest import GENERATED, REPO, SPEC, run_gen


def _bad(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    spec = tmp_path / "bad.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_gen("generate", "--spec", str(spec), "--out", str(out))
    return result.returncode, result.stderr, out


def test_invalid_yaml(tmp_path: Path) -> None:
    code, err, out = _bad(tmp_path, "openapi: 3.1.0\ninfo: [unclosed\n")
    assert code == 1 and "invalid YAML" in err and "bad.yaml#/" in err
    assert not out.exists()


def test_dangling_ref(tmp_path: Path, spec_text: str) -> None:
    broken = spec_text.replace("'#/components/schemas/GetResponse'", "'#/components/schemas/Nope'")
    code, err, out = _bad(tmp_path, broken)
    assert code == 1 and "points to nothing" in err
    assert "#/paths/~1api~1v1.1~1promocodes~1get/post/responses/200/content/application~1json/schema/$ref" in err
    assert not out.exists()


def test_schema_error(tmp_path: Path, spec_text: str) -> None:
    broken = spec_text.replace("      operationId: get\n", "      operationId: get\n      bogus: 1\n")
    code, err, out = _bad(tmp_path, broken)
    assert code == 1 and "not valid OpenAPI" in err
    assert not out.exists()


def test_rule_vocabulary_error(tmp_path: Path, spec_text: str) -> None:
    code, err, out = _bad(tmp_path, spec_text.replace("given: {code: free}", "given: {code: melted}", 1))
    assert code == 1 and "/x-rules/" in err and "vocabulary" in err
    assert not out.exists()


def test_unsupported_construct_names_its_pointer(tmp_path: Path, spec_text: str) -> None:
    broken = spec_text.replace(
        "    ProgramRequest:\n      type: object\n",
        "    ProgramRequest:\n      type: object\n      oneOf: [{required: [token]}]\n",
    )
    code, err, out = _bad(tmp_path, broken)
    assert code == 1
    assert "bad.yaml#/components/schemas/ProgramRequest/oneOf: the generator supports no 'oneOf' on a request" in err
    assert err.count("error:") == 1 and "Traceback" not in err
    assert not out.exists()


def test_request_object_parameter_is_refused(tmp_path: Path, spec_text: str) -> None:
    broken = spec_text.replace(
        "        loyalty_id: {$ref: '#/components/schemas/LoyaltyId'}\n    ErrorCode:",
        "        loyalty_id: {$ref: '#/components/schemas/LoyaltyId'}\n        extra: {type: object}\n    ErrorCode:",
    )
    assert broken != spec_text
    code, err, _ = _bad(tmp_path, broken)
    assert code == 1 and "/components/schemas/ProgramRequest/properties/extra" in err and "scalars" in err


def test_a_failed_generation_leaves_the_previous_output(tmp_path: Path, spec_text: str) -> None:
    out = tmp_path / "out"
    assert run_gen("generate", "--out", str(out)).returncode == 0
    before = check.on_disk(out)
    spec = tmp_path / "bad.yaml"
    spec.write_text(spec_text.replace("'#/components/schemas/Code'", "'#/components/schemas/Gone'"), encoding="utf-8")
    assert run_gen("generate", "--spec", str(spec), "--out", str(out)).returncode == 1
    assert check.on_disk(out) == before


@pytest.mark.parametrize(
    "args",
    [[], ["frobnicate"], ["generate", "--bogus"], ["check", "--spec"]],
    ids=["no-command", "unknown-command", "unknown-option", "missing-value"],
)
def test_bad_arguments(args: list[str]) -> None:
    result = run_gen(*args)
    assert result.returncode == 2 and "usage: promo-gen" in result.stderr


def test_missing_spec_file(tmp_path: Path) -> None:
    result = run_gen("generate", "--spec", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "cannot read the spec" in result.stderr


def test_committed_output_is_up_to_date() -> None:
    result = run_gen("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_on_a_hand_edited_file(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    target = copy / "python" / "altcraft_promo_client" / "client.py"
    target.write_text(target.read_text(encoding="utf-8").replace("DEFAULT_TIMEOUT = 30.0", "DEFAULT_TIMEOUT = 5.0"))
    result = run_gen("check", "--out", str(copy))
    assert result.returncode == 1
    assert "--- a/python/altcraft_promo_client/client.py" in result.stdout
    assert "-DEFAULT_TIMEOUT = 5.0" in result.stdout and "+DEFAULT_TIMEOUT = 30.0" in result.stdout
    assert "promo-gen generate" in result.stderr


def test_check_fails_on_missing_and_extra_files(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    (copy / "docs" / "get.md").unlink()
    (copy / "docs" / "stray.md").write_text("hand-written\n", encoding="utf-8")
    result = run_gen("check", "--out", str(copy))
    assert result.returncode == 1
    assert "+++ b/docs/get.md" in result.stdout and "--- /dev/null" in result.stdout
    assert "--- a/docs/stray.md" in result.stdout and "+++ /dev/null" in result.stdout


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out-{seed}"
        assert run_gen("generate", "--out", str(out), seed=seed).returncode == 0
        outs.append(check.on_disk(out))
    assert outs[0] == outs[1]
    assert outs[0] == {k: v.encode("utf-8") for k, v in generate_files(None).items()}


# A date (2024-04-02) or a time of day (10:00, 10:00:00) anywhere in a text.
_DATE_OR_TIME = re.compile(r"(?<![\d.-])(?:\d{4}-\d{2}-\d{2}|\d{2}:\d{2}(?::\d{2})?)(?![\d])")


def test_output_has_no_absolute_paths_or_timestamps() -> None:
    """Every date or time in the output comes from the inputs (spec, overlays, the mock's seed), never the clock."""
    inputs = "".join(
        p.read_text(encoding="utf-8")
        for p in [SPEC, *sorted((SPEC.parent / "versions").glob("*.yaml")), REPO / "mock_server" / "default_seed.yaml"]
    )
    known = set(_DATE_OR_TIME.findall(inputs))
    shown: set[str] = set()
    for rel, text in generate_files(None).items():
        assert str(SPEC.parent.parent) not in text, rel
        found = set(_DATE_OR_TIME.findall(text))
        assert found <= known, (rel, found - known)
        shown |= found
    assert shown, "the docs show the seed's times: the pattern must find them"
