"""The runnable examples' choices: the rule followed, the seed state used, and a refusal when the mock disagrees."""

from __future__ import annotations

import pytest

from generator import answers, example_programs, examples
from generator.load import load
from generator.parse import build
from promo_spec import Spec, SpecError


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load(None)


def test_each_operation_follows_a_documented_success_rule_on_fixed_seed_state(spec: Spec) -> None:
    api = examples.with_examples(build(spec), spec)
    chosen = {op.id: op.runnable.rule for op in api.operations if op.runnable is not None}
    assert set(chosen) == {op.id for op in api.operations}
    for op_id, rule_id in chosen.items():
        rule = next(r for r in spec.rules_for(op_id) if r.id == rule_id)
        assert rule.status == "documented" and rule.expect.error == "zero"
    # get prefers the seeded attached code (fixed timestamps) over a free one (created at start-up).
    assert chosen["get"] == "get.code-attached"
    get = next(op for op in api.operations if op.id == "get")
    assert get.runnable is not None and "X13-0001" in get.runnable.state


def test_an_example_the_mock_refuses_stops_generation(spec: Spec) -> None:
    def refusing(spec: Spec, path: str, body: bytes, media: str) -> answers.Answer:
        refusal = b'{"data":null,"error":421,"error_text":"Profile not found"}'
        return answers.Answer("200 OK", "application/json", refusal)

    with pytest.raises(SpecError, match=r"the mock answers import's runnable example with error 421"):
        examples.with_examples(build(spec), spec, ask=refusing)


def test_shell_expansion_in_example_values_is_refused() -> None:
    with pytest.raises(LookupError, match="the shell would expand"):
        example_programs.curl("/p", "application/json", '{"code": "$(rm -rf ~)"}')
