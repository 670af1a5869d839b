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
    decided: bool = True  # False: the search stopped at its ``limit`` of states without finding an order


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


def search(
    calls: Sequence[Timed[C]], initial: S, step: Callable[[S, C], tuple[S, ...]], *, limit: int | None = None
) -> Search[C]:
    """Look for an order of ``calls`` the model explains from ``initial`` (one part, no partitioning).

    ``limit``: give up, undecided, after exploring that many states (a count, never a time: the same history gets
    the same answer on a busy machine).
    """
    ops = sorted(calls, key=lambda op: op.invoked)  # candidates are tried in invocation order
    invoked = [op.invoked for op in ops]
    returned = [op.returned if op.returned is not None else math.inf for op in ops]
    required = sum(1 << i for i, op in enumerate(ops) if op.answered)
    seen: set[tuple[int, S]] = {(0, initial)}
    # depth first; a path is a cons list (index, rest) so that sibling branches share their prefix
    stack: list[tuple[int, S, tuple[int, object] | None]] = [(0, initial, None)]
    while stack:
        if limit is not None and len(seen) > limit:
            return Search(tuple(calls), False, (), len(seen), decided=False)
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
    reads: Callable[[C], bool] = lambda call: False,
    limit: int | None = None,
) -> tuple[Timed[C], ...]:
    """Shrink an unexplained history to the answered calls that could not be left out, in invocation order.

    First the shortest unexplained prefix: the calls answered by some moment, the calls still open then kept
    without their answers (what came later cannot explain what was answered before it; a call still open may
    have taken effect). Then each call is left out in turn (once, latest first) where the rest stays unexplained.
    With ``forget``
    (a call -> the same call with no answer, which the model's step reads as "any outcome the operation may
    have"), a call is left out by forgetting its answer: it stays in the history as a call that may have taken
    effect at any time after its invocation, or not at all, so the result never blames calls for the absence of
    one left out; ``reads`` (calls that change nothing) are dropped outright, which is the same and cheaper.
    Without ``forget`` calls are dropped outright: the result is unexplained on its own, which can be for want
    of a dropped call's effect. ``limit`` bounds each trial's search (``search``): a trial it leaves undecided
    keeps its call, so the result may keep more calls than needed, never fewer.
    """
    current = _prefix(sorted(calls, key=lambda op: op.invoked), initial, step, forget)
    if forget is None:
        current = _leave_out(current, initial, step, lambda op: None, limit)
    else:
        unanswered = forget
        # reads first, dropped outright (cheap, and each one gone makes every later trial smaller); then the rest,
        # each forgotten in turn
        current = _leave_out(current, initial, step, lambda op: None if reads(op.call) else op, limit)
        current = _leave_out(
            current,
            initial,
            step,
            lambda op: op if reads(op.call) else replace(op, call=unanswered(op.call), returned=None),
            limit,
        )
    return tuple(op for op in current if op.answered)


def _leave_out(
    current: list[Timed[C]],
    initial: S,
    step: Callable[[S, C], tuple[S, ...]],
    instead: Callable[[Timed[C]], Timed[C] | None],
    limit: int | None,
) -> list[Timed[C]]:
    """Try each answered call once, latest first: replace it by ``instead(call)`` (None: drop it) and keep the
    change when the history stays unexplained (decided within ``limit``)."""
    for op in sorted((op for op in current if op.answered), key=lambda op: op.invoked, reverse=True):
        other = instead(op)
        if other is op:
            continue
        index = current.index(op)
        candidate = current[:index] + ([other] if other is not None else []) + current[index + 1 :]
        trial = search(candidate, initial, step, limit=limit)
        if trial.decided and not trial.linearizable:
            current = candidate
    return current


def _prefix(
    ops: list[Timed[C]], initial: S, step: Callable[[S, C], tuple[S, ...]], forget: Callable[[C], C] | None
) -> list[Timed[C]]:
    """The shortest unexplained prefix of ``ops`` (by invocation): the calls answered by a moment, those open then
    without their answers (dropped when there is no ``forget``). Unexplained prefixes only grow: bisect."""

    def cut(moment: float) -> list[Timed[C]]:
        kept: list[Timed[C]] = []
        for op in ops:
            if (op.returned is not None and op.returned <= moment) or (op.invoked <= moment and not op.answered):
                kept.append(op)
            elif op.invoked <= moment and forget is not None:
                kept.append(replace(op, call=forget(op.call), returned=None))
        return kept

    moments = sorted(op.returned for op in ops if op.returned is not None)
    if not moments or search(cut(moments[-1]), initial, step).linearizable:
        raise ValueError("minimise needs a history no order explains")
    low, high = 0, len(moments) - 1  # cut(moments[high]) is unexplained
    while low < high:
        middle = (low + high) // 2
        if search(cut(moments[middle]), initial, step).linearizable:
            low = middle + 1
        else:
            high = middle
    return cut(moments[high])


def describe(calls: Sequence[Timed[C]], label: Callable[[C], str], *, origin: float | None = None) -> str:
    """The calls numbered in invocation order, each with its invoke and return times (seconds after ``origin``)."""
    ops = sorted(calls, key=lambda op: op.invoked)
    start = origin if origin is not None else min((op.invoked for op in ops), default=0.0)
    lines = []
    for number, op in enumerate(ops, 1):
        returned = f"{op.returned - start:8.4f}" if op.returned is not None else "   (none)"
        lines.append(f"  {number:>2}. invoked {op.invoked - start:8.4f} s, returned {returned} s: {label(op.call)}")
    return "\n".join(lines)
