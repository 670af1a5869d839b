"""The fault registry: ``Fault``, ``REGISTRY`` (in listing order), ``@fault``, ``FAULTS`` and the name checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from mock_server.parts import Parts

Override = Callable[[Parts], None]


@dataclass(frozen=True)
class Fault:
    """One broken variant: what it breaks, the part it replaces, and what in the suite should catch it."""

    name: str
    breaks: str
    part: str  # "handler:<operation>", "matching", "wire:decode", "wire:encode", "auth", "validation", "store"
    caught_by: tuple[str, ...]  # x-rules ids of spec/openapi.yaml, or test functions of contract_tests
    override: Override
    api_version: str | None = None  # the API version whose mock it breaks (None: any)
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
    caught_by: tuple[str, ...],
    api_version: str | None = None,
    seed: str | None = None,
) -> Callable[[Override], Override]:
    """Register the decorated override as the fault ``name`` (of the mock of ``api_version``, or of any; on the seed
    file ``seed`` of mock_server/, or the default seed)."""

    def add(override: Override) -> Override:
        register(Fault(name, breaks, part, caught_by, override, api_version, seed))
        return override

    return add


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
