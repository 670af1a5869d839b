"""The one Jinja2 environment of the site: HTML autoescaped, a misspelt variable fails the build."""

from __future__ import annotations

import jinja2


def environment() -> jinja2.Environment:
    """Templates from ``docsite/templates``; every value is escaped unless marked safe."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("docsite", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
