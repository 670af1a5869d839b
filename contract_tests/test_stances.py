"""Both sides of every stance the spec marks (``contract_tests/stance_edges.py``): recorded, or refused.

A request that breaks only a stance (a value another docs page allows, the other reading of a default) may be
served or refused: the answer goes into the report's stance section, and a success must keep the operation's
meaning. A request that breaks the documented constraint beside the stance (a type or value no page allows, no
identifier at all) must be refused, and nothing may change. Each probe is one request on a free code of the run's
own, read with ``get`` before and after; the batch's frame check judges the rest of the programs.

Where the docs are silent about code identity (letter case, whitespace around a code: ``x-code-identity``), one more
probe shows the server's reading: a fresh mixed-case code is imported, then asked for by other spellings and imported
again in capitals. The model judges the answers (each reading the spec lists is allowed, one per server); the report
records the reading they fit, and the probe fails only when they fit none.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from contract_tests.code_variants import variant
from contract_tests.model import Model
from contract_tests.model.identity import decided
from contract_tests.model_driver import ModelDriver
from contract_tests.observed import observed, subject_of
from contract_tests.oracles import judge
from contract_tests.report import Observation
from contract_tests.rule_setup import MODES, free_code
from contract_tests.stance_edges import Probe, probes_of
from contract_tests.suite import Suite, spec_for
from contract_tests.target import Profile
from contract_tests.world import ContractViolation, get_code

# The probes of the v72 spec; a version whose marks differ is judged by its own (test_probe reads them again).
PROBES = probes_of(spec_for("72"))
DOCUMENTED_REFUSAL = "a request that breaks a documented constraint got error 0"


def _base(suite: Suite, probe: Probe, program: int, code: str, profile: Profile) -> dict[str, Any]:
    """A valid body of the probe's operation: get of the code, or attach of it naming the profile every way."""
    if probe.op == "get":
        return {"loyalty_id": program, "code": code}
    body: dict[str, Any] = {"db_id": suite.target.db_id, "loyalty_id": program, "code": code, "matching": probe.mode}
    for mode in MODES:
        body.update(profile.identifiers(mode))
    return body


def _respelled(put: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """An integer the probe puts where the valid body holds a string of digits: that number, the same value."""
    return {
        k: int(base[k]) if isinstance(v, int) and not isinstance(v, bool) and str(base.get(k, "")).isdigit() else v
        for k, v in put.items()
    }


@pytest.mark.frame_batch
@pytest.mark.oracles("[rule request.invalid]", "[postcondition]", "[frame]", "[invariant]", "[wire-label]")
@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_stance_edge(suite: Suite, probe: Probe) -> None:
    """Only the stance broken: recorded (a success coherent); a documented constraint broken: refused, no change."""
    if probe not in probes_of(suite.spec):
        pytest.skip(f"the spec of API version {suite.target.api_version} does not mark this stance")
    target, client = suite.target, suite.client
    suite.frame.begin()
    program, profile = target.personal, target.profiles[0]
    code = free_code(suite, program, f"{suite.names.next_prefix()}stance")
    base = _base(suite, probe, program, code, profile)
    body = probe.apply(base)
    body.update(_respelled(probe.put, base))
    key = (program, code)
    before = {key: get_code(client, *key)}
    exchange = client.call(probe.op, body)
    after = {key: get_code(client, *key)}
    suite.frame.note_keys(f"stance {probe.id}", after)
    envelope = exchange.envelope
    if envelope is None:
        raise ContractViolation(
            f"stance edge {probe.id}: the answer is not the API envelope\n{client.describe(exchange)}"
        )
    if probe.side == "stance":
        suite.report.stance_answered(probe.op, (probe.stance,), [probe.what], envelope)
    else:
        suite.report.observe(
            Observation(
                f"stance:{probe.id}",
                "request.invalid",
                "documented",
                probe.op,
                exchange.error,
                exchange.error_text,
                "",
                "asserted",
            )
        )
    problems = []
    if probe.side == "documented" and exchange.error == 0:
        problems.append(
            f"[rule request.invalid] {DOCUMENTED_REFUSAL} ({probe.what}, beside stance {probe.stance}, "
            "which another reading of the docs may not enforce)"
        )
    subject = subject_of(target, probe.op, body)
    assert subject is not None
    if probe.op == "attach":  # every identifier sent names this profile, whichever the server reads
        subject = dataclasses.replace(subject, matched=profile, identifiers_known=True)
    problems += judge(suite, subject, envelope, observed({}, before), observed({}, after), label=exchange.label_problem)
    if problems:
        raise ContractViolation(
            f"stance edge {probe.id}: {problems[0]}\nproblems:\n"
            + "\n".join(f"- {p}" for p in problems)
            + f"\n{client.describe(exchange)}\nstate before: {before}\nstate after: {after}"
        )


@pytest.mark.oracles("[model]")
def test_code_identity(suite: Suite) -> None:
    """Other spellings of a fresh mixed-case code: the answers fit one reading of code identity the spec lists."""
    program, prefix = suite.target.personal, suite.names.prefix
    code = f"{suite.names.next_prefix()}Mixed-Case"  # letters of both cases after the prefix
    lower, padded, capitals = (variant(code, prefix, shape) for shape in ("lower", "padded", "upper"))
    driver = ModelDriver.start(suite, Model(suite.spec))
    driver.fresh(program, [code, lower, padded, capitals])  # new names of the run: compared exactly, none is held
    driver.send("import", {"loyalty_id": program, "codes": [code]})
    driver.get(program, lower)  # found only where case does not count
    driver.get(program, padded)  # found only where whitespace around a code does not count
    driver.send("import", {"loyalty_id": program, "codes": [capitals]})  # a duplicate where case does not count
    driver.get(program, capitals)
    suite.report.identity_seen("code identity probe", decided(driver.worlds))
