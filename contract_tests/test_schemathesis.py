"""Schemathesis over every operation: JSON and XML bodies, positive and negative data, pinned to the target."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.schemas import BaseSchema

from contract_tests import api_checks
from contract_tests.budgets import SPARSE, budget, loaded_profile
from contract_tests.plugin import selection
from contract_tests.seeding import run_seed
from contract_tests.suite import Suite
from contract_tests.wire import encode
from contract_tests.world import ContractViolation
from promo_spec import default_spec_path, load_spec

# the tagged oracles its failures can name (Schemathesis' own checks name none: --oracle never selects by them)
pytestmark = pytest.mark.oracles("[rule request.invalid]", "[postcondition]", "[wire-label]")

SCHEMA: BaseSchema = schemathesis.openapi.from_path(default_spec_path())
if (_operations := selection.api_operations(load_spec())) is not None:
    SCHEMA = SCHEMA.include(operation_id=_operations)  # --oracle: only the operations that can name a wanted oracle
# Schemathesis seeds each test with its own random seed, which overrides --hypothesis-seed: derive it from the
# run's seed instead, so the printed seed reproduces the generated requests too.
SCHEMA.config.seed = run_seed()
if loaded_profile() in SPARSE:
    SCHEMA.config.phases.coverage.enabled = False  # its boundary cases are hundreds of requests; smoke is a smoke


@SCHEMA.parametrize()
@settings(max_examples=budget("api"))
def test_api(case: Any, suite: Suite) -> None:
    """Each generated request gets a conforming answer, and the envelope's error fits the input's validity."""
    # each example names only fresh codes: a drawing test waiting for the workers' lock may take its turn between
    suite.lock.pause()
    method = str(case.method).upper()
    if method != "POST" and not suite.target.loopback:
        return  # no undeclared HTTP methods against a server that is not on this machine
    op = api_checks._op_id(suite.spec, case.operation.path)
    body = case.body if isinstance(case.body, dict | list | str | int | float | bool) or case.body is None else {}
    media = "xml" if "xml" in str(case.media_type or "") else "json"
    body = api_checks.pin(body, suite, f"{suite.report.seed}:{op}:{suite.client.count}", op=op, media=media)
    headers = {}
    if suite.spec.bearer_auth and isinstance(body, dict) and body.get("token") == suite.target.token:
        # v74: the valid token travels in turn in the header alone, the body alone, or both
        placement = ("header", "body", "both")[suite.client.count % 3]
        if placement != "body":
            headers["Authorization"] = f"Bearer {suite.target.token}"
        if placement == "header":
            body = {k: v for k, v in body.items() if k != "token"}
    content, content_type = encode(body, media, suite.client.xml_type)
    exchange = suite.client.send_raw(op, content, content_type, method=method, headers=headers)
    try:
        case.validate_response(exchange.extra["response"], checks=api_checks.checks_for(suite))
    except (Exception, BaseExceptionGroup) as exc:  # Schemathesis' FailureGroup or a check's AssertionError
        failures = getattr(exc, "exceptions", [exc])
        lines = [f"{getattr(f, 'title', type(f).__name__)}: {getattr(f, 'message', str(f))}" for f in failures]
        raise ContractViolation(
            f"{op} ({method}, {content_type}): {lines[0].splitlines()[0]}\n"
            + "\n".join(lines)
            + "\n"
            + suite.client.describe(exchange)
        ) from None
