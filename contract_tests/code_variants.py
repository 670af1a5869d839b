"""Other spellings of a code the suite holds, to tell the readings of code identity apart (``x-code-identity``).

The docs do not say whether letter case or whitespace around a code matter (spec/README.md, "Code identity"), so
the model allows every reading the spec lists, one per server; these spellings are what makes a server show its
reading. Two rules keep them harmless on every server:

* Letter case changes only in ASCII letters after the run's prefix. The prefix stays byte-exact, so a code an
  ``exact`` server creates from a variant (import, or attach of a code it does not hold) is still this run's, for
  cleanup and the other workers' frame checks; and how a server folds non-ASCII letters (``ß``, Turkish ``İ``) is
  left open: ASCII case is what every case-insensitive comparison agrees on.
* Whitespace goes around a code only in JSON requests: in XML, whitespace around element text is itself open to
  reading (a server's XML reader may drop it before the code is compared at all), so an answer would not tell the
  reading of code identity from the reading of XML. A leading space would hide the prefix: a request that may create
  a code gets a trailing one instead (``creatable``).
"""

from __future__ import annotations

from collections.abc import Callable

from contract_tests.model.identity import trimmed

CASE_SHAPES = ("upper", "lower", "swapped")
SPACE_SHAPES = ("leading", "trailing", "padded")
SHAPES = CASE_SHAPES + SPACE_SHAPES
_CASES: dict[str, Callable[[str], str]] = {"upper": str.upper, "lower": str.lower, "swapped": str.swapcase}


def variant(code: str, prefix: str, shape: str) -> str:
    """``code`` spelled another way: ``shape`` is one of ``SHAPES``. A case shape that changes nothing (no ASCII
    letter after the prefix) adds a trailing space instead, so the spelling always differs."""
    if shape in _CASES:
        head, tail = (prefix, code[len(prefix) :]) if code.startswith(prefix) else ("", code)
        change = _CASES[shape]
        respelled = head + "".join(change(c) if c.isascii() and c.isalpha() else c for c in tail)
        return respelled if respelled != code else code + " "
    return {"leading": " " + code, "trailing": code + " ", "padded": "  " + code + " "}[shape]


def creatable(shape: str) -> str:
    """The shape to use where an ``exact`` server may create the variant as a new code: never a leading space."""
    return "trailing" if shape in ("leading", "padded") else shape


def padded(code: str) -> bool:
    """Whether ``code`` has whitespace around it (such a request travels in JSON only)."""
    return code != trimmed(code)

