"""What a diff is made of: one ``Change`` per difference, with whom it breaks."""

from __future__ import annotations

from dataclasses import dataclass

CALLERS = "callers"
SERVERS = "servers"
AUDIENCES = (CALLERS, SERVERS)  # who reads a diff: teams owning client code, teams owning a server


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

    def breaking_for(self, audience: str) -> tuple[Change, ...]:
        """Changes that break ``audience`` (``callers`` or ``servers``), whoever else they break."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}; known: {', '.join(AUDIENCES)}")
        return tuple(c for c in self.changes if audience in c.breaks)

    @property
    def compatible(self) -> tuple[Change, ...]:
        """Changes that break nobody."""
        return tuple(c for c in self.changes if not c.breaks)


# ``--fail-on`` of ``promo-gen diff`` (and, without ``rules``/``any``, of ``promo-gen gate``): which changes trip it.
FAIL_ON = ("breaking", "callers", "servers", "rules", "any")


def tripping(result: DiffResult, fail_on: str) -> tuple[Change, ...]:
    """The changes of ``result`` that trip ``--fail-on fail_on``."""
    if fail_on == "breaking":
        return result.breaking
    if fail_on in AUDIENCES:
        return result.breaking_for(fail_on)
    if fail_on == "rules":
        return result.rule_changes
    if fail_on == "any":
        return result.changes
    raise ValueError(f"unknown --fail-on {fail_on!r}; known: {', '.join(FAIL_ON)}")
