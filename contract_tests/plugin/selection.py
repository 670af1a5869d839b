"""``--oracle TAG``: run only the tests that can name that oracle in a failure, and stop at the first failure that
names it. ``make power`` runs each faulty mock this way, with the oracles the fault declares (``@fault``).

Each test function declares the oracles its failures can name, once, with ``@pytest.mark.oracles(...)``: a family
(``"[rule]"``, ``"[postcondition]"``, ``"[frame]"``, ``"[invariant]"``, ``"[wire-label]"``: any oracle of it) or one
oracle (``"[invariant restricted-single-holder]"``). A rule case names only its own rule, and only the
postconditions of its operation's ``x-success``. A module none of whose tests can name a wanted oracle is not even
imported (its markers are read from its source), so Schemathesis' collection is not paid for nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from contract_tests.plugin.keys import TARGET_KEY
from contract_tests.plugin.ordering import case_of, deselect
from contract_tests.suite import spec_for
from promo_spec import Spec

_WANTED: list[str] = []  # this process's --oracle tags, set at configure: test modules read them at import
TAG = re.compile(
    r"^\[(?P<family>rule|postcondition|frame|invariant|wire-label|model|linearizability|preflight)"
    r"(?: (?P<name>[^\]]+))?\]"
)
INVALID_RULE = "request.invalid"  # the rule Schemathesis' negative cases name (contract_tests/api_checks.py)
# "[preflight]" is no test's: the preflight's verdict (plugin/verdict.py) stands in for every test when it fails
FAMILIES = ("rule", "postcondition", "frame", "invariant", "wire-label", "model", "linearizability", "preflight")


def parse(tag: str) -> tuple[str, str]:
    """``"[rule attach.code-free]"`` -> ``("rule", "attach.code-free")``; ``"[frame] words"`` -> ``("frame", "")``."""
    found = TAG.match(tag)
    if found is None:
        raise ValueError(
            f"{tag!r} is not an oracle tag: '[rule <rule id>]', '[postcondition <term>]', '[frame]', "
            "'[invariant <name>]', '[wire-label]', '[model <operation>]', '[linearizability]' or '[preflight]'"
        )
    return found.group("family"), found.group("name") or ""


def covers(declared: Iterable[str], tag: str) -> bool:
    """Whether a test declaring the oracle patterns ``declared`` can name ``tag``."""
    family, name = parse(tag)
    return any(parse(d)[0] == family and parse(d)[1] in ("", name) for d in declared)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("contract").addoption(
        "--oracle",
        action="append",
        default=[],
        metavar="TAG",
        help="run only the tests that can name oracle TAG ('[rule attach.code-free]', '[frame]', ...; repeatable: "
        "any of them) and stop at the first failure that names one (how make power runs a faulty mock)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "oracles(*tags): the oracles a failure of this test can name ('[rule]': any of that family); --oracle reads it",
    )
    for tag in config.getoption("--oracle"):
        try:
            parse(tag)
        except ValueError as exc:
            raise pytest.UsageError(f"--oracle: {exc}") from None
    _WANTED[:] = config.getoption("--oracle")


def api_operations(spec: Spec) -> list[str] | None:
    """The operations whose Schemathesis cases can name a wanted oracle (None without --oracle: every one).

    A case names ``[wire-label]`` and ``[rule request.invalid]`` (a documented constraint broken, error 0) on any
    operation and ``[postcondition T]`` only on one whose ``x-success`` has ``T``: test_schemathesis generates only
    these (its coverage phase is most of a run's collection time).
    """
    if not _WANTED:
        return None
    wanted = [parse(tag) for tag in _WANTED]
    return [
        op
        for op in spec.operations
        if any(
            family == "wire-label"
            or (family == "rule" and name in ("", INVALID_RULE))
            or (family == "postcondition" and name in getattr(spec.success.get(op), "postconditions", ()))
            for family, name in wanted
        )
    ]


@cache
def declared_in(path: Path) -> frozenset[str]:
    """Every oracle pattern a ``@pytest.mark.oracles(...)`` of this module's source declares (not imported)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("mark.oracles"):
            found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return frozenset(found)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    wanted = config.getoption("--oracle")
    if not wanted or not (collection_path.name.startswith("test_") and collection_path.suffix == ".py"):
        return None
    declared = declared_in(collection_path)
    return True if not any(covers(declared, tag) for tag in wanted) else None


def can_name(item: pytest.Item, tag: str) -> bool:
    """Whether a failure of ``item`` can name the oracle ``tag``."""
    marker = item.get_closest_marker("oracles")
    if marker is None or not covers(marker.args, tag):
        return False
    case = case_of(item)
    if case is None:
        return True
    family, name = parse(tag)
    if family == "rule":
        return name == case.rule.id
    if family == "postcondition":
        return name in _postconditions(item.config.stash[TARGET_KEY].api_version, case.rule.operation)
    return True


@cache
def _postconditions(api_version: str, operation: str) -> tuple[str, ...]:
    """The postcondition terms of ``operation``'s ``x-success`` in ``api_version`` (the spec read once)."""
    success = spec_for(api_version).success.get(operation)
    return success.postconditions if success is not None else ()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("--oracle")
    if wanted:
        deselect(config, items, [item for item in items if not any(can_name(item, tag) for tag in wanted)])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    wanted = item.config.getoption("--oracle")
    if wanted and report.failed and report.longrepr is not None:
        text = str(report.longrepr)
        named = next((tag for tag in wanted if tag in text), None)
        if named is not None:
            item.session.shouldfail = f"stopping: a failure named {named} (--oracle)"
