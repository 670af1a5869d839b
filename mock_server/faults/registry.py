"""The fault registry: ``Fault``, ``REGISTRY`` (in listing order), ``@fault``, ``FAULTS`` and the name checks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from mock_server.parts import Parts

Override = Callable[[Parts], None]


@dataclass(frozen=True)
class Fault:
    """One broken variant: what it breaks, the part it replaces, and the oracles a failure must name to catch it."""

    name: str
    breaks: str
    # "handler:<operation>", "matching", "wire:decode", "wire:encode", "auth", "validation", "status", "store"
    part: str
    # The oracle tags of the contract suite that catch it (any one of them): "[rule <x-rules id>]",
    # "[postcondition <x-success term>]", "[frame]", "[invariant <name>]", "[wire-label]", "[preflight] <kind>" (the
    # preflight's diagnosis of a server fault, contract_tests/diagnosis.py); a tag may go on with the
    # words the failure must say ("[frame] a refused request changed"). ``make power`` requires one to be named.
    oracles: tuple[str, ...]
    override: Override
    api_version: str | None = None  # the API version whose mock it breaks (None: any)
    declared_at: str = ""  # where the fault is declared: "mock_server/faults/handlers.py:63"
    seed: str | None = None  # a seed file of mock_server/ it needs (None: the default seed), e.g. a program setting


REGISTRY: dict[str, Fault] = {}


def register(entry: Fault) -> None:
    """Add ``entry`` to ``REGISTRY`` after the faults registered before it; a name registered twice is an error."""
    if entry.name in REGISTRY:
        raise ValueError(f"fault {entry.name!r} is registered twice")
    REGISTRY[entry.name] = entry


def fault(
    name: str,
    breaks: str,
    *,
    part: str,
    oracles: tuple[str, ...],
    api_version: str | None = None,
    seed: str | None = None,
) -> Callable[[Override], Override]:
    """Register the decorated override as the fault ``name`` (of the mock of ``api_version``, or of any; on the seed
    file ``seed`` of mock_server/, or the default seed), caught by a failure that names one of ``oracles``."""
    where = _declaration()

    def add(override: Override) -> Override:
        register(Fault(name, breaks, part, oracles, override, api_version, where, seed))
        return override

    return add


_PACKAGE = Path(__file__).resolve().parent
_ROOT = _PACKAGE.parent.parent


def _declaration() -> str:
    """``path:line`` of the statement that declares the fault being registered: the first frame, going out, that
    runs a module of this package at its top level (a decorator or a factory call in a module's body)."""
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if frame.f_code.co_name == "<module>" and path.parent == _PACKAGE:
            shown = path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path
            return f"{shown}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


class _Descriptions(Mapping[str, str]):
    """``FAULTS``: fault name -> what it breaks, in registration order (a live view of ``REGISTRY``)."""

    def __getitem__(self, name: str) -> str:
        return REGISTRY[name].breaks

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


FAULTS: Mapping[str, str] = _Descriptions()


class UnknownFaultError(ValueError):
    """A fault name that ``FAULTS`` does not list."""


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """Return ``names`` as a frozenset; UnknownFaultError names the unknown ones and lists the known."""
    chosen = frozenset(names)
    unknown = sorted(chosen - REGISTRY.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}")
    return chosen


def apply_faults(parts: Parts, names: Iterable[str]) -> None:
    """Let each named fault's override replace its part, in registration order."""
    chosen = check_faults(names)
    for name, registered in REGISTRY.items():
        if name in chosen:
            registered.override(parts)
