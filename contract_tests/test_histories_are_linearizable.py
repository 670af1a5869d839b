"""Concurrent histories checked for linearizability against the model of the documented API (issue 18).

K clients (threads) send random commands at once on a handful of this run's codes: attach and detach of the same
code by several profiles, imports of one new code by several clients, activate and update, get in between, and,
in every other history, pool draws (attach without a code) in the personal program. Each call is timed from
invocation to answer; afterwards get reads every code the history touched. Whatever the interleaving, a faithful
server's history has an order of its calls that keeps their real-time order and that the model
(``contract_tests.model``) explains answer by answer, the reads at the end included; the checker
(``contract_tests.model.linearizability``) looks for one. A history without one fails ``[linearizability]`` with
the fewest calls no order explains, numbered with their invoke and return times.

Cost, independent of program size: a history without draws reads its codes with get before and after; one with
draws also exports the personal program before and after (which codes did the draws take?) and the model
tracks only the codes that changed, the ones named, and one free code that did not change.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from contract_tests import actions
from contract_tests.concurrent_histories import Command, Recorded, plan, record, send
from contract_tests.model import Call, Model, World, initial_world, with_absent
from contract_tests.model.linearizability import Timed, check, describe, minimise
from contract_tests.rule_setup import free_code
from contract_tests.suite import Suite
from contract_tests.world import ContractViolation, Entry, export_program

MINIMISE_LIMIT = 1000  # states per trial of the minimisation: a trial left undecided keeps its call


def reads(call: Call) -> bool:
    """Whether ``call`` only reads (dropping it is the same as forgetting its answer)."""
    return call.op in ("get", "export_all")


def forget(call: Call) -> Call:
    """``call`` with its answer unknown: the model allows every outcome of it, or none."""
    return replace(call, envelope=None, status=None)


def subject(call: Call) -> object:
    """The code a call names (import names one): calls on different codes touch disjoint state."""
    body = call.body
    codes = body.get("codes") if isinstance(body, dict) else None
    return codes[0] if isinstance(codes, list) and codes else body.get("code") if isinstance(body, dict) else None


class History:
    """One concurrent history: its codes, the model's first world, the calls sent and the reads after them."""

    def __init__(self, suite: Suite, number: int, *, draws: bool) -> None:
        self.suite, self.number, self.draws = suite, number, draws
        target = suite.target
        self.program = target.universal if number % 4 == 1 else target.personal
        prefix = suite.names.next_prefix()
        self.codes = [free_code(suite, self.program, f"{prefix}lin{number}c{i}") for i in range(2)]
        self.fresh = f"{prefix}lin{number}new"
        self.seed = f"{suite.run.seed if suite.run else ''}:{number}"

    def run(self, model: Model) -> tuple[int, int, float]:
        """Send the history and judge it; (calls, states searched, seconds the checker took)."""
        suite, client, program = self.suite, self.suite.client, self.program
        gets = {(program, code): client.call("get", {"loyalty_id": program, "code": code}).data for code in self.codes}
        before = export_program(client, program) if self.draws else None
        plans = plan(
            random.Random(self.seed),
            suite,
            program,
            self.codes,
            self.fresh,
            clients=suite.budget("lin_clients"),
            # a history with draws is one part (a draw may take any free code): shorter, so its search stays small
            length=max(2, suite.budget("lin_calls") // 2) if self.draws else suite.budget("lin_calls"),
            draws=self.draws,
        )
        recorded = record(suite, plans)
        universe = [*self.codes, self.fresh]
        listings: dict[int, dict[str, Entry]] = {}
        if before is not None:
            after = export_program(client, program)
            changed = [c for c in after if before.get(c) != after[c] and c not in universe]
            suite.taken.add((program, c) for c in changed if not c.startswith(suite.names.prefix))  # cleanup's
            # one free code nobody touched: the pool is not empty, so a draw in the model cannot create a code
            witness = next(
                (c for c, e in before.items() if e.is_free and after.get(c) == e and c not in universe), None
            )
            universe += changed + ([witness] if witness else [])
            if witness is not None:
                # Only the history's calls changed the program (it holds the run's lock alone) and none names a
                # code outside ``universe``: every other code is the same before and after, untouched, so the model
                # may take the program as these codes alone (complete), and a draw must have taken one of them. The
                # witness, free throughout (nobody named it), keeps the pool from looking empty. Without one the
                # program stays incomplete: a draw may have taken a code the model does not track.
                listings[program] = {c: before[c] for c in universe if c in before}
        world: World = initial_world(suite.target, listings=listings, gets=gets)
        world = with_absent(world, program, [self.fresh])
        for code in universe:  # the reads after the history: they tell which outcome each call had
            recorded.calls.append(send_read(suite, recorded, program, code))
            data = recorded.exchanges[id(recorded.calls[-1].call)].data
            if isinstance(data, dict) and data.get("profile_id"):
                suite.holders[(program, code)] = str(data["profile_id"])  # cleanup detaches it from its holder
        if before is not None:
            self.give_back([c for c in universe if c not in before or before[c].is_free])
        return self.judge(model, world, recorded)

    def give_back(self, codes: list[str]) -> None:
        """Detach what the history's draws and attaches took, so the pool stays full for the next history (not
        judged: cleanup would do it at the end of the run anyway)."""
        target = self.suite.target
        for code in codes:
            holder = self.suite.holders.get((self.program, code))
            profile = next((p for p in target.profiles if p.profile_id == holder), None)
            if profile is not None:
                actions.detach(self.suite.client, target, self.program, code, profile)

    def judge(self, model: Model, world: World, recorded: Recorded) -> tuple[int, int, float]:
        """Look for an order the model explains (per code, without draws); fail with the fewest calls when none."""
        started = time.perf_counter()
        verdict = check(recorded.calls, world, model.step, partition=None if self.draws else subject)
        seconds = time.perf_counter() - started
        failed = verdict.unexplained
        if failed is None:
            return len(recorded.calls), verdict.states, seconds
        least = minimise(failed.calls, world, model.step, forget=forget, reads=reads, limit=MINIMISE_LIMIT)
        origin = min(t.invoked for t in recorded.calls)
        clients = len({c.client for c in recorded.commands.values() if c.client >= 0})
        exchanges = "\n".join(self.suite.client.describe(recorded.exchanges[id(t.call)]) for t in least)
        raise ContractViolation(
            f"[linearizability] concurrent history {self.number} (program {self.program}, "
            f"{len(recorded.calls)} calls of {clients} clients): no "
            f"order of these {len(least)} calls is explained by the model of the documented API, even if every "
            f"other call of the history took effect at any time after its invocation, or not at all (calls whose "
            f"answer could not be left out within {MINIMISE_LIMIT} states of search each are kept) "
            f"(seconds after the history's first invocation):\n{describe(least, recorded.label, origin=origin)}\n"
            f"searched {verdict.states} (linearized calls, model state) pairs in {seconds:.2f} s; the history's "
            f"commands are drawn from seed {self.seed!r} (the interleaving is the server's)\n{exchanges}"
        )


def send_read(suite: Suite, recorded: Recorded, program: int, code: str) -> Timed[Call]:
    """A get of ``code`` after the history: the model must explain its answer too."""
    return send(suite, Command(-1, "get", {"loyalty_id": program, "code": code}, "json"), recorded)


@pytest.mark.pool_draws
@pytest.mark.oracles("[linearizability]")
def test_histories_are_linearizable(suite: Suite) -> None:
    """Every concurrent history has an order of its calls, real-time order kept, that the model explains."""
    model = Model(suite.spec)
    calls, states, seconds = [], [], []
    for number in range(suite.budget("lin_histories")):
        sent, searched, took = History(suite, number, draws=number % 2 == 0).run(model)
        calls.append(sent)
        states.append(searched)
        seconds.append(took)
    if not calls:
        return
    suite.report.notes.append(
        f"linearizability: {len(calls)} concurrent histories of {suite.budget('lin_clients')} clients, "
        f"{min(calls)}-{max(calls)} calls each (reads after them included), each linearizable; the checker "
        f"searched {max(states)} (linearized calls, model state) pairs at most, in {max(seconds):.3f} s at most"
    )
