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
    """A toast's message: HTML-escaped, since the page renders it as HTML; as it is for a program calling the
    API (gradio_client and MCP say so in the ``x-gradio-user`` header), whose error must read as the text
    itself ("'<b>bold</b>' is not one of …", not "'&lt;b&gt;…")."""
    return str(text) if from_a_program() else html.escape(str(text), quote=False)


def from_a_program() -> bool:
    """Whether the request being answered comes from gradio_client or an MCP client, not the page."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    headers = getattr(request, "headers", None) or {}
    return str(headers.get("x-gradio-user", "")).lower() in ("api", "mcp")


def markdown(text: object) -> str:
    """User or model text inside Markdown: shown literally, never as markup or a link."""
    escaped = html.escape(" ".join(str(text).splitlines()), quote=False)  # one line: no headings, lists, quotes
    escaped = "".join("\\" + c if c in _MARKDOWN else c for c in escaped)
    # "https://x", "www.x" and "a@b.c" become links in Markdown that allows autolinks: an escaped
    # ':' / '.' / '@' is shown as itself but no longer starts one.
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)
