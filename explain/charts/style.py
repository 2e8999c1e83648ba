"""The charts' shared style: colours, layout, number formats and the escaping of every string.

Colours: signed contributions red (up) and blue (down), shap's palette, and only those; values
that are not signed (attention, rollout, precision and recall, scores) use the sequential scale or
the neutral series colours, so red and blue always mean "raises" and "lowers". Plotly interprets
a few HTML tags in text, so every user or model string goes through ``plain``: escaped, it shows
the characters literally. Titles stay short (details go in the subtitle) so they are never cut
off; numbers show a few significant digits, never SI prefixes.
"""
from __future__ import annotations

import html

import plotly.graph_objects as go

from ..registry import METHODS
from .bidi import isolate

POSITIVE = "#ff0051"
NEGATIVE = "#008bfb"
DIVERGING = [[0.0, NEGATIVE], [0.5, "#f4f4f4"], [1.0, POSITIVE]]
SEQUENTIAL = "Viridis"
PALETTE = ("#7b2ff7", "#ff9f1c", "#2ec4b6", "#3a86ff", "#e76f51", "#8ac926", "#6a4c93", "#1982c4")
SERIES = ("#2a9d8f", "#e9a03b", "#6a4c93", "#8d99ae")  # unsigned series (precision, recall, rollout): never red/blue
TEMPLATE = "plotly_white"
MAX_TICK = 24
AXIS_NUMBERS = ".3~r"  # three significant digits, trailing zeros dropped, no SI prefixes (not "-900µ")


def plain(text: object) -> str:
    """A string Plotly shows literally (no tags, no entities interpreted)."""
    return html.escape(str(text), quote=False)


def short(text: str, limit: int = MAX_TICK) -> str:
    text = str(text)
    return plain(text if len(text) <= limit else text[: limit - 1] + "…")


def number(value: float) -> str:
    """A readable number: 0.958, 0.0031, -2.4e-05, 12.3."""
    value = float(value)
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:.3f}"
    return f"{value:.2g}"


def method_label(name: str) -> str:
    cls = METHODS.get(name)
    return cls.LABEL or cls.NAME if cls is not None else name


def method_colour(name: str) -> str:
    """A method's own COLOUR, else a palette colour by its place in the registry."""
    cls = METHODS.get(name)
    if cls is not None and cls.COLOUR:
        return cls.COLOUR
    names = list(METHODS)
    return PALETTE[(names.index(name) if name in names else sum(map(ord, name))) % len(PALETTE)]


def unique_ticks(names: list[str]) -> list[str]:
    """Category axes merge equal labels; number repeats so every word keeps its own bar/cell. A label with
    right-to-left letters is isolated (``bidi.isolate``): drawn in its own order, its number after it."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        label = isolate(name)
        out.append(label if seen[name] == 1 else f"{label}\u2009({seen[name]})")
    return out


def layout(fig: go.Figure, title: str, subtitle: str = "", **layout) -> go.Figure:
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}, "x": 0.01, "xanchor": "left"},
                      template=TEMPLATE, **layout)
    return fig


def fmt(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"
