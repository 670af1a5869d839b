"""Code identity in the model: when two spellings name one code (the spec's ``x-code-identity``).

The docs are silent about letter case and whitespace around a code, so the spec lists the readings a faithful
server may take (``Spec.code_identity.readings``: ``exact``, ``case-insensitive``, ``trimmed``,
``case-insensitive-trimmed``). The model allows each, one per server: ``World.identity`` is the reading of the
world (None while no answer has told the readings apart). A world splits into one world per reading only when a
call names a code that some reading equates with a code the model knows by another spelling (``splits``); the
ordinary call (every code fresh or named exactly) costs one dictionary lookup.

Under a reading other than ``exact`` a call is *respelled* before the byte-exact semantics judge it: each code the
request names becomes the spelling the model knows for it (so an import of a variant is a duplicate, and get,
attach, detach, activate and update act on the held code), and an answer that echoes the spelling sent (an import
item, get's ``code``) is read as the held spelling. A code keeps the spelling it was first imported or created with
under every reading: export_all shows that spelling, and a listing with two codes one reading equates refutes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from contract_tests.model.call import Call
from contract_tests.model.state import Program, World

EXACT = "exact"
# whitespace a server's trim may remove: Unicode white space, and the invisible format characters JavaScript's
# trim() and some SQL TRIMs remove too (zero-width spaces, word joiner, BOM, Mongolian vowel separator)
_OUTER = re.compile(r"^[\s\u180e\u200b-\u200d\u2060\ufeff]+|[\s\u180e\u200b-\u200d\u2060\ufeff]+$")


def trimmed(code: str) -> str:
    """``code`` without leading and trailing whitespace."""
    return _OUTER.sub("", code)


# every reading of the vocabulary ($defs/code-identity): the key two spellings of one code share
KEYS: dict[str, Callable[[str], str]] = {
    EXACT: lambda code: code,
    "case-insensitive": str.casefold,
    "trimmed": trimmed,
    "case-insensitive-trimmed": lambda code: trimmed(code).casefold(),
}
LOOSEST = "case-insensitive-trimmed"  # two spellings any reading equates, this one equates too


def index(program: Program, reading: str) -> dict[str, str]:
    """The program's tracked codes by their key under ``reading`` (the first spelling of each key)."""
    return program.codes.index(reading, KEYS[reading])


def request_codes(op: str, body: Any) -> list[str]:
    """The codes a request body of ``op`` names: ``code``, or import's ``codes`` in order."""
    body = body if isinstance(body, dict) else {}
    if op == "import":
        return [c for c in body.get("codes") or [] if isinstance(c, str)]
    code = body.get("code")
    return [code] if isinstance(code, str) else []


def names_of(call: Call) -> list[str]:
    """The codes a call's request names (``request_codes``)."""
    return request_codes(call.op, call.body)


def splits(world: World, call: Call) -> bool:
    """Whether ``call`` names a code some reading equates with another spelling the model knows (a tracked or
    absent code of its program, or another code of the same import), so the readings answer it differently."""
    body = call.body if isinstance(call.body, dict) else {}
    program = world.program(body.get("loyalty_id"))
    names = names_of(call)
    if program is None or not names:
        return False
    loose = KEYS[LOOSEST]
    if len({loose(n) for n in names}) < len(set(names)):
        return True
    data = (call.envelope or {}).get("data")
    shown = data.get("code") if call.op == "get" and isinstance(data, dict) else None
    if isinstance(shown, str) and shown != names[0] and loose(shown) == loose(names[0]):
        return True  # get answered another spelling of the code asked for
    known = None
    for name in names:
        if name in program.codes:
            continue
        known = known or index(program, LOOSEST)
        key = loose(name)
        if key in known or any(a != name and loose(a) == key for a in program.absent):
            return True
    return False


def refuted(world: World, reading: str) -> bool:
    """Whether the server already showed two codes this reading equates as two (tracked under both spellings)."""
    return reading != EXACT and any(len(index(p, reading)) < len(p.codes) for p in world.programs)


def respelled(world: World, call: Call, reading: str) -> tuple[World, Call]:
    """``world`` and ``call`` as the byte-exact semantics read them under ``reading``: each code named by the
    spelling the model tracks for it (a new code keeps the spelling sent), the answer's echo of a spelling sent
    read as that spelling, and a spelling of a code known to be absent known absent too."""
    body = call.body if isinstance(call.body, dict) else None
    program = world.program(body.get("loyalty_id")) if body is not None else None
    names = names_of(call)
    if reading == EXACT or body is None or program is None or not names:
        return world, call
    key = KEYS[reading]
    known = index(program, reading)
    absent = {key(a) for a in program.absent}
    chosen: dict[str, str] = {}  # key -> spelling, for the codes of this request
    mapped, missing = [], []
    for name in names:
        k = key(name)
        spelling = name if name in program.codes else known.get(k) or chosen.get(k) or name
        chosen.setdefault(k, spelling)
        mapped.append(spelling)
        if spelling not in program.codes and spelling not in program.absent and k in absent:
            missing.append(spelling)
    if missing:
        world = world.with_program(replace(program, absent=program.absent | frozenset(missing)))
    if mapped == names:
        return world, call
    new_body: dict[str, Any] = dict(body, codes=mapped) if call.op == "import" else dict(body, code=mapped[0])
    return world, replace(call, body=new_body, envelope=_echo_read(call, names, mapped))


def _echo_read(call: Call, names: list[str], mapped: list[str]) -> dict[str, Any] | None:
    """The answer with each code it shows as the spelling sent (or the held one) replaced by the held one."""
    envelope = call.envelope
    data = (envelope or {}).get("data")
    if envelope is None:
        return None
    if call.op == "import" and isinstance(data, list) and len(data) == len(names):
        items = [
            dict(item, code=m) if isinstance(item, dict) and item.get("code") in (n, m) else item
            for item, n, m in zip(data, names, mapped, strict=True)
        ]
        return dict(envelope, data=items)
    if call.op == "get" and isinstance(data, dict) and data.get("code") in (names[0], mapped[0]):
        return dict(envelope, data=dict(data, code=mapped[0]))
    return envelope


def listed_twice(program: Program, listed: list[str], reading: str) -> tuple[str, str] | None:
    """Two codes of a listing that ``reading`` equates (so it is not the server's reading), or None."""
    if reading == EXACT:
        return None
    key = KEYS[reading]
    seen: dict[str, str] = {}
    for name in listed:
        other = seen.setdefault(key(name), name)
        if other != name:
            return other, name
    return None


def decided(worlds: tuple[World, ...] | list[World]) -> tuple[str, ...]:
    """The readings the worlds still allow, in vocabulary order; () while undecided (a world without one)."""
    found = {w.identity for w in worlds}
    if not found or None in found:
        return ()
    return tuple(r for r in KEYS if r in found)
