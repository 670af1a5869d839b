"""The generated Markdown pages as HTML: links to other generated pages become site links, rule ids link to rules.

markdown-it-py (CommonMark and tables) with heading ids as GitHub makes them, so ``index.md#quick-start``
keeps working as ``index.html#quick-start``. A link to a file the site does not show (a client's
source, say) keeps its text and loses its target: no link in the site is broken.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

_GENERATED_HEADER = re.compile(r"\A<!--.*?-->\s*", re.S)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True)
class Rendered:
    """One page's HTML body and its first heading's text."""

    html: str
    title: str


def site_href(here: str, target: str) -> str:
    """The relative link from the site page ``here`` (``v72/attach.html``) to ``target`` (``rules/x.html``)."""
    return posixpath.relpath(target, posixpath.dirname(here) or ".")


class MarkdownPages:
    """Renders the generated pages; ``pages`` maps each Markdown file to its page in the site."""

    def __init__(self, pages: dict[Path, str], rule_pages: dict[str, str]) -> None:
        self.pages = {path.resolve(): site for path, site in pages.items()}
        self.rule_pages = rule_pages
        self._md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self._md.use(anchors_plugin, min_level=1, max_level=4)
        self._md.core.ruler.push("site_links", _drop_unresolved)
        self._md.add_render_rule("link_open", _link_open)
        self._md.add_render_rule("link_close", _link_close)
        self._md.add_render_rule("code_inline", _code_inline)
        self._md.add_render_rule("fence", _fence)

    def render(self, source: Path, here: str) -> Rendered:
        """The HTML of the Markdown file ``source`` shown at site path ``here``."""
        text = _GENERATED_HEADER.sub("", source.read_text(encoding="utf-8"))
        env: dict[str, Any] = {"resolve": lambda href: self._resolve(source, here, href), "rules": self._rules(here)}
        tokens = self._md.parse(text, env)
        title = next(
            (tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"), ""
        )
        return Rendered(self._md.renderer.render(tokens, self._md.options, env), _plain(title))

    def _rules(self, here: str) -> dict[str, str]:
        return {rule: site_href(here, page) for rule, page in self.rule_pages.items()}

    def _resolve(self, source: Path, here: str, href: str) -> str | None:
        if _EXTERNAL.match(href) or href.startswith("#"):
            return href
        path, _, fragment = href.partition("#")
        page = self.pages.get((source.parent / path).resolve())
        if page is None:
            return None
        return site_href(here, page) + (f"#{fragment}" if fragment else "")


def _plain(markdown_inline: str) -> str:
    return markdown_inline.replace("`", "")


def _drop_unresolved(state: StateCore) -> None:
    """Resolve every link; mark the ones that lead nowhere in the site (open and close) to be left out."""
    resolve: Callable[[str], str | None] = state.env["resolve"]
    for block in state.tokens:
        children: Sequence[Token] = block.children or []
        open_links: list[Token] = []
        for token in children:
            if token.type == "link_open":
                href = resolve(str(token.attrGet("href") or ""))
                if href is None:
                    token.meta["drop"] = True
                else:
                    token.attrSet("href", href)
                open_links.append(token)
            elif token.type == "link_close" and open_links:
                token.meta["drop"] = bool(open_links.pop().meta.get("drop"))


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "" if tokens[idx].meta.get("drop") else str(self.renderToken(tokens, idx, options, env))


def _link_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "" if tokens[idx].meta.get("drop") else str(self.renderToken(tokens, idx, options, env))


def _code_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    content = tokens[idx].content
    code = f"<code>{escape(content)}</code>"
    href = env.get("rules", {}).get(content)
    depth = 0  # inside a link already: no link in a link
    for token in tokens[:idx]:
        if not token.meta.get("drop"):
            depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    if href is None or depth > 0:
        return code
    return f'<a href="{escape(href)}" class="rule-link">{code}</a>'


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    language = token.info.strip().split(" ", 1)[0]
    attribute = f' class="language-{escape(language)}"' if language else ""
    # focusable: a keyboard can scroll a block wider than the page
    return f'<pre tabindex="0"><code{attribute}>{escape(token.content)}</code></pre>\n'
