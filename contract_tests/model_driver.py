"""Drives the model (contract_tests/model) alongside a server: each request and each read goes through
``Model.step`` on every world still allowed; when none is left, a ``[model <op>]`` failure prints the numbered
history of requests that led there (the shrunk one, under Hypothesis) and why the last answer is not allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract_tests.model import Call, Model, Stopwatch, World, forget, initial_world, with_absent
from contract_tests.suite import Suite
from contract_tests.wire import Exchange
from contract_tests.world import ContractViolation, export_program

MAX_WORLDS = 64  # branches kept at once: beyond it the oldest are dropped (a read prunes them long before)


@dataclass
class Sent:
    """One request of the history, as the failure message numbers it."""

    op: str
    body: dict[str, Any]
    body_format: str
    token: str | None
    bearer: str | None
    error: int | None
    read: bool  # a read the driver made to look at the state (get, export_all), not a step of the machine

    def line(self) -> str:
        where = ""
        if self.bearer is not None or self.token != "valid":
            where = f" token={self.token or 'none'} bearer={self.bearer or 'none'}"
        shown = json.dumps(self.body, ensure_ascii=False, sort_keys=True)
        return f"{'  (read) ' if self.read else ''}{self.op} {self.body_format}{where} {shown} -> error {self.error}"


@dataclass
class ModelDriver:
    """The worlds the model still allows, the requests sent so far, and the suite's client to send more."""

    suite: Suite
    model: Model
    worlds: tuple[World, ...] = ()
    history: list[Sent] = field(default_factory=list)
    failures: list[ContractViolation] = field(default_factory=list)  # every violation raised, in order

    @classmethod
    def start(
        cls,
        suite: Suite,
        model: Model,
        *,
        complete: tuple[int, ...] = (),
        failures: list[ContractViolation] | None = None,
    ) -> ModelDriver:
        """A driver whose first world is the target file plus export_all of ``complete`` (holders and expiry dates
        the listing does not show are learned from the first get of each code); ``failures`` collects the
        violations it raises (shared by the drivers of one test: ``contract_tests.replays``)."""
        listings = {p: export_program(suite.client, p) for p in complete}
        found = failures if failures is not None else []
        return cls(suite, model, (initial_world(suite.target, listings=listings),), failures=found)

    def fresh(self, program: int, codes: list[str]) -> None:
        """Tell the model that ``codes`` (names of this run's fresh prefix) are not held by ``program``."""
        self.worlds = tuple(with_absent(w, program, codes) for w in self.worlds)

    def track_only(self, program: int, keep: Callable[[int, str], bool]) -> None:
        """Stop tracking the codes of ``program`` that ``keep`` rejects (other workers may change them meanwhile):
        the program is no longer complete, and its next export_all teaches the model those codes again."""
        worlds = []
        for world in self.worlds:
            found = world.program(program)
            gone = [] if found is None else [c for c in found.codes.names() if not keep(program, c)]
            worlds.append(forget(world, program, gone))
        self.worlds = tuple(dict.fromkeys(worlds))

    def send(
        self,
        op: str,
        body: dict[str, Any],
        *,
        body_format: str = "json",
        token: str | None = "valid",
        bearer: str | None = None,
        read: bool = False,
    ) -> Exchange:
        """Send one request, then keep the worlds the model allows after its answer; fail when none is left."""
        with Stopwatch() as watch:
            exchange = self.suite.client.call(op, body, body_format=body_format, token=token, bearer=bearer)
        response_format = body.get("format", "json")
        call = watch.call(
            op,
            dict(body),
            exchange.envelope,
            status=exchange.status,
            body_format=body_format,
            response_format=response_format if isinstance(response_format, str) else "json",
            api_version=self.suite.target.api_version,
            token=token,
            bearer=bearer,
        )
        self.history.append(Sent(op, dict(body), body_format, token, bearer, exchange.error, read))
        if exchange.envelope is None:
            self.fail(call, f"[model {op}] the answer is not the API envelope ({exchange.decode_error})", exchange)
        allowed: dict[World, None] = {}
        for world in self.worlds:
            for after in self.model.step(world, call):
                allowed.setdefault(after, None)
        if not allowed:
            self.fail(call, self.why(call), exchange)
        self.worlds = tuple(allowed)[-MAX_WORLDS:]
        return exchange

    def why(self, call: Call) -> str:
        """Why no world allows ``call``'s answer: the first world's reasons, and those of each other reading of code
        identity the worlds still held."""
        reasons: dict[str | None, str] = {}
        for world in self.worlds:
            if world.identity not in reasons:
                reasons[world.identity] = self.model.explain(world, call)
        first, *others = reasons.values()
        return first + "".join(f"\n  or: {other.split('] ', 1)[-1]}" for other in others[:3])

    def get(self, program: int, code: str) -> Exchange:
        """A read of one code (judged like any answer)."""
        return self.send("get", {"loyalty_id": program, "code": code}, read=True)

    def export(self, program: int) -> Exchange:
        """A read of a whole program (judged like any answer)."""
        return self.send("export_all", {"loyalty_id": program}, read=True)

    def fail(self, call: Call, why: str, exchange: Exchange) -> None:
        steps = "\n".join(f"  {n}. {s.line()}" for n, s in enumerate(self.history, 1))
        violation = ContractViolation(
            f"{why}\nrequests of this history (numbered; the last one's answer is not allowed):\n{steps}\n"
            f"the last exchange:\n{self.suite.client.describe(exchange)}\n"
            f"worlds the model allowed before it: {len(self.worlds)}"
        )
        self.failures.append(violation)
        raise violation
