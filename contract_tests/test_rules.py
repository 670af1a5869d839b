"""Every rule of the spec's x-rules × matching mode × request format × response format, checked by state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.budgets import ACTIVE
from contract_tests.rule_runner import run_rule_case
from contract_tests.rule_setup import RuleCase, needs, rule_cases
from contract_tests.suite import Suite, spec_for

CASES = rule_cases(spec_for(ACTIVE["api_version"]).rules)  # the target file's API version (set at configure)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@given(data=st.data())
def test_rule(suite: Suite, case: RuleCase, data: st.DataObject) -> None:
    """The server answers and changes state as the rule says (documented/inferred) or as recorded (undocumented)."""
    reason = needs(case, suite)
    if reason:
        pytest.skip(f"{case.rule.id}: {reason}")
    run_rule_case(suite, case, data)
