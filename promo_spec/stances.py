"""The ``x-stances`` marks: which schema constraints encode a stance the spec takes where the docs contradict
themselves, rather than a documented constraint (spec/README.md, "Stances").

A mark sits on the schema node whose keyword it names (``x-stances: {type: 1}``), and refers to a numbered item
of the stance list in ``info.description``. ``x-also-documented-types`` / ``x-also-documented-values`` beside a
``type`` / ``enum`` mark narrow the stance to what the other pages allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promo_spec.compiled import compiled_checker
from promo_spec.document import shared_document
from promo_spec.errors import SpecError
from promo_spec.locate import vocabulary_path

STANCE_LIST = "Stances taken where the public docs contradict themselves"
_ITEM = re.compile(r"^\s{0,4}(\d+)\.\s", re.MULTILINE)
NARROWING = {"x-also-documented-types": "type", "x-also-documented-values": "enum"}


@dataclass(frozen=True)
class StanceMark:
    """One marked constraint: where (JSON pointer of the node), the keyword, and the stance's number."""

    pointer: str
    keyword: str
    stance: int
    also: tuple[Any, ...] = ()  # what other pages document beside the stance (types or values); () = anything


def stance_numbers(description: str) -> tuple[int, ...]:
    """The numbers of the stance list in ``info.description`` (the items after ``STANCE_LIST``, up to a blank
    line followed by unindented text)."""
    start = description.find(STANCE_LIST)
    if start < 0:
        return ()
    rest = description[start:]
    end = re.search(r"\n\n(?=\S)(?![0-9]+\.)", rest[len(STANCE_LIST) :])
    section = rest if end is None else rest[: len(STANCE_LIST) + end.start()]
    return tuple(int(n) for n in _ITEM.findall(section))


def walk(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping under ``node`` with its JSON pointer (RFC 6901), ``node`` first."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def parse_stances(document: dict[str, Any], *, path: str, check_vocabulary: bool = True) -> tuple[StanceMark, ...]:
    """Every ``x-stances`` mark of the document, checked: the vocabulary's ``$defs/stances``, a keyword the node
    has, a number the stance list has (older revisions without marks load as before)."""
    validator = compiled_checker(shared_document(vocabulary_path())["$defs"]["stances"]) if check_vocabulary else None
    numbers = stance_numbers(str(document.get("info", {}).get("description", "")))
    found: list[StanceMark] = []
    for pointer, node in walk(document, ""):
        marks = node.get("x-stances")
        if marks is None:
            continue
        at = f"{pointer}/x-stances"
        errors = sorted(validator.iter_errors(marks), key=lambda e: list(e.absolute_path)) if validator else []
        if errors:
            sub = "".join(f"/{p}" for p in errors[0].absolute_path)
            raise SpecError(path, at + sub, f"x-stances breaks the vocabulary (spec/README.md): {errors[0].message}")
        for keyword, number in marks.items():
            if keyword not in node:
                raise SpecError(path, f"{at}/{keyword}", f"marks '{keyword}', which this schema does not have")
            if number not in numbers:
                raise SpecError(
                    path, f"{at}/{keyword}", f"stance {number} is not in the list of info.description ({STANCE_LIST})"
                )
            narrowing = next((n for n, k in NARROWING.items() if k == keyword and n in node), None)
            found.append(StanceMark(pointer, keyword, number, tuple(node[narrowing]) if narrowing else ()))
    return tuple(found)
