"""SVG badges (label | message), colour by verdict: per rule and per target, for READMEs and dashboards."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

# background colours with white text at a contrast of 4.5:1 or more (WCAG AA)
COLOURS = {
    "pass": "#1a7f37",
    "yes": "#1a7f37",
    "fail": "#cf222e",
    "no": "#cf222e",
    "recorded": "#6639ba",
    "not run": "#57606a",
    "unknown": "#57606a",
    "mixed": "#9a6700",
}
LABEL_COLOUR = "#424a53"
_CHAR = 6.6  # average advance of an 11 px sans-serif character


def _width(text: str) -> int:
    return int(len(text) * _CHAR) + 12


def badge(label: str, message: str, colour_of: str) -> str:
    """A flat badge whose ``message`` part is coloured as ``colour_of`` (a verdict or an answer)."""
    colour = COLOURS.get(colour_of, COLOURS["unknown"])
    left, right = _width(label), _width(message)
    total = left + right
    title = f"{label}: {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f"aria-label={quoteattr(title)}><title>{escape(title)}</title>"
        f'<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{escape(message)}</text></g></svg>\n'
    )


def worst(verdicts: list[str]) -> str:
    """One word for several verdicts: fail beats everything, then pass, recorded, not run."""
    for verdict in ("fail", "pass", "recorded"):
        if verdict in verdicts:
            return verdict
    return "not run"
