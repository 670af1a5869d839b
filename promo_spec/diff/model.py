"""What a diff is made of: one ``Change`` per difference, with whom it breaks."""

from __future__ import annotations

from dataclasses import dataclass

CALLERS = "callers"
SERVERS = "servers"


@dataclass(frozen=True)
class Change:
    """One difference between two descriptions; ``breaks`` says who it breaks (empty: compatible).

    Breaking for callers: code written against the old generated client fails against the
    new contract. Breaking for servers: a server conforming to the old description fails
    the new contract.
    """

    code: str
    subject: str
    message: str
    breaks: frozenset[str]
    operations: tuple[str, ...] = ()
    rule: bool = False

    @property
    def id(self) -> str:
        """Stable identifier (``code:subject``), the unit a change file acknowledges."""
        return f"{self.code}:{self.subject}"

    @property
    def classification(self) -> str:
        """``breaking-callers``, ``breaking-servers``, ``breaking-callers-servers`` or ``compatible``."""
        if not self.breaks:
            return "compatible"
        return "breaking-" + "-".join(sorted(self.breaks))

    @property
    def label(self) -> str:
        """Human label of the classification."""
        if not self.breaks:
            return "compatible"
        return "breaking for " + " and ".join(sorted(self.breaks))


def breaks(*who: str) -> frozenset[str]:
    """Return the set of parties a change breaks."""
    return frozenset(who)


# Who a change of the accepted values breaks, by where the schema is read: a request the
# caller writes and the server reads, a response the server writes and the caller reads.
def narrowed(direction: str) -> frozenset[str]:
    """Fewer values allowed: callers' requests may be refused; old servers' responses may not conform."""
    return breaks(CALLERS) if direction == "request" else breaks(SERVERS)


def widened(direction: str) -> frozenset[str]:
    """More values allowed: old servers refuse new requests; callers meet responses they did not expect."""
    return breaks(SERVERS) if direction == "request" else breaks(CALLERS)


@dataclass(frozen=True)
class DiffResult:
    """Every change between ``old`` and ``new``, schema changes first, then rule changes."""

    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def schema_changes(self) -> tuple[Change, ...]:
        """Changes of paths, schemas, media types and security."""
        return tuple(c for c in self.changes if not c.rule)

    @property
    def rule_changes(self) -> tuple[Change, ...]:
        """Changes of ``x-rules``."""
        return tuple(c for c in self.changes if c.rule)

    @property
    def breaking(self) -> tuple[Change, ...]:
        """Changes that break callers or servers."""
        return tuple(c for c in self.changes if c.breaks)
