"""Is a concurrent history linearizable against a model? A Wing-and-Gong search with Lowe's memo, P-compositional.

A history is calls with the times their client invoked them and got their answers (``Timed``); a model is an
initial state and ``step(state, call)``: every state the model allows after ``call`` given the answer the call got
(an empty tuple: no state explains that answer). The history is linearizable when some total order of its calls
keeps the real-time order (a call that returned before another was invoked comes first) and the model explains
every answer along it from the initial state (Herlihy and Wing). A call without an answer (``returned`` None: the
client never learnt what happened) may take effect at any time after its invocation, or never.

The search is Wing and Gong's: extend a linearized prefix by any call that no other unlinearized call precedes in
real time, backtrack when the model has no state left. As in Lowe's checker and Porcupine, every (linearized set,
model state) pair is explored once: two prefixes that linearized the same calls and reached the same state have the
same futures. ``partition`` splits a history into parts whose calls touch disjoint state (P-compositionality:
a history is linearizable when each part is, Horn and Kroening), each checked alone. ``minimise`` shrinks an
unexplained part to calls none of which can be left out, so a failure shows the few calls that contradict each
other. Nothing here knows the API: ``contract_tests.model`` gives the states and the step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

C = TypeVar("C")  # a call: whatever the model's step reads
S = TypeVar("S", bound=Hashable)  # a model state: hashable, immutable


@dataclass(frozen=True)
class Timed(Generic[C]):
    """One call of a history: when its client invoked it and when the answer came back (None: never)."""

    call: C
    invoked: float
    returned: float | None

    def __post_init__(self) -> None:
        if self.returned is not None and self.returned < self.invoked:
            raise ValueError(f"a call cannot return ({self.returned}) before it was invoked ({self.invoked})")

    @property
    def answered(self) -> bool:
        """Whether the client got an answer (only answered calls must be explained)."""
        return self.returned is not None


@dataclass(frozen=True)
class Search(Generic[C]):
    """The outcome of checking one part: an order that explains it, or none."""

    calls: tuple[Timed[C], ...]
    linearizable: bool
    order: tuple[Timed[C], ...]  # a witness: the calls that took effect, in an order the model explains
    states: int  # (linearized set, model state) pairs explored


@dataclass(frozen=True)
class Verdict(Generic[C]):
    """The verdict on a whole history: every part's search; the first unexplained part, if any."""

    parts: tuple[Search[C], ...]

    @property
    def linearizable(self) -> bool:
        """Whether every part has an order the model explains."""
        return all(part.linearizable for part in self.parts)

    @property
    def unexplained(self) -> Search[C] | None:
        """The first part no order explains (None when the history is linearizable)."""
        return next((part for part in self.parts if not part.linearizable), None)

    @property
    def states(self) -> int:
        """(linearized set, model state) pairs explored over all parts."""
        return sum(part.states for part in self.parts)


def search(calls: Sequence[Timed[C]], initial: S, step: Callable[[S, C], tuple[S, ...]]) -> Search[C]:
    """Look for an order of ``calls`` the model explains from ``initial`` (one part, no partitioning)."""
    ops = sorted(calls, key=lambda op: op.invoked)  # candidates are tried in invocation order
    invoked = [op.invoked for op in ops]
    returned = [op.returned if op.returned is not None else math.inf for op in ops]
    required = sum(1 << i for i, op in enumerate(ops) if op.answered)
    seen: set[tuple[int, S]] = {(0, initial)}
    # depth first; a path is a cons list (index, rest) so that sibling branches share their prefix
    stack: list[tuple[int, S, tuple[int, object] | None]] = [(0, initial, None)]
    while stack:
        done, state, path = stack.pop()
        if done & required == required:
            return Search(tuple(calls), True, _order(ops, path), len(seen))
        pending = [i for i in range(len(ops)) if not done >> i & 1]
        horizon = min(returned[i] for i in pending)  # no call invoked after this can come next
        for i in reversed([i for i in pending if invoked[i] <= horizon]):  # popped in invocation order
            for after in dict.fromkeys(step(state, ops[i].call)):
                key = (done | 1 << i, after)
                if key not in seen:
                    seen.add(key)
                    stack.append((done | 1 << i, after, (i, path)))
    return Search(tuple(calls), False, (), len(seen))


def _order(ops: list[Timed[C]], path: tuple[int, object] | None) -> tuple[Timed[C], ...]:
    indices: list[int] = []
    while path is not None:
        index, rest = path
        indices.append(index)
        path = rest  # type: ignore[assignment]  # the cons list's tail has the same shape
    return tuple(ops[i] for i in reversed(indices))


def check(
    calls: Sequence[Timed[C]],
    initial: S,
    step: Callable[[S, C], tuple[S, ...]],
    *,
    partition: Callable[[C], Hashable] | None = None,
) -> Verdict[C]:
    """Whether the history ``calls`` is linearizable; each part (calls with one ``partition`` key) searched alone.

    ``partition`` must put two calls in different parts only when they touch disjoint parts of the state, so that
    the order between them never changes what the model allows: then every part may start from ``initial``.
    """
    if partition is None:
        return Verdict((search(calls, initial, step),))
    parts: dict[Hashable, list[Timed[C]]] = {}
    for op in calls:
        parts.setdefault(partition(op.call), []).append(op)
    return Verdict(tuple(search(part, initial, step) for part in parts.values()))


def minimise(
    calls: Sequence[Timed[C]],
    initial: S,
    step: Callable[[S, C], tuple[S, ...]],
    *,
    forget: Callable[[C], C] | None = None,
) -> tuple[Timed[C], ...]:
    """Shrink an unexplained history to answered calls none of which can be left out, in invocation order.

    With ``forget`` (a call → the same call with no answer, which the model's step must read as "any outcome
    the operation may have"), a call is left out by forgetting its answer: it stays in the history as a call
    that may have taken effect at any time after its invocation, or not at all. What remains answered is then
    unexplained whatever the other calls did, so the result never blames calls for the absence of one that
    was left out. Without ``forget`` calls are dropped outright: the result is unexplained on its own, which
    can be for want of a dropped call's effect. Either way every single further leaving out explains it.
    """
    current = sorted(calls, key=lambda op: op.invoked)
    if search(current, initial, step).linearizable:
        raise ValueError("minimise needs a history no order explains")
    shrunk = True
    while shrunk:  # passes until none leaves a call out: 1-minimal
        shrunk = False
        index = 0
        while index < len(current):
            op = current[index]
            if op.answered:
                if forget is None:
                    candidate = current[:index] + current[index + 1 :]
                else:
                    unanswered = replace(op, call=forget(op.call), returned=None)
                    candidate = [*current[:index], unanswered, *current[index + 1 :]]
                if not search(candidate, initial, step).linearizable:
                    current = candidate
                    shrunk = True
                    if forget is None:
                        continue  # the next call moved to this index
            index += 1
    return tuple(op for op in current if op.answered)


def describe(calls: Sequence[Timed[C]], label: Callable[[C], str], *, origin: float | None = None) -> str:
    """The calls numbered in invocation order, each with its invoke and return times (seconds after ``origin``)."""
    ops = sorted(calls, key=lambda op: op.invoked)
    start = origin if origin is not None else min((op.invoked for op in ops), default=0.0)
    lines = []
    for number, op in enumerate(ops, 1):
        returned = f"{op.returned - start:8.4f}" if op.returned is not None else "   (none)"
        lines.append(f"  {number:>2}. invoked {op.invoked - start:8.4f} s, returned {returned} s: {label(op.call)}")
    return "\n".join(lines)
