"""The API's XML wire format, read and written by schema.

Shape (facts sheet section 1): root ``<xml>``; one child per parameter; arrays as
repeated elements; objects as children; ``null`` as an empty element; ``""`` as an
empty element; booleans ``true``/``false``; children written in alphabetical order.
XML text carries no types, so the schema decides how each element is read back.
Untrusted input is parsed with defusedxml (no DTDs, no entities).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # builds trees only; parsing goes through defusedxml
from collections.abc import Callable
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

ROOT = "xml"


class XmlBodyError(ValueError):
    """The body is not XML of the API's shape (malformed, forbidden construct, wrong root)."""


def _kinds(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kinds: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        kinds.add(declared)
    elif isinstance(declared, list):
        kinds.update(str(t) for t in declared)
    if "properties" in schema:
        kinds.add("object")
    if "items" in schema:
        kinds.add("array")
    if "const" in schema and schema["const"] is None:
        kinds.add("null")
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []) or []:
            kinds |= _kinds(branch)
    return kinds


def _properties(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    props: dict[str, Any] = {}
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []) or []:
            props.update(_properties(branch))
    props.update(schema.get("properties", {}) or {})
    return props


def _required(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    found = set(schema.get("required", []) or [])
    for branch in schema.get("allOf", []) or []:
        found |= _required(branch)
    return found


def _items(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return None
    if "items" in schema:
        return schema["items"]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []) or []:
            found = _items(branch)
            if found is not None:
                return found
    return None


def _is_empty(element: ET.Element) -> bool:
    return len(element) == 0 and not (element.text or "").strip()


class _Reader:
    """One body's read: what each schema node allows, worked out once per node (an export_all of 100k codes
    reads the same item schema 100k times)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], Any] = {}  # (question, id of the node) -> answer
        self._keep: list[Any] = []  # the nodes whose id() keys the answers stay alive for the read

    def _once(self, question: str, schema: Any, work: Callable[[Any], Any]) -> Any:
        key = (question, id(schema))
        if key not in self._known:
            self._known[key] = work(schema)
            self._keep.append(schema)
        return self._known[key]

    def kinds(self, schema: Any) -> set[str]:
        found: set[str] = self._once("kinds", schema, _kinds)
        return found

    def shape(self, schema: Any) -> tuple[dict[str, Any], set[str]]:
        found: tuple[dict[str, Any], set[str]] = self._once("shape", schema, lambda s: (_properties(s), _required(s)))
        return found

    def items(self, schema: Any) -> Any:
        return self._once("items", schema, _items)

    def scalar(self, element: ET.Element, schema: Any) -> Any:
        kinds = self.kinds(schema)
        if len(element) > 0:
            return self.object(element, schema)
        text = element.text or ""
        if _is_empty(element) and "null" in kinds and "string" not in kinds:
            return None
        if "integer" in kinds or "number" in kinds:
            stripped = text.strip()
            try:
                return int(stripped)
            except ValueError:
                if "number" in kinds:
                    try:
                        return float(stripped)
                    except ValueError:
                        pass
        if "boolean" in kinds and text.strip() in {"true", "false"}:
            return text.strip() == "true"
        if "object" in kinds and _is_empty(element):
            return {}
        return text

    def flat(self, schema: Any) -> bool:
        """Whether every property of ``schema`` reads as text (an export_all item): no arrays to fill in."""
        found: bool = self._once(
            "flat", schema, lambda s: all(self.kinds(sub) <= {"string"} for sub in self.shape(s)[0].values())
        )
        return found

    def object(self, element: ET.Element, schema: Any) -> dict[str, Any]:
        props, required = self.shape(schema)
        if self.flat(schema):  # each child a single text element: its text, as scalar() would read it
            simple: dict[str, Any] = {}
            for child in element:
                tag = child.tag
                if not isinstance(tag, str) or len(child) or tag in simple:
                    break
                simple[tag] = child.text or ""
            else:
                return simple
        groups: dict[str, list[ET.Element]] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            groups.setdefault(child.tag, []).append(child)
        result: dict[str, Any] = {}
        for tag, elements in groups.items():
            sub = props.get(tag)
            kinds = self.kinds(sub)
            if "array" in kinds:
                if len(elements) == 1 and _is_empty(elements[0]) and "null" in kinds:
                    result[tag] = None
                else:
                    items = self.items(sub)
                    result[tag] = [self.scalar(e, items) for e in elements]
            elif len(elements) > 1:
                result[tag] = [self.scalar(e, sub) for e in elements]
            else:
                result[tag] = self.scalar(elements[0], sub)
        for name in required:
            if name not in result and "array" in self.kinds(props.get(name)):
                result[name] = []
        return result


def parse_xml(body: bytes | str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read an ``<xml>`` body into the dict its JSON twin would be, guided by ``schema``."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlBodyError(f"forbidden XML construct: {type(exc).__name__}") from None
    except (ET.ParseError, ValueError, UnicodeDecodeError) as exc:
        raise XmlBodyError(f"malformed XML: {exc}") from None
    if root.tag != ROOT:
        raise XmlBodyError(f"the root element must be <{ROOT}>, not <{root.tag}>")
    return _Reader().object(root, schema or {})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def escape_text(value: str) -> str:
    """``value`` as XML character data, as ElementTree writes element text: ``&``, ``<`` and ``>`` escaped."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(parent, name, item)
        return
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key in sorted(value):
            _fill(child, key, value[key])
    elif value is not None and value != "":
        child.text = _text(value)


# Names written without ElementTree: what ElementTree writes as they are (no "{namespace}" tags, no markup)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _plain(data: Any) -> bool:
    """Whether every key of ``data`` is a plain name (then ``_write`` gives ElementTree's bytes)."""
    if isinstance(data, dict):
        return all(isinstance(k, str) and _PLAIN_NAME.fullmatch(k) and _plain(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_plain(v) for v in data)
    return True


def _write(out: list[str], name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _write(out, name, item)
    elif isinstance(value, dict):
        start = len(out)
        out.append(f"<{name}>")
        for key in sorted(value):
            _write(out, key, value[key])
        if len(out) == start + 1:  # no child written (no keys, or only empty lists): an empty element
            out[start] = f"<{name} />"
        else:
            out.append(f"</{name}>")
    elif value is None or value == "":
        out.append(f"<{name} />")
    else:
        out.append(f"<{name}>{escape_text(_text(value))}</{name}>")


def to_xml(data: dict[str, Any]) -> bytes:
    """Write ``data`` as an ``<xml>`` document (UTF-8, children sorted, no prolog), byte for byte as ElementTree
    writes it (strings are joined directly when every key is a plain name: 100k export items in milliseconds)."""
    if _plain(data):
        out: list[str] = []
        _write(out, ROOT, data)
        return "".join(out).encode("utf-8", "xmlcharrefreplace")
    return tree_xml(data)


def tree_xml(data: dict[str, Any]) -> bytes:
    """``to_xml`` through ElementTree (any key; the reference the direct writer must equal)."""
    root = ET.Element(ROOT)
    for key in sorted(data):
        _fill(root, key, data[key])
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return written
