"""Scale: a program of 1,000,000 codes imports, draws and reports correctly (timing lives in bench/mock/)."""

from __future__ import annotations

import pytest

from mock_server.app import create_app
from mock_server.handlers import do_import
from mock_server.seed import Seed
from mock_server.store import ProgramState
from tests.mock_server.conftest import ALICE, BOB, PERSONAL, TOKEN, Api, who

MILLION = 1_000_000


@pytest.mark.slow
def test_a_million_codes_import_and_the_pool_still_draws_in_order(seed: Seed) -> None:
    app = create_app(seed, token=TOKEN)
    codes = [f"M-{n:07d}" for n in range(MILLION)]
    envelope = do_import(app.context, {"codes": codes, "loyalty_id": PERSONAL})
    assert (envelope["inserted"], envelope["duplicated"]) == (MILLION, 0)
    assert envelope["data"][-1] == {"code": codes[-1], "error": 0, "error_text": ""}
    api = Api(app)
    for profile in (ALICE, BOB):
        api.ok("attach", db_id=1, loyalty_id=PERSONAL, **who(profile))
    program = app.store.programs[PERSONAL]
    assert len(program.codes) == 8 + MILLION
    assert [program.codes[f"P11-000{n}"].holders for n in (1, 2)] == [
        {(1, ALICE["profile_id"]): program.codes["P11-0001"].attached},
        {(1, BOB["profile_id"]): program.codes["P11-0002"].attached},
    ]
    again = do_import(app.context, {"codes": codes[:1000], "loyalty_id": PERSONAL})
    assert (again["inserted"], again["duplicated"]) == (0, 1000)


def test_the_pool_skips_codes_taken_by_name_and_takes_back_detached_ones() -> None:
    program = ProgramState(1, "personal")
    for n in range(10):
        program.add(f"C-{n}", "2024-01-01T00:00:00Z")
    for n in range(5):
        program.attach(program.codes[f"C-{n}"], (1, f"p{n}"), "t")
    drawn = program.draw()
    assert drawn is not None and drawn.code == "C-5"
    assert len(program.pool) == 5
    program.detach(program.codes["C-0"], (1, "p0"))
    taken = []
    while (state := program.draw()) is not None:
        program.attach(state, (1, "x"), "t")
        taken.append(state.code)
    assert taken == ["C-5", "C-6", "C-7", "C-8", "C-9", "C-0"]


def test_the_pool_does_not_grow_without_bound_under_attach_detach_cycles() -> None:
    program = ProgramState(1, "universal")
    state = program.add("C-1", "2024-01-01T00:00:00Z")
    for _ in range(10_000):
        program.attach(state, (1, "p"), "t")
        program.detach(state, (1, "p"))
    assert len(program.pool) <= 2 * len(program.codes) + 1024
    assert program.draw() is state
