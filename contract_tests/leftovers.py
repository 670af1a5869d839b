"""Free codes earlier runs of the suite left in the programs (their prefix marks them), reused before importing."""

from __future__ import annotations

from contract_tests.batches import TakenLog


class Leftovers:
    """This process's share of the earlier runs' free codes, handed out one at a time.

    A code is skipped when a pool draw of this run took it meanwhile (the taken log says so); a handed-out
    code is announced in the log, so other workers' frame checks ignore it and this process cleans it up.
    """

    def __init__(self, codes: dict[int, list[str]], taken: TakenLog) -> None:
        self.codes = {program: list(found) for program, found in codes.items()}
        self.taken = taken
        self.used = 0

    def take(self, program: int) -> str | None:
        """A free leftover code of ``program``, or None when none is left."""
        queue = self.codes.get(program, [])
        while queue:
            code = queue.pop(0)
            if (program, code) in self.taken.all():
                continue
            self.taken.add([(program, code)])
            self.used += 1
            return code
        return None

    @property
    def left(self) -> int:
        """Leftover codes not handed out."""
        return sum(len(found) for found in self.codes.values())
