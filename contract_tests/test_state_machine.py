"""A Hypothesis state machine over import, attach, detach, get, activate and update against a model of the rules.

Steps whose outcome the docs leave open (attaching a code to the profile that holds it, detaching a free
code, activating twice, ...) are avoided: the step only re-reads the code, so every judged step is documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test

from contract_tests.actions import attach_body
from contract_tests.batches import entry_of
from contract_tests.observed import Observed, Subject, subject_codes, subject_of
from contract_tests.oracles import judge
from contract_tests.strategies import expire_dates, matching_modes, promo_code_suffixes
from contract_tests.suite import Suite
from contract_tests.wire import Exchange
from contract_tests.world import ContractViolation, Entry, export_program, get_code, holder_view, same_instant

PLACEMENTS = ("header", "body", "both")  # where a step's valid token travels (v74 on)


@dataclass
class CodeModel:
    """What the documented rules say the server holds for one code."""

    holders: set[str] = field(default_factory=set)
    activated: bool = False
    expire_date: str = ""


Key = tuple[str, str]  # (program kind, code)


class PromoCodeMachine(RuleBasedStateMachine):
    """Rules are the API's verbs; the invariant compares the server (export_all, get) with the model."""

    codes = Bundle("codes")
    suite: Suite  # set on the subclass each test run makes (test_state_machine): no module state

    def __init__(self) -> None:
        super().__init__()
        # a new example: a drawing test waiting for the workers' lock may take its turn first (the examples share no
        # code; a code of an earlier one that its draw takes is announced in the taken log: compare_with_export)
        self.suite.lock.pause()
        self.model: dict[Key, CodeModel] = {}
        self.sent = 0  # requests sent by steps: picks the token placement on a version with the bearer header
        self.last_look: Observed | None = None  # what the previous invariant saw: the state before this step
        self.pending: tuple[Subject, dict[str, Any], str] | None = None  # the step's request, answer, evidence

    # helpers -----------------------------------------------------------------------------------------
    def _program(self, kind: str) -> int:
        return self.suite.target.program(kind)

    def _send(
        self, op: str, body: dict[str, Any], body_format: str = "json", response_format: str = "json"
    ) -> Exchange:
        if response_format == "xml":
            body = dict(body, format="xml")
        token: str | None = "valid"
        bearer: str | None = None
        if self.suite.spec.bearer_auth:  # v74: each step sends the token in turn in the body, the header, both
            placement = PLACEMENTS[self.sent % len(PLACEMENTS)]
            self.sent += 1
            bearer = "valid" if placement != "body" else None
            token = None if placement == "header" else "valid"
        exchange = self.suite.client.call(op, body, body_format=body_format, token=token, bearer=bearer)
        if exchange.envelope is None:
            raise ContractViolation(f"{op}: the answer is not the API envelope\n{self.suite.client.describe(exchange)}")
        if exchange.label_problem:
            raise ContractViolation(f"{exchange.label_problem}\n{self.suite.client.describe(exchange)}")
        subject = subject_of(self.suite.target, op, body)
        if subject is not None:  # judged by the next invariant, against the look before this step
            self.pending = (subject, exchange.envelope, self.suite.client.describe(exchange))
        return exchange

    def _expect(self, exchange: Exchange, *, success: bool, rule_id: str) -> None:
        if (exchange.error == 0) != success:
            wanted = "error 0" if success else "a non-zero error"
            raise ContractViolation(
                f"[rule {rule_id}] (state machine): expected {wanted}, got {exchange.error}\n"
                f"{self.suite.client.describe(exchange)}"
            )

    # rules -------------------------------------------------------------------------------------------
    @rule(
        target=codes,
        kind=st.sampled_from(["personal", "universal"]),
        new=st.lists(promo_code_suffixes(), min_size=1, max_size=2),
        body_format=st.sampled_from(["json", "xml"]),
    )
    def import_codes(self, kind: str, new: list[str], body_format: str) -> Any:
        new = [self.suite.names.next_prefix() + suffix for suffix in new]
        exchange = self._send("import", {"loyalty_id": self._program(kind), "codes": new}, body_format)
        self._expect(exchange, success=True, rule_id="import.codes-new")
        if exchange.envelope and exchange.envelope.get("inserted") != len(new):
            raise ContractViolation(
                f"[rule import.codes-new] inserted != {len(new)}\n{self.suite.client.describe(exchange)}"
            )
        for code in new:
            self.model[(kind, code)] = CodeModel()
        return multiple(*[(kind, code) for code in new])

    @rule(key=codes)
    def import_duplicate(self, key: Key) -> None:
        kind, code = key
        exchange = self._send("import", {"loyalty_id": self._program(kind), "codes": [code]})
        self._expect(exchange, success=True, rule_id="import.codes-duplicate")
        items = (exchange.envelope or {}).get("data") or [{}]
        if items[0].get("error") != 500 or (exchange.envelope or {}).get("duplicated") != 1:
            raise ContractViolation(
                f"[rule import.codes-duplicate] item error 500 and duplicated 1 expected\n"
                f"{self.suite.client.describe(exchange)}"
            )

    @rule(
        key=codes,
        who=st.integers(0, 9),
        mode=matching_modes(with_default=True),
        body_format=st.sampled_from(["json", "xml"]),
        response_format=st.sampled_from(["json", "xml"]),
    )
    def attach_code(self, key: Key, who: int, mode: str, body_format: str, response_format: str) -> None:
        kind, code = key
        state = self.model[key]
        profile = self.suite.target.profiles[who % len(self.suite.target.profiles)]
        if profile.profile_id in state.holders or state.activated:
            return  # undocumented: attaching to the holder again, or an activated code
        body = attach_body(self.suite.target, self._program(kind), profile, code=code, mode=mode)
        exchange = self._send("attach", body, body_format, response_format)
        if state.holders and kind == "personal":
            self._expect(exchange, success=False, rule_id="attach.code-attached-restricted")
            return
        self._expect(
            exchange, success=True, rule_id="attach.code-attached-universal" if state.holders else "attach.code-free"
        )
        state.holders.add(profile.profile_id)

    @rule(
        key=codes,
        who=st.integers(0, 9),
        mode=matching_modes(with_default=True),
        body_format=st.sampled_from(["json", "xml"]),
    )
    def detach_code(self, key: Key, who: int, mode: str, body_format: str) -> None:
        kind, code = key
        state = self.model[key]
        profile = self.suite.target.profiles[who % len(self.suite.target.profiles)]
        several = len(state.holders) > 1
        if not several and (state.holders != {profile.profile_id} or state.activated):
            return  # undocumented: detaching a free code, another's code, or an activated code
        body = attach_body(self.suite.target, self._program(kind), profile, code=code, mode=mode)
        exchange = self._send("detach", body, body_format)
        if several:
            self._expect(exchange, success=False, rule_id="detach.code-attached-several")
            return
        self._expect(exchange, success=True, rule_id="detach.code-attached")
        state.holders.clear()

    @rule(key=codes, body_format=st.sampled_from(["json", "xml"]))
    def activate_code(self, key: Key, body_format: str) -> None:
        kind, code = key
        state = self.model[key]
        if state.activated:
            return  # undocumented: a second activation
        exchange = self._send("activate", {"loyalty_id": self._program(kind), "code": code}, body_format)
        if not state.holders:
            self._expect(exchange, success=False, rule_id="activate.code-free")
            return
        self._expect(exchange, success=True, rule_id="activate.code-attached")
        state.activated = True

    @rule(
        key=codes,
        option=st.sampled_from(["activate", "deactivate", "expire_date", "none"]),
        expire=expire_dates(),
        body_format=st.sampled_from(["json", "xml"]),
    )
    def update_code(self, key: Key, option: str, expire: str, body_format: str) -> None:
        kind, code = key
        state = self.model[key]
        body: dict[str, Any] = {"loyalty_id": self._program(kind), "code": code}
        if option == "activate":
            if state.activated or not state.holders:
                return  # undocumented: activating twice or activating a free code by update
            body["activated"] = True
        elif option == "deactivate":
            if not state.activated:
                return  # undocumented: deactivating a code that is not activated
            body["activated"] = False
        elif option == "expire_date":
            body["expire_date"] = expire
        exchange = self._send("update", body, body_format)
        if option == "none":
            self._expect(exchange, success=False, rule_id="update.no-options")
            return
        self._expect(exchange, success=True, rule_id=f"update.{option.replace('_', '-')}")
        if option == "expire_date":
            state.expire_date = expire
        else:
            state.activated = option == "activate"

    # invariant ---------------------------------------------------------------------------------------
    @invariant()
    def server_state_matches_model(self) -> None:
        self._compare(listed=None)

    finished: list[PromoCodeMachine]  # every run of this test, for one export_all at its end

    def teardown(self) -> None:
        self.finished.append(self)

    def compare_with_export(self, listed: dict[str, dict[str, Entry]], *, taken: set[tuple[int, str]]) -> None:
        """The run's codes as export_all lists them (read once per test: its cost grows with the program); codes
        another worker's pool draw took between examples (``taken``) are that worker's to judge."""
        self.model = {key: state for key, state in self.model.items() if (self._program(key[0]), key[1]) not in taken}
        self._compare(listed=listed)

    def _compare(self, *, listed: dict[str, dict[str, Entry]] | None) -> None:
        """The server (get of every code, export_all when ``listed``) against the model."""
        if not self.model:
            return
        client, target = self.suite.client, self.suite.target
        gets = {(self._program(kind), code): get_code(client, self._program(kind), code) for kind, code in self.model}
        # each step reads its codes through get; export_all once per test, at its end (compare_with_export)
        exported = {} if listed is None else {self._program(kind): listing for kind, listing in listed.items()}
        look = Observed(exported, dict(gets))
        pending, self.pending = self.pending, None
        if pending is not None and self.last_look is not None:
            subject, envelope, evidence = pending
            found = judge(self.suite, subject, envelope, self.last_look, look)
            if found:
                states = _states(subject, self.last_look, look)
                raise ContractViolation(
                    f"{subject.op} (state machine): {found[0]}\n- " + "\n- ".join(found) + f"\n{evidence}\n{states}"
                )
        else:
            found = self.suite.history.check(look)
            if found:
                raise ContractViolation("state machine: " + found[0] + "\n- " + "\n- ".join(found))
        self.last_look = look
        problems = []
        for (kind, code), state in self.model.items():
            info = gets[(self._program(kind), code)]
            entry = entry_of(info) if listed is None else listed[kind].get(code)
            if entry is None or info is None:
                problems.append(f"{code!r} is missing from program {kind} (export_all or get)")
                continue
            if bool(entry.attached) != bool(state.holders) or bool(info.get("is_attached")) != bool(state.holders):
                problems.append(
                    f"{code!r}: attached should be {bool(state.holders)} (export {entry.attached!r}, "
                    f"get is_attached {info.get('is_attached')!r})"
                )
            if bool(entry.activated) != state.activated or bool(info.get("is_activated")) != state.activated:
                problems.append(
                    f"{code!r}: activated should be {state.activated} (export {entry.activated!r}, "
                    f"get is_activated {info.get('is_activated')!r})"
                )
            if len(state.holders) == 1:
                (holder,) = state.holders
                if info.get("profile_id") != holder or info.get("database_id") != target.db_id:
                    problems.append(
                        f"{code!r}: get names profile {info.get('profile_id')!r} of database "
                        f"{info.get('database_id')!r}, the model says {holder!r} of {target.db_id}"
                    )
            if state.expire_date and not same_instant(str(info.get("expire_date", "")), state.expire_date):
                problems.append(f"{code!r}: get.expire_date {info.get('expire_date')!r}, set {state.expire_date!r}")
        if problems:
            raise ContractViolation(
                "server state differs from the model of the documented rules:\n- " + "\n- ".join(problems)
            )


def _states(subject: Subject, before: Observed, after: Observed) -> str:
    """The step's codes as the looks before and after it showed them, for the evidence."""
    program = subject.program
    if program is None:
        return ""
    return "\n".join(
        f"{code!r} of program {program}: before export_all {before.listed(program, code)} get "
        f"{holder_view(before.get(program, code))}; after export_all {after.listed(program, code)} get "
        f"{holder_view(after.get(program, code))}"
        for code in subject_codes(subject)
    )


@pytest.mark.oracles("[rule]", "[postcondition]", "[frame]", "[invariant]", "[wire-label]")
def test_state_machine(suite: Suite) -> None:
    """Random sequences of the API's verbs keep the server in the state the documented rules predict."""
    finished: list[PromoCodeMachine] = []
    bound = type("PromoCodeMachineOfThisRun", (PromoCodeMachine,), {"suite": suite, "finished": finished})
    run_state_machine_as_test(
        bound,
        settings=settings(
            settings.default, max_examples=suite.budget("machine"), stateful_step_count=suite.budget("steps")
        ),
    )
    # the runs' codes are this process's own: their last state still holds, but for codes a pool draw of another
    # worker took between examples (it announced them)
    listed = {k: export_program(suite.client, suite.target.program(k)) for k in ("personal", "universal")}
    taken = suite.taken.others()
    for machine in finished:
        machine.compare_with_export(listed, taken=taken)
