"""The ``x-code-identity`` mark: when two spellings name the same code, where the docs are silent.

No docs page says whether codes compare case-sensitively or whether whitespace around a code is part of it. The
spec takes a stance (``stance``: the reading the mock and the generated clients follow) and lists the other
readings a faithful server may take (``other-readings``); the contract suite allows each of them, one per server
(spec/README.md, "Code identity"). Unlike the numbered ``x-stances`` marks, which mark constraints where docs
pages contradict each other, this mark covers a silence: it sits once, on the schema of a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promo_spec.compiled import compiled_checker
from promo_spec.document import shared_document
from promo_spec.errors import SpecError
from promo_spec.locate import vocabulary_path
from promo_spec.stances import walk

MARK = "x-code-identity"


@dataclass(frozen=True)
class CodeIdentity:
    """The spec's reading of code identity, and the other readings a server may take."""

    pointer: str  # the schema node carrying the mark
    stance: str  # e.g. "exact"
    other_readings: tuple[str, ...]
    source: str

    @property
    def readings(self) -> tuple[str, ...]:
        """Every reading a faithful server may take: the stance first."""
        return (self.stance, *self.other_readings)


def reading_names() -> tuple[str, ...]:
    """The readings the vocabulary knows (``$defs/code-identity``), in its order."""
    schema = shared_document(vocabulary_path())["$defs"]["code-identity"]
    return tuple(schema["properties"]["stance"]["enum"])


def parse_code_identity(
    document: dict[str, Any], *, path: str, check_vocabulary: bool = True
) -> CodeIdentity | None:
    """The document's one ``x-code-identity`` mark, checked (None for a document without one, e.g. an old
    revision): the vocabulary's ``$defs/code-identity``, on a string schema, the stance not among the others."""
    validator = (
        compiled_checker(shared_document(vocabulary_path())["$defs"]["code-identity"]) if check_vocabulary else None
    )
    found: CodeIdentity | None = None
    for pointer, node in walk(document, ""):
        mark = node.get(MARK)
        if mark is None:
            continue
        at = f"{pointer}/{MARK}"
        if found is not None:
            raise SpecError(
                path, at, f"a second {MARK} mark (the first is at {found.pointer}): codes have one identity; keep one"
            )
        errors = sorted(validator.iter_errors(mark), key=lambda e: list(e.absolute_path)) if validator else []
        if errors:
            sub = "".join(f"/{p}" for p in errors[0].absolute_path)
            raise SpecError(path, at + sub, f"{MARK} breaks the vocabulary (spec/README.md): {errors[0].message}")
        if node.get("type") != "string":
            kind = node.get("type")
            raise SpecError(path, at, f"{MARK} belongs on the string schema of a code, not on type {kind!r}")
        others = tuple(str(r) for r in mark["other-readings"])
        if mark["stance"] in others:
            index = others.index(mark["stance"])
            raise SpecError(
                path, f"{at}/other-readings/{index}", f"'{mark['stance']}' is the stance; list only the other readings"
            )
        found = CodeIdentity(pointer, str(mark["stance"]), others, str(mark["source"]))
    return found
