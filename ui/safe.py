"""User and model text inside the page's Markdown and messages: always data, never markup.

Gradio renders a ``gr.Error``/``gr.Warning``/``gr.Info`` message as HTML, and ``gr.Markdown``
turns Markdown syntax, HTML tags and bare URLs into markup. Everything here makes a string show
literally: tags escaped, Markdown syntax characters backslashed, and the characters that start an
automatic link (``://``, ``www.``, ``@``) escaped too, so no text a user typed becomes an image,
a link, bold text or a request to another address.
"""
from __future__ import annotations

import html
import re

_MARKDOWN = set("\\`*_[]|~")  # after HTML escaping: no emphasis, code, links, images or tables
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?i:(?<=w)(\.)(?=\S))|(@)")


def message(text: object) -> str:
    """A toast's message: HTML-escaped (Gradio renders it as HTML)."""
    return html.escape(str(text), quote=False)


def markdown(text: object) -> str:
    """User or model text inside Markdown: shown literally, never as markup or a link."""
    escaped = html.escape(" ".join(str(text).splitlines()), quote=False)  # one line: no headings, lists, quotes
    escaped = "".join("\\" + c if c in _MARKDOWN else c for c in escaped)
    # "https://x", "www.x" and "a@b.c" become links in Markdown that allows autolinks: an escaped
    # ':' / '.' / '@' is shown as itself but no longer starts one.
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)
