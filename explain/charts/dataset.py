"""Charts of a dataset run: pure functions from a ``Summary`` (or rows and vectors) to a Figure.

Class selectors live inside the figures (Plotly dropdowns), so choosing a class redraws in the
browser without a round trip. Every string from the data goes through ``plain``.
"""
from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from ..dataset.aggregate import Summary
from .confusion import confusion_heatmap
from .embedding import project
from .style import AXIS_NUMBERS, NEGATIVE, POSITIVE, layout, number, plain, short

TOP_WORDS = 20
MAX_GROUPS = 60
MAX_CONFUSION = 30
COLOURS = px.colors.qualitative.Dark24 + px.colors.qualitative.Light24  # 48 classes before a colour repeats


def _groups(summary: Summary) -> list[tuple[str, str, str]]:
    """(group, class, menu label): all rows, then predicted and gold classes by row count."""
    counts = summary.class_counts()
    out = [("all", "", f"all rows ({summary.rows - summary.error_count:,})")]
    for kind in ("predicted", "gold"):
        present = [c for c in summary.classes() if (kind, c) in summary.words]
        out += [(kind, c, f"{kind}: {short(c, 30)} ({counts[kind].get(c, 0):,})") for c in present]
    return out[:MAX_GROUPS]


def _empty_note(summary: Summary, kind: str, cls: str, min_count: int) -> str:
    """Why a group's chart has no bar: too few rows, or no word seen often enough in them."""
    rows = summary.rows - summary.error_count if kind == "all" else summary.class_counts()[kind].get(cls, 0)
    seen = "row" if rows == 1 else "rows"
    return (f"No word is seen at least {min_count} times in {'the' if kind == 'all' else 'this class’s'} {rows:,} "
            f"{seen}: too few to average over. Explain more rows (or see each row in the table).")


def global_importance(summary: Summary, min_count: int = 2, top: int = TOP_WORDS) -> go.Figure:
    """Mean attribution of the words that matter most (by mean |attribution|) per group, with a
    dropdown to choose the group; hover gives the count and both means. A group with no word seen
    ``min_count`` times says so in the chart instead of drawing empty axes."""
    fig = go.Figure()
    groups = _groups(summary)
    notes = []
    for position, (kind, cls, _) in enumerate(groups):
        rows = summary.table(min_count=min_count, group=kind, cls=cls)[:top][::-1]
        fig.add_trace(go.Bar(
            x=[r["mean_attribution"] for r in rows], y=[short(r["word"]) for r in rows], orientation="h",
            marker_color=[POSITIVE if r["mean_attribution"] >= 0 else NEGATIVE for r in rows],
            customdata=[[plain(r["word"]), r["count"], r["mean_abs_attribution"]] for r in rows],
            hovertemplate="%{customdata[0]}<br>mean %{x:.4g} · mean |value| %{customdata[2]:.4g}"
                          "<br>seen %{customdata[1]} times<extra></extra>",
            visible=position == 0, name=groups[position][2]))
        notes.append([] if rows else [{"text": _empty_note(summary, kind, cls, min_count), "showarrow": False,
                                       "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                                       "font": {"size": 14, "color": "#555"}}])
    buttons = [{"label": label, "method": "update",
                "args": [{"visible": [i == j for i in range(len(groups))]},
                         {"annotations": notes[j], "xaxis.visible": not notes[j], "yaxis.visible": not notes[j]}]}
               for j, (_, _, label) in enumerate(groups)]
    fig.update_layout(updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right",
                                    "y": 1.16, "yanchor": "top", "showactive": True}],
                      annotations=notes[0] if groups else [])
    layout(fig, "Global word importance", f"mean contribution to the predicted class · top {top} by mean "
                                           f"|value| · words seen at least {min_count} times · choose a class →",
           height=620, margin={"l": 10, "r": 10, "t": 110, "b": 40},
           xaxis={"tickformat": AXIS_NUMBERS, "visible": not (groups and notes[0])},
           yaxis={"visible": not (groups and notes[0])}, showlegend=False)
    return fig


def confusion(summary: Summary, limit: int = MAX_CONFUSION) -> go.Figure | None:
    """Gold (rows) against predicted (columns) for the most frequent classes; None without gold labels."""
    if not summary.labelled:
        return None
    classes = summary.classes()
    shown = classes[:limit]
    _, matrix = summary.confusion_matrix(classes)
    counts = np.array(matrix, dtype=float)
    names = list(shown)
    if len(classes) > limit:  # the rest as one row and one column, so no row hides its mistakes
        keep = len(shown)
        counts = np.vstack([np.hstack([counts[:keep, :keep], counts[:keep, keep:].sum(1, keepdims=True)]),
                            np.hstack([counts[keep:, :keep].sum(0, keepdims=True),
                                       counts[keep:, keep:].sum(keepdims=True).reshape(1, 1)])])
        names.append(f"(other {len(classes) - keep} classes)")
    more = f" · the {limit} most frequent of {len(classes)} classes" if len(classes) > limit else ""
    return confusion_heatmap(names, counts, "Confusion matrix",
                             f"accuracy {summary.accuracy:.1%} on {summary.labelled:,} labelled rows{more}")


def rows_projection(texts: list[str], vectors: np.ndarray, predicted: list[str | None], correct: list[bool | None],
                    embedder: str) -> go.Figure:
    """The rows' embeddings in 2-D (PCA), coloured by predicted class or by correctness (dropdown)."""
    points, _, _ = project(vectors, 2, "pca")
    hover = [plain(t if len(t) <= 160 else t[:159] + "…") for t in texts]
    fig = go.Figure()
    by_class = [c for c in dict.fromkeys(p for p in predicted if p is not None)]
    traces: list[str] = []
    for index, cls in enumerate(by_class):
        rows = [i for i, p in enumerate(predicted) if p == cls]
        fig.add_trace(go.Scattergl(x=points[rows, 0], y=points[rows, 1], mode="markers", name=short(cls, 30),
                                   customdata=[[hover[i], plain(cls)] for i in rows],
                                   hovertemplate="%{customdata[0]}<br>predicted %{customdata[1]}<extra></extra>",
                                   marker={"size": 7, "color": COLOURS[index % len(COLOURS)]}))
        traces.append("class")
    if any(c is not None for c in correct):
        for value, name, colour in ((True, "correct", "#2ec4b6"), (False, "wrong", POSITIVE)):
            rows = [i for i, c in enumerate(correct) if c is value]
            fig.add_trace(go.Scattergl(x=points[rows, 0], y=points[rows, 1], mode="markers", name=name,
                                       customdata=[[hover[i], plain(predicted[i])] for i in rows], visible=False,
                                       hovertemplate="%{customdata[0]}<br>predicted %{customdata[1]}"
                                                     f" ({name})<extra></extra>",
                                       marker={"size": 7, "color": colour}))
            traces.append("correct")
        fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left",
                                        "y": 1.01, "yanchor": "bottom", "buttons": [
            {"label": "colour by class", "method": "update",
             "args": [{"visible": [t == "class" for t in traces]}]},
            {"label": "colour by correctness", "method": "update",
             "args": [{"visible": [t == "correct" for t in traces]}]}]}])
    layout(fig, "Rows embedded", f"{len(texts):,} rows · {plain(embedder)} embeddings, PCA 2-D · hover for the text",
            height=600, margin={"l": 10, "r": 10, "t": 130, "b": 10}, showlegend=len(by_class) <= 30,
            xaxis={"showticklabels": False}, yaxis={"showticklabels": False})
    return fig


def scores_line(summary: Summary) -> str:
    """The scorecard over the scored rows, each headline score beside its random control."""
    s = summary.scores()
    if not s:
        return ""
    return (f"Faithfulness over {summary.scored:,} rows (mean per row): comprehensiveness "
            f"{number(s['comprehensiveness'])} against {number(s['random_comprehensiveness'])} for a random ranking "
            f"(higher is better); sufficiency {number(s['sufficiency'])} against "
            f"{number(s['random_sufficiency'])} (lower is better).")
