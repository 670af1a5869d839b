"""An executable model of the documented promo-code API (issue 18): for a state and an answered call, every state
the docs allow afterwards. Pure: no I/O, no server; built from the spec (``x-rules``, ``x-success``, schemas, read
through ``promo_spec.load_spec()``), never from the mock's code. See README.md in this folder for the interface.
"""

from __future__ import annotations

from contract_tests.model.call import Call, Stopwatch
from contract_tests.model.initial import forget, initial_world, with_absent, world_of
from contract_tests.model.semantics import CLOCK_TOLERANCE, Branch, Model
from contract_tests.model.state import ANY_TIME, Code, Codes, Draw, Holder, Profile, Program, Window, World
from promo_spec import load_spec

State = World  # the model state type the linearizability checker names

__all__ = [
    "ANY_TIME",
    "CLOCK_TOLERANCE",
    "Branch",
    "Call",
    "Code",
    "Codes",
    "Draw",
    "Holder",
    "Model",
    "Profile",
    "Program",
    "State",
    "Stopwatch",
    "Window",
    "World",
    "explain",
    "forget",
    "initial_world",
    "step",
    "with_absent",
    "world_of",
]

_MODELS: dict[str, Model] = {}


def _model_of(world: World) -> Model:
    model = _MODELS.get(world.api_version)
    if model is None:
        version = world.api_version
        spec = load_spec() if version == "72" else load_spec(api_version=version)
        model = _MODELS[version] = Model(spec)
    return model


def step(state: World, call: Call) -> tuple[World, ...]:
    """Every state the model (of ``state.api_version``'s spec) allows after ``call``; () when none explains it."""
    return _model_of(state).step(state, call)


def explain(state: World, call: Call) -> str:
    """Why the answer to ``call`` is not allowed in ``state``."""
    return _model_of(state).explain(state, call)
