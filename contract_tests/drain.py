"""A small pool drained and refilled, every answer judged by the model of the documented API (``contract_tests/model``).

Draw (attach without a code) until no free code is left, give one drawn code back (detach) and draw again, then
detach every drawn code, so the program ends as it began. The model knows the whole program (one export_all, and a
get of each unattached code for its expiry date), and each draw is followed by an export_all that shows which code
it took: a draw must take a code that was free, and a draw refused while the model knows a free code breaks rule
``attach.no-code-free-available``. Only a drained pool shows a server that loses free codes (skips one, or never
puts a detached code back), and only draws in a row show one that hands out a code it already gave away.

Only on small pools: a program with more than ``MAX_FREE`` free codes (a real one holds 100,000) is not drained,
and one the preflight saw with more than ``MAX_LISTED`` codes is not even exported; the reason goes to the report.
Costs about four requests per free code. The caller holds the run's lock exclusively (``pool_draws``): the draws
may take any free code, another worker's too, so nobody else may send a request meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from contract_tests import actions
from contract_tests.actions import attach_body
from contract_tests.model import Model, World
from contract_tests.model.semantics import instant
from contract_tests.model_driver import ModelDriver
from contract_tests.strategies import Clock, system_clock
from contract_tests.suite import Suite
from contract_tests.target import Profile
from contract_tests.world import export_program

MAX_FREE = 16  # the drain attaches at most this many codes; a program with more free codes is left alone
MAX_LISTED = 1000  # a program the preflight saw with more codes is not exported (and so not drained) at all
EXPIRY_MARGIN = timedelta(days=1)  # a code that expires sooner may count as expired on the server: not drawn for


def too_big(suite: Suite, program: int) -> str:
    """Why ``program`` is not even exported for a drain ('' when it may be): its size at the preflight."""
    size = suite.run.sizes_before.get(program) if suite.run is not None else None
    if size is not None and size > MAX_LISTED:
        return (
            f"program {program} held {size} codes at the preflight (more than {MAX_LISTED}): the pool drain runs only "
            f"on programs with at most {MAX_FREE} free codes; declare a small program in the target file to run it"
        )
    return ""


@dataclass
class Drain:
    """One program being drained: the model's worlds (through ``driver``) and the codes the drain drew."""

    suite: Suite
    driver: ModelDriver
    program: int
    clock: Clock = system_clock
    drawn: dict[str, Profile] = field(default_factory=dict)  # code -> the profile its draw attached it to
    held_at_start: frozenset[str] = frozenset()  # codes attached before the drain (never touched)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, suite: Suite, program: int, *, clock: Clock = system_clock) -> Drain:
        """Export ``program`` through the model (it then knows every code of it)."""
        driver = ModelDriver.start(suite, Model(suite.spec), complete=(program,))
        drain = cls(suite, driver, program, clock)
        drain.held_at_start = frozenset(drain.attached())
        return drain

    # what the model knows ------------------------------------------------------------------------------------
    def _codes(self, world: World) -> dict[str, tuple[bool, bool, str | None]]:
        found = world.program(self.program)
        assert found is not None and found.complete
        return {c.code: (bool(c.holders), c.is_activated, c.expire_date) for c in found.codes.values()}

    def unattached(self) -> list[str]:
        """Codes neither attached nor activated in the first world the model allows (expiry not judged)."""
        codes = self._codes(self.driver.worlds[0])
        return [code for code, (held, active, _) in codes.items() if not held and not active]

    def free(self) -> list[str]:
        """Codes free in every world the model allows: unattached, not activated, with no expiry date or one well
        in the future (a code whose expiry date was not read yet is not counted)."""
        soon = self.clock() + EXPIRY_MARGIN
        found: set[str] | None = None
        for world in self.driver.worlds:
            here = set()
            for code, (held, active, expiry) in self._codes(world).items():
                when = instant(expiry) if expiry else None
                if not held and not active and (expiry == "" or (when is not None and when > soon)):
                    here.add(code)
            found = here if found is None else found & here
        return sorted(found or ())

    def attached(self) -> set[str]:
        return {code for code, (held, _, _) in self._codes(self.driver.worlds[0]).items() if held}

    # steps ---------------------------------------------------------------------------------------------------
    def read_expiry_dates(self) -> None:
        """get of every unattached code: the model learns its expiry date (export_all does not show it)."""
        for code in self.unattached():
            self.driver.get(self.program, code)

    def draw(self, profile: Profile) -> list[str]:
        """One draw for ``profile``, then export_all: the codes it attached (announced to the other workers)."""
        before = self.attached()
        self.driver.send("attach", attach_body(self.suite.target, self.program, profile, code=None))
        self.driver.export(self.program)
        taken = sorted(self.attached() - before)
        for code in taken:
            self.drawn[code] = profile
            self.suite.holders[(self.program, code)] = profile.profile_id  # cleanup's detach needs no get
        self.suite.taken.add((self.program, code) for code in taken)  # other workers' frame checks ignore them
        return taken

    def give_back(self, code: str) -> None:
        """Detach a drawn code from the profile its draw attached it to."""
        profile = self.drawn[code]
        self.driver.send("detach", attach_body(self.suite.target, self.program, profile, code=code))

    def run(self) -> None:
        """Drain the pool, give the first drawn code back and draw again, then give every drawn code back."""
        profiles = self.suite.target.profiles
        turns = len(self.free()) + 1  # a draw that attaches nothing new (allowed when the profile holds one) ends it
        for turn in range(turns):
            if not self.free():
                break
            self.draw(profiles[turn % len(profiles)])
        if self.free():
            self.notes.append(
                f"program {self.program}: {len(self.free())} free code(s) left after {turns} draws (a draw for a "
                "profile that holds a code may attach nothing new): the pool was not drained"
            )
        if self.drawn:
            first = next(iter(self.drawn))
            holder = self.drawn[first]
            self.give_back(first)
            del self.drawn[first]
            self.draw(holder)  # the model requires a draw now: the code given back is free
        self.restore(judged=True)

    def restore(self, *, judged: bool) -> None:
        """Detach every code the drain drew; ``judged``: through the model, else (after a failure) best effort: every
        code attached since the start is announced as taken and detached (cleanup retries what is left)."""
        if judged:
            for code in list(self.drawn):
                self.give_back(code)
                del self.drawn[code]
            self.driver.export(self.program)  # the program as it began: no drawn code attached
            return
        client, target = self.suite.client, self.suite.target
        listing = export_program(client, self.program)
        extra = sorted(code for code, entry in listing.items() if entry.attached and code not in self.held_at_start)
        self.suite.taken.add((self.program, code) for code in extra)
        for code in extra:
            first = self.drawn.get(code)
            for profile in sorted(target.profiles, key=lambda p: p != first):
                if actions.detach(client, target, self.program, code, profile):
                    break
        self.drawn.clear()
