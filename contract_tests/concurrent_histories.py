"""Concurrent histories: random commands of K clients sent at once, each call timed from invocation to answer.

A history is written before it is sent (``plan``: per client, its commands, from a seeded ``random.Random``, so a
seed names the same commands again; how the server interleaves them is its own business) and then sent by one
thread per client, released together by a barrier (``record``). Each answered call becomes a
``linearizability.Timed`` record of the model's ``Call``: the checker (``contract_tests/model/linearizability``)
then looks for an order of the calls that keeps their real-time order and that the model explains.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from typing import Any

from contract_tests.actions import attach_body
from contract_tests.model import Call, Stopwatch
from contract_tests.model.linearizability import Timed
from contract_tests.suite import Suite
from contract_tests.target import Profile
from contract_tests.wire import Exchange

MODES = ("profile_id", "email", "phone", "custom")
FORMATS = ("json", "xml")
# how often each command is drawn: the state-changing paths the model judges, and reads in between
WEIGHTS = {"attach": 4, "detach": 4, "import": 2, "activate": 1, "update": 2, "get": 2}
LATER_DRAW = 0.25  # in a history with draws, how often a command after the first is a draw too


@dataclass(frozen=True)
class Command:
    """One request a client of the history sends."""

    client: int
    op: str
    body: dict[str, Any]
    body_format: str

    def label(self, error: int | None) -> str:
        """The request as a failure lists it (the token is never in ``body``) and the answer's error."""
        shown = json.dumps(self.body, ensure_ascii=False, sort_keys=True)
        if self.client < 0:
            return f"read after the history: {self.op} {self.body_format} {shown} -> error {error}"
        return f"client {self.client}: {self.op} {self.body_format} {shown} -> error {error}"


@dataclass
class Recorded:
    """A history as sent: each call with the command it came from and the exchange it got."""

    calls: list[Timed[Call]]
    commands: dict[int, Command]  # id(call) -> its command
    exchanges: dict[int, Exchange]  # id(call) -> its exchange

    def label(self, call: Call) -> str:
        """A call as a failure lists it."""
        return self.commands[id(call)].label(call.error)


def plan(
    rng: random.Random,
    suite: Suite,
    program: int,
    codes: list[str],
    fresh: str,
    *,
    clients: int,
    length: int,
    draws: bool,
) -> list[list[Command]]:
    """``clients`` lists of ``length`` commands on ``codes`` of ``program`` (attach and detach of the same code,
    activate and update, get), imports of ``fresh`` by several clients; with ``draws`` each client draws first (all
    at once, whatever the machine's load) and now and then later too."""
    target = suite.target
    ops = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    plans: list[list[Command]] = []
    for client in range(clients):
        profile: Profile = target.profiles[client % len(target.profiles)]
        commands = []
        for index in range(length):
            # with draws, every client draws first: released together, the draws overlap whatever the machine's load
            later = draws and index > 0 and rng.random() < LATER_DRAW
            op = "draw" if draws and (index == 0 or later) else rng.choices(ops, weights)[0]
            code = rng.choice([*codes, fresh] if op in ("attach", "import") else codes)
            body: dict[str, Any]
            if op in ("attach", "detach", "draw"):
                body = attach_body(
                    target, program, profile, code=None if op == "draw" else code, mode=rng.choice(MODES)
                )
            elif op == "import":
                body = {"loyalty_id": program, "codes": [code]}
            elif op == "update":
                body = {"loyalty_id": program, "code": code, "activated": rng.random() < 0.5}
            else:
                body = {"loyalty_id": program, "code": code}
            if op != "get" and rng.random() < 0.25:
                body["format"] = "xml"
            commands.append(Command(client, "attach" if op == "draw" else op, body, rng.choice(FORMATS)))
        plans.append(commands)
    return plans


def send(suite: Suite, command: Command, recorded: Recorded) -> Timed[Call]:
    """Send one command, timed; the call it makes."""
    with Stopwatch() as watch:
        exchange = suite.client.call(command.op, command.body, body_format=command.body_format)
    response_format = command.body.get("format", "json")
    call = watch.call(
        command.op,
        dict(command.body),
        exchange.envelope,
        status=exchange.status,
        body_format=command.body_format,
        response_format=response_format if isinstance(response_format, str) else "json",
        api_version=suite.target.api_version,
    )
    recorded.commands[id(call)] = command
    recorded.exchanges[id(call)] = exchange
    return Timed(call, call.invoked, call.returned)


def record(suite: Suite, plans: list[list[Command]]) -> Recorded:
    """Send every client's commands in order, the clients at once (one thread each, released by a barrier)."""
    recorded = Recorded([], {}, {})
    barrier = threading.Barrier(len(plans))
    timed: list[list[Timed[Call]]] = [[] for _ in plans]
    failures: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()  # no timeout: every thread reaches it right after it starts, however slowly
        try:
            for command in plans[index]:
                timed[index].append(send(suite, command, recorded))
        except BaseException as exc:  # a tool error (transport, budget): re-raised in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"history-client-{i}") for i in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # each ends when its requests are answered or fail (the client's own timeout)
    if failures:
        raise failures[0]
    recorded.calls = sorted((t for calls in timed for t in calls), key=lambda t: t.invoked)
    return recorded
