"""Every rule of the spec's x-rules × matching mode × request format × response format, checked by state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.rule_runner import run_rule_case
from contract_tests.rule_setup import RuleCase, needs
from contract_tests.suite import Suite


# parametrized with ``case`` by conftest.pytest_generate_tests: the rules of the target file's API version
# a case names only its own rule, and only the postconditions of its operation (plugin/selection.py)
@pytest.mark.oracles("[rule]", "[postcondition]", "[frame]", "[invariant]", "[wire-label]")
@given(data=st.data())
def test_rule(suite: Suite, case: RuleCase, data: st.DataObject) -> None:
    """The server answers and changes state as the rule says (documented/inferred) or as recorded (undocumented)."""
    reason = needs(case, suite)
    if reason:
        pytest.skip(f"{case.rule.id}: {reason}")
    run_rule_case(suite, case, data)
