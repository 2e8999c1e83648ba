"""Charts of the scorecard: the table of every metric beside its random control, the
faithfulness curves per bin, and how far the methods agree."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..metrics import METRICS
from .style import AXIS_NUMBERS, DIVERGING, fmt, layout, method_colour, method_label, plain


def scorecard_table(cards) -> tuple[list[str], list[list]]:
    """Headers and rows of the scorecard: a row per method (and the random control), a column per
    metric computed (in the registry's order), the better direction in the header. Pure data for a
    table component."""
    names = [n for n in METRICS if any(c.values.get(n) is not None and c.values[n].value is not None
                                        for c in cards)]
    names += [n for c in cards for n in c.values if n not in METRICS and n not in names]  # (since unregistered)
    direction = {n: next(c.values[n].lower_is_better for c in cards if n in c.values) for n in names}
    headers = ["method"] + [f"{n.replace('_', ' ')} {'↓' if direction[n] else '↑'}" for n in names]

    def value(v) -> float | None:
        return None if v is None else round(float(v), 4)

    rows = [[method_label(c.method)] + [value(c.values[n].value) if n in c.values else None for n in names]
            for c in cards]
    if cards:
        first = cards[0].values
        rows.append(["random ranking"] + [value(first[n].random) if n in first else None for n in names])
    return headers, rows


def aopc_curves(cards) -> go.Figure:
    """Comprehensiveness and sufficiency per bin for each method, with the random control dashed."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["comprehensiveness ↑ (higher is better)",
                                                        "sufficiency ↓ (lower is better)"], horizontal_spacing=0.1)
    for col, kind in enumerate(("comprehensiveness", "sufficiency"), start=1):
        for c in cards:
            if kind not in c.curves:
                continue
            bins = [f"{q:.0%}" for q in c.bins]
            fig.add_trace(go.Scatter(x=bins, y=list(c.curves[kind]), mode="lines+markers", name=method_label(c.method),
                                     legendgroup=c.method, showlegend=col == 1,
                                     line={"color": method_colour(c.method)},
                                     hovertemplate=f"{method_label(c.method)}<br>top %{{x}} of the words<br>"
                                                   f"{kind} %{{y:.4f}}<extra></extra>"), row=1, col=col)
        if cards and kind in cards[0].random.get("curves", {}):
            fig.add_trace(go.Scatter(x=[f"{q:.0%}" for q in cards[0].bins], y=list(cards[0].random["curves"][kind]),
                                     mode="lines", name="random ranking", legendgroup="random", showlegend=col == 1,
                                     line={"color": "#888", "dash": "dash"},
                                     hovertemplate=f"random<br>top %{{x}}<br>{kind} %{{y:.4f}}<extra></extra>"),
                          row=1, col=col)
    fig.update_xaxes(title_text="share of the words removed (left) or kept (right)", type="category")
    fig.update_yaxes(tickformat=AXIS_NUMBERS)
    output = plain(cards[0].output) if cards else "output"
    return layout(fig, "Faithfulness per bin (ERASER)", f"change in the {output} when the top words are removed "
                   "or kept alone; AOPC = the mean over the bins", height=420,
                   legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
                   margin={"l": 10, "r": 10, "t": 90, "b": 120})


def agreement_heatmap(agreement) -> go.Figure:
    """Kendall's tau between every pair of methods' word attributions (hover: rho and top-k overlap)."""
    labels = [method_label(m) for m in agreement.methods]
    n = len(labels)
    hover = [[f"{labels[i]} vs {labels[k]}<br>Kendall τ {fmt(agreement.kendall[i][k])}<br>"
              f"Spearman ρ {fmt(agreement.spearman[i][k])}<br>top-3 overlap {agreement.top3[i][k]:.0%}<br>"
              f"top-20% ({agreement.k_top20} words) overlap {agreement.top20[i][k]:.0%}" for k in range(n)]
             for i in range(n)]
    z = [[np.nan if v is None else v for v in row] for row in agreement.kendall]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
                               customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                               text=[[fmt(v) for v in row] for row in agreement.kendall],
                               texttemplate="%{text}", colorbar={"title": {"text": "Kendall τ"}}))
    return layout(fig, "Do the methods agree?", "Kendall's tau of their word attributions (1 = the same ranking); "
                   "hover for Spearman and top-k overlap", height=max(360, 60 * n + 200),
                   yaxis={"autorange": "reversed"})
