"""The confusion matrix, shared by dataset mode and training."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import layout, plain, short


def confusion_heatmap(names: list[str], counts, title: str, subtitle: str) -> go.Figure:
    """Gold (rows) against predicted (columns): each cell's share of its gold class, counts on hover
    (and in the cells while they fit); class names escaped, the full name on hover."""
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    ticks = [short(c, 22) for c in names]
    fig = go.Figure(go.Heatmap(
        z=share, x=ticks, y=ticks, colorscale="Blues", zmin=0, zmax=1, text=counts.astype(int),
        texttemplate="%{text}" if len(names) <= 15 else None,
        customdata=np.array([[[plain(g), plain(p)] for p in names] for g in names], dtype=object),
        hovertemplate="gold %{customdata[0]} · predicted %{customdata[1]}<br>%{text} rows "
                      "(%{z:.0%} of this gold class)<extra></extra>",
        colorbar={"title": {"text": "share of<br>gold class", "side": "top"}, "tickformat": ".0%", "len": 0.8}))
    axis = {"tickmode": "array", "tickvals": ticks, "ticktext": ticks, "tickfont": {"size": 10}}
    layout(fig, title, subtitle, height=max(420, 22 * len(names) + 240), margin={"l": 10, "r": 10, "t": 80, "b": 10},
            xaxis={"title": "predicted", "tickangle": -60, **axis},
            yaxis={"title": "gold", "autorange": "reversed", **axis})
    return fig
