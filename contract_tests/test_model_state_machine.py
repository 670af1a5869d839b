"""Sequential model-based testing over the whole request space (issue 18): a Hypothesis state machine draws every
operation with every parameter shape the spec allows, and after each step the answer and what get and export_all
then show must be an outcome the model of the documented API (contract_tests/model) allows, every field included.

Unlike ``test_state_machine`` it also takes the steps whose outcome the docs leave open (attaching to the holder,
detaching a free code, activating twice, update on a free code, unknown programs, databases and profiles, pool
draws, expired codes): the model allows each coherent outcome and the reads that follow decide which one the
server chose. Codes touched: this run's fresh names (in the personal and universal programs), pool draws
(announced to the other workers), and the exhausted program's codes, which are only read, drawn or refused.

Every operation that takes a code also gets other spellings of codes the machine holds (``code_variants``: ASCII
letter case after the run's prefix, spaces around the code in JSON requests only), so the server shows its reading
of code identity (``x-code-identity``); the model allows each reading the spec lists, one per server, and the run
report records the readings each example left (contract_tests/README.md, "Code identity").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from contract_tests.actions import attach_body
from contract_tests.code_variants import SHAPES, creatable, padded, variant
from contract_tests.model import Model, World
from contract_tests.model.identity import decided, request_codes
from contract_tests.model_driver import ModelDriver
from contract_tests.replays import run_judged
from contract_tests.strategies import expire_dates, expiry_range, matching_modes, promo_code_suffixes, rfc3339
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation

UNKNOWN_PROGRAM = 100_000_007  # above 10^8 like the scoping cases: no target lists it
UNKNOWN_DB = 100_000_011
KINDS = ("personal", "universal")
FORMATS = st.sampled_from(["json", "xml"])
PLACEMENTS = ("body", "header", "both")
FAR_FUTURE = rfc3339(expiry_range()[1])  # from the clock: the last expiry the strategies draw
# which code a step names: a fresh name, one the machine imported (by index), one of the exhausted program's, or
# another spelling of a held one ("index:shape", code_variants.SHAPES)
HELD = st.tuples(st.just("held"), st.integers(0, 63).map(str))
VARIANT = st.tuples(
    st.just("variant"), st.tuples(st.integers(0, 63), st.sampled_from(SHAPES)).map(lambda t: f"{t[0]}:{t[1]}")
)
CODE_CHOICES = st.one_of(st.tuples(st.just("fresh"), promo_code_suffixes(max_size=16)), HELD, HELD, HELD, VARIANT)


class ModelMachine(RuleBasedStateMachine):
    """Every step is sent, then judged with the reads that follow it; ``driver`` holds the model's worlds."""

    suite: Suite
    model: Model
    shared: dict[str, int]  # per test: pool draws on the big programs so far
    readings: list[tuple[str, ...]]  # per test: the readings of code identity each decided run left
    failures: list[ContractViolation]  # per test: the violations its runs raised (contract_tests.replays)

    def __init__(self) -> None:
        super().__init__()
        target = self.suite.target
        self.exhausted = target.exhausted
        self.driver = ModelDriver.start(
            self.suite, self.model, complete=(self.exhausted,) if self.exhausted else (), failures=self.failures
        )
        self.mine: dict[int, list[str]] = {target.personal: [], target.universal: []}  # codes this machine imported
        self.drawn: set[tuple[int, str]] = set()  # codes this machine's draws took (any namespace)
        self.expired: set[tuple[int, str]] = set()
        self.sent = 0

    # helpers ---------------------------------------------------------------------------------------------------
    def program(self, kind: str) -> int:
        return UNKNOWN_PROGRAM if kind == "unknown" else self.suite.target.program(kind)

    def placement(self, choice: int) -> tuple[str | None, str | None]:
        """(body token, bearer) of a valid request: on a version with the bearer header, each placement."""
        if not self.suite.spec.bearer_auth:
            return "valid", None
        where = PLACEMENTS[choice % len(PLACEMENTS)]
        return (None if where == "header" else "valid"), ("valid" if where != "body" else None)

    def code(self, program: int, choice: tuple[str, str], *, creates: bool = False) -> str:
        """The code a step names: a fresh one (told to the model as absent), one already held, or another spelling
        of a held one (``creates``: the request may create it as a new code, so no leading space)."""
        kind, value = choice
        held = self.mine.get(program) or self.held_elsewhere(program)
        if kind in ("held", "variant") and held:
            index, _, shape = value.partition(":")
            code = held[int(index) % len(held)]
            if kind == "held":
                return code
            respelled = variant(code, self.suite.names.prefix, creatable(shape) if creates else shape)
            self.driver.fresh(program, [respelled])  # a new name of the run, unless held already (compared exactly)
            return respelled
        name = self.suite.names.next_prefix() + (value if kind == "fresh" else "x")
        self.driver.fresh(program, [name])
        return name

    def held_elsewhere(self, program: int) -> list[str]:
        """Codes the model knows in ``program`` (the exhausted program's, read at the start)."""
        world: World = self.driver.worlds[0]
        found = world.program(program)
        return list(found.codes.names()) if found is not None else []

    def send(self, op: str, body: dict[str, Any], body_format: str, token_choice: int) -> None:
        if any(padded(c) for c in request_codes(op, body)):  # whitespace around a code: JSON only (code_variants)
            body_format = "json"
            body.pop("format", None)
        token, bearer = self.placement(token_choice)
        self.driver.send(op, body, body_format=body_format, token=token, bearer=bearer)

    def look(self, program: int, codes: list[str]) -> None:
        """Read what a step may have touched: the codes it named, and the whole program where it is small."""
        if program == UNKNOWN_PROGRAM:
            return
        for code in list(dict.fromkeys(codes))[:4]:
            self.driver.get(program, code)
        if program == self.exhausted:  # small: read whole after every step (a big program only around a draw)
            self.driver.export(program)

    def frame(self, program: int, pick: int) -> None:
        """One more code of the machine's, in another program: a step touches only what it names."""
        others = [(p, c) for p, codes in self.mine.items() if p != program for c in codes]
        if others:
            self.driver.get(*others[pick % len(others)])

    # steps -----------------------------------------------------------------------------------------------------
    @initialize(suffixes=st.lists(promo_code_suffixes(max_size=16), min_size=2, max_size=2), body_format=FORMATS)
    def start_with_codes(self, suffixes: list[str], body_format: str) -> None:
        """Each program gets fresh codes first (one repeated inside the request), so every step has codes of the
        machine's to name."""
        for kind, suffix in zip(KINDS, suffixes, strict=True):
            program = self.program(kind)
            codes = [self.code(program, ("fresh", suffix))] * 2
            self.send("import", {"loyalty_id": program, "codes": codes}, body_format, 0)
            self.mine[program].append(codes[0])
            self.driver.get(program, codes[0])

    @rule(
        kind=st.sampled_from([*KINDS, "unknown"]),
        picks=st.lists(
            st.one_of(
                st.tuples(st.just("fresh"), promo_code_suffixes(max_size=16)),
                st.tuples(st.just("held"), st.integers(0, 63).map(str)),
                st.tuples(st.just("repeat"), st.integers(0, 7).map(str)),
                VARIANT,
            ),
            min_size=1,
            max_size=5,
        ),
        body_format=FORMATS,
        response_format=FORMATS,
        token=st.integers(0, 2),
        pick=st.integers(0, 63),
    )
    def import_codes(
        self, kind: str, picks: list[tuple[str, str]], body_format: str, response_format: str, token: int, pick: int
    ) -> None:
        program = self.program(kind)
        codes: list[str] = []
        for what, value in picks:
            if what == "repeat" and codes:
                codes.append(codes[int(value) % len(codes)])
            else:
                codes.append(self.code(program, (what if what != "repeat" else "fresh", value), creates=True))
        body: dict[str, Any] = {"loyalty_id": program, "codes": codes}
        if response_format == "xml":
            body["format"] = "xml"
        self.send("import", body, body_format, token)
        if program in self.mine:
            self.mine[program] += [c for c in dict.fromkeys(codes) if c not in self.mine[program]]
        self.look(program, codes)
        self.frame(program, pick)

    @rule(kind=st.sampled_from([*KINDS, "exhausted", "unknown"]), choice=CODE_CHOICES, body_format=FORMATS)
    def get_code(self, kind: str, choice: tuple[str, str], body_format: str) -> None:
        if kind == "exhausted" and self.exhausted is None:
            return
        program = self.program(kind)
        self.send("get", {"loyalty_id": program, "code": self.code(program, choice)}, body_format, self.sent)
        self.sent += 1

    @rule(kind=st.sampled_from(["exhausted", "unknown"]), body_format=FORMATS, response_format=FORMATS)
    def export_all(self, kind: str, body_format: str, response_format: str) -> None:
        if kind == "exhausted" and self.exhausted is None:
            return
        body: dict[str, Any] = {"loyalty_id": self.program(kind)}
        if response_format == "xml":
            body["format"] = "xml"
        self.send("export_all", body, body_format, self.sent)
        self.sent += 1

    @rule(kind=st.sampled_from([*KINDS, "unknown"]), choice=CODE_CHOICES, body_format=FORMATS, pick=st.integers(0, 63))
    def activate(self, kind: str, choice: tuple[str, str], body_format: str, pick: int) -> None:
        program = self.program(kind)
        code = self.code(program, choice)
        self.send("activate", {"loyalty_id": program, "code": code}, body_format, pick)
        self.look(program, [code])

    @rule(
        kind=st.sampled_from([*KINDS, "unknown"]),
        choice=CODE_CHOICES,
        activated=st.sampled_from([None, True, False]),
        expiry=st.one_of(st.sampled_from([None, "past", "now"]), expire_dates()),
        body_format=FORMATS,
        pick=st.integers(0, 63),
    )
    def update(
        self,
        kind: str,
        choice: tuple[str, str],
        activated: bool | None,
        expiry: str | None,
        body_format: str,
        pick: int,
    ) -> None:
        program = self.program(kind)
        code = self.code(program, choice)
        body: dict[str, Any] = {"loyalty_id": program, "code": code}
        if activated is not None:
            body["activated"] = activated
        if expiry in ("past", "now"):  # is_expired at and around the boundary; undone at teardown
            shift = timedelta(days=-3) if expiry == "past" else timedelta(seconds=1)
            expiry = rfc3339(datetime.now(UTC) + shift)
            self.expired.add((program, code))
        if expiry is not None:
            body["expire_date"] = expiry
        self.send("update", body, body_format, pick)
        self.look(program, [code])

    @rule(kind=st.sampled_from(KINDS), choice=HELD, body_format=FORMATS)
    def expire(self, kind: str, choice: tuple[str, str], body_format: str) -> None:
        """A code of the machine's expires: get's is_expired must say so (update's "now" tries the boundary)."""
        self.update(kind, choice, None, "past", body_format, 0)

    @rule(
        kind=st.sampled_from([*KINDS, "exhausted", "unknown"]),
        choice=st.one_of(st.none(), CODE_CHOICES),
        who=st.integers(-2, 9),
        mode=matching_modes(with_default=True),
        body_format=FORMATS,
        response_format=FORMATS,
        pick=st.integers(0, 63),
    )
    def attach(
        self,
        kind: str,
        choice: tuple[str, str] | None,
        who: int,
        mode: str,
        body_format: str,
        response_format: str,
        pick: int,
    ) -> None:
        if kind == "exhausted" and (self.exhausted is None or (choice is not None and choice[0] != "held")):
            return  # the exhausted program is never sent a new code, nor a spelling a server may take for one
        program = self.program(kind)
        if choice is None and program in self.mine and not self.may_draw(program):
            return
        code = self.code(program, choice, creates=True) if choice is not None else None
        body = self.profile_body(program, who, mode, code)
        if response_format == "xml":
            body["format"] = "xml"
        if code is not None:
            self.send("attach", body, body_format, pick)
            self.look(program, [code])
        else:
            self.draw(program, body, body_format, pick)
        self.frame(program, pick)

    @rule(
        kind=st.sampled_from([*KINDS, "unknown"]),
        choice=st.one_of(st.none(), CODE_CHOICES),
        who=st.integers(-2, 9),
        mode=matching_modes(with_default=True),
        body_format=FORMATS,
        pick=st.integers(0, 63),
    )
    def detach(
        self, kind: str, choice: tuple[str, str] | None, who: int, mode: str, body_format: str, pick: int
    ) -> None:
        program = self.program(kind)
        code = self.code(program, choice) if choice is not None else None
        self.send("detach", self.profile_body(program, who, mode, code), body_format, pick)
        self.look(program, [code] if code else [])

    @rule(
        op=st.sampled_from(["import", "get", "activate", "update", "attach", "detach", "export_all"]),
        token=st.sampled_from(["wrong", "missing"]),
        bearer=st.sampled_from([None, "valid", "wrong"]),
    )
    def unauthorised(self, op: str, token: str, bearer: str | None) -> None:
        """A token in neither place, or a wrong one: refused, nothing changes (and with a valid header: served)."""
        program = self.suite.target.personal
        code = self.code(program, ("fresh", "t"))
        body: dict[str, Any] = {"loyalty_id": program}
        if op == "import":
            body["codes"] = [code]
        elif op in ("attach", "detach"):
            body = attach_body(self.suite.target, program, self.suite.target.profiles[0], code=code, mode="profile_id")
        elif op != "export_all":
            body["code"] = code
            if op == "update":
                body["expire_date"] = FAR_FUTURE
        if not self.suite.spec.bearer_auth:
            bearer = None
        self.driver.send(op, body, token=None if token == "missing" else "wrong", bearer=bearer)
        if op != "export_all":
            self.look(program, [code])

    # pool draws ------------------------------------------------------------------------------------------------
    def may_draw(self, program: int) -> bool:
        """A draw from a big program costs two exports: at most the profile's ``draws`` per test."""
        if program == self.exhausted:
            return True
        if self.shared["draws"] >= self.suite.budget("draws"):
            return False
        self.shared["draws"] += 1
        return True

    def draw(self, program: int, body: dict[str, Any], body_format: str, pick: int) -> None:
        """attach without a code, with the workers' lock held alone (a draw may take another worker's free code):
        export_all before it where the model does not know every code (then which one the draw takes is decidable)
        and after. With other workers, who change the personal and universal programs between draws, the model then
        tracks only this machine's codes there, and learns the rest again at the next draw."""
        with self.suite.lock.alone():
            if program not in (self.exhausted, UNKNOWN_PROGRAM) and not self.known_whole(program):
                self.driver.export(program)
            before = self.attached_codes(program)
            self.send("attach", body, body_format, pick)
            if program == UNKNOWN_PROGRAM:
                return
            self.driver.export(program)
            taken = self.attached_codes(program) - before
            self.suite.taken.add((program, code) for code in taken)  # other workers' frame checks ignore them
            self.drawn |= {(program, code) for code in taken}
        if program != self.exhausted and self.suite.shared:
            self.driver.track_only(program, self.tracked)

    def known_whole(self, program: int) -> bool:
        """Whether the model knows every code of ``program`` (an export_all it judged, nothing forgotten since)."""
        found = self.driver.worlds[0].program(program)
        return found is not None and found.complete

    def tracked(self, program: int, code: str) -> bool:
        """Whether the model keeps ``code`` of ``program`` between draws: this machine's own names and its draws."""
        return code.startswith(self.suite.names.prefix) or (program, code) in self.drawn

    def attached_codes(self, program: int) -> set[str]:
        found = self.driver.worlds[0].program(program)
        return {c.code for c in found.codes.values() if c.holders} if found is not None else set()

    def profile_body(self, program: int, who: int, mode: str, code: str | None) -> dict[str, Any]:
        """attach/detach's body: a target profile by ``mode``, or (who < 0) an unknown profile or database."""
        target = self.suite.target
        profile = target.profiles[max(who, 0) % len(target.profiles)]
        body = attach_body(target, program, profile, code=code, mode=mode)
        if who == -1:  # identifiers no profile has
            key = {"default": "email", "custom": "field_value"}.get(mode, mode)
            body[key] = f"nobody-{self.suite.names.prefix}@example.com" if key == "email" else f"nobody-{key}"
        elif who == -2:
            body["db_id"] = UNKNOWN_DB
        return body

    def teardown(self) -> None:
        """Codes this machine expired get a future expiry date again: an expired code's behaviour is undocumented,
        and free codes are reused by later tests and runs. The report records the readings of code identity the
        example's answers left."""
        left = decided(self.driver.worlds)
        self.suite.report.identity_seen("model state machine", left)
        if left:
            self.readings.append(left)
        for program, code in sorted(self.expired):
            self.suite.client.call("update", {"loyalty_id": program, "code": code, "expire_date": FAR_FUTURE})


@pytest.mark.pool_draws(steps=True)  # shared; alone around each draw (ModelMachine.draw)
@pytest.mark.oracles("[model]")
def test_model_state_machine(suite: Suite) -> None:
    """Every answer and every read after it is an outcome the model of the documented API allows."""
    failures: list[ContractViolation] = []
    readings: list[tuple[str, ...]] = []
    bound = type(
        "ModelMachineOfThisRun",
        (ModelMachine,),
        {
            "suite": suite,
            "model": Model(suite.spec),
            "shared": {"draws": 0},
            "failures": failures,
            "readings": readings,
        },
    )
    run_judged(
        bound,
        settings(
            settings.default,
            max_examples=suite.budget("model"),
            stateful_step_count=suite.budget("model_steps"),
            # a failure shrinks to a minimal history (its requests are printed numbered); passing runs never shrink
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        ),
        failures,
    )
    # one server, one reading: runs that each fit some reading must fit a common one
    if readings and not set.intersection(*(set(r) for r in readings)):
        raise ContractViolation(
            "[model identity] the runs of this test fit readings of code identity no one reading shares "
            "(x-code-identity: one reading per server): " + "; ".join(sorted({", ".join(r) for r in readings}))
        )
