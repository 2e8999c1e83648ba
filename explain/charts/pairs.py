"""A word-pair explanation (``explain.pairs.PairExplanation``) drawn: the word × word heatmap with each side's
totals beside it, and the strongest matches and totals as lines of text."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..pairs import PAIR_METHODS, PairExplanation
from .style import AXIS_NUMBERS, DIVERGING, NEGATIVE, POSITIVE, layout, number, plain, short, unique_ticks

TICK = 18


def method_label(name: str) -> str:
    cls = PAIR_METHODS.get(name)
    return cls.LABEL if cls is not None else name


def _colours(values) -> list[str]:
    return [POSITIVE if v >= 0 else NEGATIVE for v in values]


def pair_heatmap(e: PairExplanation) -> go.Figure:
    """Rows: the units of A; columns: the units of B; a diverging scale centred on 0 (red: the pair raises the
    total, blue: lowers it). Hover: both words (whole, escaped) and the pair's value. Bars beside it: what each
    unit of A adds (its row), above it: what each unit of B adds (its column)."""
    rows = unique_ticks([short(u.text, TICK) for u in e.units_a])
    cols = unique_ticks([short(u.text, TICK) for u in e.units_b])
    matrix = np.asarray(e.matrix)
    limit = float(np.abs(matrix).max()) or 1.0
    words = np.array([[[plain(a.text), plain(b.text)] for b in e.units_b] for a in e.units_a], dtype=object)
    fig = make_subplots(rows=2, cols=2, shared_xaxes=True, shared_yaxes=True, column_widths=[0.82, 0.18],
                        row_heights=[0.16, 0.84], horizontal_spacing=0.02, vertical_spacing=0.02)
    fig.add_trace(go.Heatmap(
        z=matrix, x=cols, y=rows, colorscale=DIVERGING, zmin=-limit, zmax=limit, zmid=0, customdata=words,
        hovertemplate="A: %{customdata[0]}<br>B: %{customdata[1]}<br>pair: %{z:.4f}<extra></extra>",
        colorbar={"title": {"text": "pair", "side": "top"}, "tickformat": AXIS_NUMBERS, "len": 0.8, "y": 0.42}),
        row=2, col=1)
    fig.add_trace(go.Bar(x=cols, y=e.column_totals, marker_color=_colours(e.column_totals), showlegend=False,
                         customdata=[plain(u.text) for u in e.units_b], name="B",
                         hovertemplate="B: %{customdata}<br>its column adds %{y:.4f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(y=rows, x=e.row_totals, orientation="h", marker_color=_colours(e.row_totals),
                         showlegend=False, customdata=[plain(u.text) for u in e.units_a], name="A",
                         hovertemplate="A: %{customdata}<br>its row adds %{x:.4f}<extra></extra>"), row=2, col=2)
    subtitle = (f"cosine similarity {number(e.similarity)} · the pairs add up to {number(e.total)}"
                + (f", its change from both texts masked (gap {e.gap:.2%})" if e.method == "integrated_jacobians" else ""))
    layout(fig, f"Why they are similar · {method_label(e.method)}", subtitle,
           height=max(420, 24 * len(rows) + 260), margin={"l": 10, "r": 10, "t": 90, "b": 10}, bargap=0.15)
    fig.update_xaxes(type="category", tickangle=-45, row=2, col=1, title_text="text B")
    fig.update_yaxes(type="category", autorange="reversed", row=2, col=1, title_text="text A")
    fig.update_yaxes(tickformat=AXIS_NUMBERS, row=1, col=1, title_text="B adds")
    fig.update_xaxes(tickformat=AXIS_NUMBERS, row=2, col=2, title_text="A adds")
    return fig


def _quoted(text: str) -> str:
    return f"“{text}”"


def strongest_lines(e: PairExplanation, k: int = 8, quote=_quoted) -> list[str]:
    """The strongest pairs for the similarity and against it, each side's largest totals, and the completeness
    line, as sentences; every unit goes through ``quote`` (the page escapes it for Markdown)."""
    up, down = e.strongest(k, sign=1), e.strongest(max(1, k // 2), sign=-1)
    lines = []
    if up:
        lines.append("Strongest matches: " + "; ".join(f"{quote(m.unit_a)} ↔ {quote(m.unit_b)} {m.value:+.4f}"
                                                        for m in up))
    if down:
        lines.append("Pairs against the similarity: " + "; ".join(f"{quote(m.unit_a)} ↔ {quote(m.unit_b)} "
                                                                  f"{m.value:+.4f}" for m in down))
    for side, units, totals in (("A", e.units_a, e.row_totals), ("B", e.units_b, e.column_totals)):
        order = np.argsort(-np.abs(totals), kind="stable")[:5]
        lines.append(f"Text {side} in all: " + "; ".join(f"{quote(units[i].text)} {totals[i]:+.4f}" for i in order))
    lines.append(e.note)
    return lines


def file_pairs(found, k: int = 20) -> go.Figure:
    """A file of pairs (``explain.dataset.PairFile``): the pairs of words that add the most across it (and the
    few that take the most away), as bars of their totals; hover: both words, rows, mean."""
    least = found.least_count()
    chosen = found.top(k, least) + found.top(max(1, k // 4), least, sign=-1)
    chosen.sort(key=lambda t: t.total)
    names = unique_ticks([f"{short(t.word_a, 14)} ↔ {short(t.word_b, 14)}" for t in chosen])
    fig = go.Figure(go.Bar(
        x=[t.total for t in chosen], y=names, orientation="h", marker_color=_colours([t.total for t in chosen]),
        customdata=[[plain(t.word_a), plain(t.word_b), t.count, t.mean] for t in chosen],
        hovertemplate="A: %{customdata[0]}<br>B: %{customdata[1]}<br>rows %{customdata[2]}<br>mean %{customdata[3]:.4f}"
                      "<br>total %{x:.4f}<extra></extra>"))
    rows = "row" if least == 1 else "rows"
    layout(fig, f"Word pairs across the file · {method_label(found.method)}",
           f"{found.explained:,} pairs of texts explained · word pairs in at least {least} {rows}",
           height=max(320, 22 * len(chosen) + 160), margin={"l": 10, "r": 10, "t": 80, "b": 40},
           xaxis={"title": "total over the rows", "tickformat": AXIS_NUMBERS}, yaxis={"type": "category"})
    return fig
