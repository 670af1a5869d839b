"""The linearizability checker against toy models (a register, a counter, a pool of items, a set of keys), and the
plans of the concurrent histories it judges."""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from contract_tests.concurrent_histories import plan
from contract_tests.model.linearizability import Timed, check, describe, minimise, search
from contract_tests.target import parse_target


@dataclass(frozen=True)
class Op:
    """A toy call: an operation, its argument and the answer it got (None: no answer)."""

    name: str
    arg: object = None
    answer: object = None


def register(state: int, op: Op) -> tuple[int, ...]:
    """A register holding an int: write answers "ok", read answers the value."""
    if op.name == "write":
        assert isinstance(op.arg, int)
        return (op.arg,) if op.answer is None else (op.arg,) if op.answer == "ok" else ()
    if op.name == "read":
        return (state,) if op.answer in (None, state) else ()
    raise AssertionError(op.name)


def forget(op: Op) -> Op:
    return Op(op.name, op.arg, None)


def t(op: Op, invoked: float, returned: float | None) -> Timed[Op]:
    return Timed(op, invoked, returned)


def test_a_sequential_history_is_explained_in_its_own_order() -> None:
    history = [t(Op("write", 1, "ok"), 0, 1), t(Op("read", None, 1), 2, 3), t(Op("write", 2, "ok"), 4, 5)]
    verdict = check(history, 0, register)
    assert verdict.linearizable
    assert verdict.unexplained is None
    assert [op.call for op in verdict.parts[0].order] == [op.call for op in history]


def test_a_read_overlapping_a_write_may_see_either_value() -> None:
    for seen in (0, 1):
        history = [t(Op("write", 1, "ok"), 0, 10), t(Op("read", None, seen), 1, 2)]
        assert check(history, 0, register).linearizable


def test_a_read_overlapping_a_write_may_not_see_a_third_value() -> None:
    history = [t(Op("write", 1, "ok"), 0, 10), t(Op("read", None, 7), 1, 2)]
    assert not check(history, 0, register).linearizable


def test_a_stale_read_after_the_write_returned_is_not_linearizable() -> None:
    history = [t(Op("write", 1, "ok"), 0, 1), t(Op("read", None, 0), 2, 3)]
    verdict = check(history, 0, register)
    assert not verdict.linearizable
    assert verdict.unexplained is not None and verdict.unexplained.order == ()


def test_real_time_order_between_two_reads_binds() -> None:
    # Both reads overlap the write, so each alone may see old or new; but the second began after the first
    # returned the new value, so it cannot see the old one any more (new-old inversion).
    write = t(Op("write", 1, "ok"), 0, 10)
    assert check([write, t(Op("read", None, 1), 1, 2), t(Op("read", None, 1), 3, 4)], 0, register).linearizable
    assert check([write, t(Op("read", None, 0), 1, 2), t(Op("read", None, 1), 3, 4)], 0, register).linearizable
    assert not check([write, t(Op("read", None, 1), 1, 2), t(Op("read", None, 0), 3, 4)], 0, register).linearizable


def test_a_call_without_an_answer_may_take_effect_or_not() -> None:
    unanswered = t(Op("write", 1), 0, None)
    assert check([unanswered, t(Op("read", None, 1), 5, 6)], 0, register).linearizable
    assert check([unanswered, t(Op("read", None, 0), 5, 6)], 0, register).linearizable
    assert not check([unanswered, t(Op("read", None, 2), 5, 6)], 0, register).linearizable
    # once seen, its effect stays
    assert not check([unanswered, t(Op("read", None, 1), 5, 6), t(Op("read", None, 0), 7, 8)], 0, register).linearizable
    # it cannot take effect before it was invoked
    assert not check([t(Op("read", None, 1), 0, 1), t(Op("write", 1), 2, None)], 0, register).linearizable


def test_a_call_cannot_return_before_it_is_invoked() -> None:
    with pytest.raises(ValueError, match="before it was invoked"):
        Timed(Op("read"), 2.0, 1.0)


def counter(state: int, op: Op) -> tuple[int, ...]:
    """A counter: add answers "ok", get answers the value."""
    if op.name == "add":
        return (state + 1,)
    return (state,) if op.answer == state else ()


def test_the_memo_visits_each_set_of_linearized_calls_once() -> None:
    # 12 fully concurrent increments have 12! orders; the state after a set of them depends only on the set,
    # so the memoised search meets each of the 2**12 sets at most once (plus one node for the final read).
    adds = [t(Op("add", None, "ok"), 0, 1) for _ in range(12)]
    history = [*adds, t(Op("get", None, 12), 2, 3)]
    result = search(history, 0, counter)
    assert result.linearizable
    assert result.states <= 2**12 + 1
    wrong = search([*adds, t(Op("get", None, 11), 2, 3)], 0, counter)
    assert not wrong.linearizable
    assert wrong.states == 2**12  # every set explored, then the read explains none


def pool(state: frozenset[str], op: Op) -> tuple[frozenset[str], ...]:
    """A pool of free items: draw answers the item it took (None: unknown), release frees one (answer "ok")."""
    if op.name == "draw":
        if op.answer is None:
            return (state, *(state - {item} for item in sorted(state)))  # no answer: took one, or none
        return (state - {str(op.answer)},) if op.answer in state else ()
    if op.name == "release":
        assert isinstance(op.arg, str)
        if op.answer is None:
            return (state, state | {op.arg}) if op.arg not in state else (state,)
        return (state | {op.arg},) if op.arg not in state else ()
    raise AssertionError(op.name)


def test_two_overlapping_draws_may_not_take_one_item() -> None:
    initial = frozenset({"a", "b"})
    fine = [t(Op("draw", None, "a"), 0, 2), t(Op("draw", None, "b"), 1, 3)]
    assert check(fine, initial, pool).linearizable
    twice = [t(Op("draw", None, "a"), 0, 2), t(Op("draw", None, "a"), 1, 3)]
    assert not check(twice, initial, pool).linearizable


def test_minimise_keeps_the_calls_that_contradict_each_other() -> None:
    initial = frozenset({"a", "b", "c", "d"})
    history = [
        t(Op("draw", None, "c"), 0, 1),
        t(Op("release", "c", "ok"), 2, 3),
        t(Op("draw", None, "a"), 4, 6),  # these two overlap and take the same item
        t(Op("draw", None, "b"), 4.5, 5),
        t(Op("draw", None, "a"), 5.5, 7),
        t(Op("draw", None, "c"), 8, 9),
    ]
    assert not check(history, initial, pool).linearizable
    least = minimise(history, initial, pool, forget=forget)
    assert [op.call for op in least] == [Op("draw", None, "a"), Op("draw", None, "a")]
    assert not check(least, initial, pool).linearizable


def test_minimise_with_forget_keeps_what_is_unexplained_whatever_the_others_did() -> None:
    # "a" is held at the start; the release frees it, and two draws both take it. Forgotten, the release may
    # still have freed "a" (once), and only the two draws together stay unexplained.
    initial = frozenset({"b"})
    history = [
        t(Op("release", "a", "ok"), 0, 1),
        t(Op("draw", None, "a"), 2, 3),
        t(Op("draw", None, "a"), 4, 5),
    ]
    forgotten = minimise(history, initial, pool, forget=forget)
    assert [op.call for op in forgotten] == [Op("draw", None, "a"), Op("draw", None, "a")]
    # every answered call left is needed: forgetting any one of them explains the rest
    for index in range(len(forgotten)):
        rest = [*forgotten[:index], t(forget(forgotten[index].call), forgotten[index].invoked, None)]
        rest += forgotten[index + 1 :]
        assert check([t(forget(history[0].call), 0, None), *rest], initial, pool).linearizable
    dropped = minimise(history, initial, pool)
    assert not check(dropped, initial, pool).linearizable


def test_minimise_starts_from_the_shortest_unexplained_prefix() -> None:
    # the stale read at 2-3 is unexplained already; what comes after it (and is fine) is never shown
    history = [
        t(Op("write", 1, "ok"), 0, 1),
        t(Op("read", None, 0), 2, 3),
        *(t(Op("write", v, "ok"), 4 + v, 4.5 + v) for v in range(5)),
        t(Op("read", None, 3), 9, 10),  # wrong too, but later
    ]
    least = minimise(history, 0, register, forget=forget, reads=lambda op: op.name == "read")
    assert [op.call for op in least] == [Op("write", 1, "ok"), Op("read", None, 0)]


def test_a_search_limit_leaves_the_verdict_undecided_never_wrong() -> None:
    adds = [t(Op("add", None, "ok"), 0, 1) for _ in range(10)]
    capped = search([*adds, t(Op("get", None, 9), 2, 3)], 0, counter, limit=100)
    assert not capped.decided and not capped.linearizable
    assert search([*adds, t(Op("get", None, 9), 2, 3)], 0, counter).decided


def test_minimise_refuses_an_explained_history() -> None:
    with pytest.raises(ValueError, match="no order explains"):
        minimise([t(Op("write", 1, "ok"), 0, 1)], 0, register)


def keys(state: frozenset[str], op: Op) -> tuple[frozenset[str], ...]:
    """A set of keys: add answers whether the key was new, has answers whether it is there."""
    assert isinstance(op.arg, str)
    if op.name == "add":
        return (state | {op.arg},) if op.answer == (op.arg not in state) else ()
    return (state,) if op.answer == (op.arg in state) else ()


def test_partitions_are_checked_alone_and_the_unexplained_one_is_named() -> None:
    history = [
        t(Op("add", "x", True), 0, 1),
        t(Op("add", "y", True), 0, 1),
        t(Op("has", "x", True), 2, 3),
        t(Op("has", "y", False), 2, 3),  # y was added before: stale
        t(Op("add", "z", True), 0.5, 2.5),
        t(Op("has", "z", False), 1, 2),  # overlaps z's add: either answer
    ]

    def by_key(op: Op) -> object:
        return op.arg

    verdict = check(history, frozenset(), keys, partition=by_key)
    assert [len(part.calls) for part in verdict.parts] == [2, 2, 2]
    assert not verdict.linearizable
    assert verdict.unexplained is not None
    assert {op.call.arg for op in verdict.unexplained.calls} == {"y"}
    assert [p.linearizable for p in verdict.parts] == [True, False, True]
    whole = check(history, frozenset(), keys)
    assert not whole.linearizable
    assert verdict.states < whole.states  # the parts' searches together explore less than the whole's


def test_describe_numbers_calls_in_invocation_order_with_their_times() -> None:
    text = describe(
        [t(Op("draw", None, "a"), 10.5, 10.75), t(Op("draw", None, "a"), 10.25, None)],
        lambda op: f"{op.name} -> {op.answer}",
    )
    assert text.splitlines() == [
        "   1. invoked   0.0000 s, returned    (none) s: draw -> a",
        "   2. invoked   0.2500 s, returned   0.5000 s: draw -> a",
    ]


def test_histories_with_draws_draw_first_at_once_and_later_too() -> None:
    """Every client draws first (the barrier releases the draws together); later commands are draws now and then;
    several clients may share a profile; a history without draws never draws."""
    target = parse_target(
        {
            "base_url": "http://127.0.0.1:1",
            "token_env": "T",
            "db_id": 1,
            "profiles": [
                {
                    "profile_id": p,
                    "email": f"{p}@example.com",
                    "phone": f"+{n}",
                    "custom": {"field_name": "F", "field_value": p},
                }
                for n, p in enumerate(("pa", "pb"), 1)
            ],
            "loyalty_programs": {"personal": 11, "universal": 12, "exhausted": 13},
        },
        where="test",
        environ={"T": "secret"},
    )
    suite: Any = SimpleNamespace(target=target)

    def is_draw(command: Any) -> bool:
        return command.op == "attach" and "code" not in command.body

    later = 0
    for seed in range(20):
        plans = plan(random.Random(seed), suite, 11, ["c0", "c1"], "new", clients=3, length=6, draws=True)
        assert len(plans) == 3 and all(len(p) == 6 for p in plans)
        assert all(is_draw(p[0]) for p in plans)
        later += sum(is_draw(c) for p in plans for c in p[1:])
        assert all("token" not in c.body for p in plans for c in p)
        plain = plan(random.Random(seed), suite, 11, ["c0", "c1"], "new", clients=3, length=6, draws=False)
        assert not any(is_draw(c) for p in plain for c in p)
    assert 0.1 < later / (20 * 3 * 5) < 0.4  # a quarter of the later commands, give or take
