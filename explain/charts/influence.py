"""Charts of training-data attribution: the training rows that supported or opposed a prediction, and
the estimates beside really retraining without each row."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import NEGATIVE, POSITIVE, layout, plain, short


def rows_bars(found) -> go.Figure:
    """The top supporting (red) and opposing (blue) training rows by their score, the row's text and label on hover."""
    rows = sorted(found.rows, key=lambda r: r["score"])
    ticks = [f"#{r['index']} {short(r['text'], 40)}" for r in rows]
    fig = go.Figure(go.Bar(x=[r["score"] for r in rows], y=ticks, orientation="h",
                           marker_color=[POSITIVE if r["score"] > 0 else NEGATIVE for r in rows],
                           customdata=[[plain(r["text"][:300]), plain(r["label"])] for r in rows],
                           hovertemplate="%{customdata[0]}<br>label %{customdata[1]}<br>score %{x:.4g}<extra></extra>"))
    layout(fig, f"Training rows for {plain(found.target)} · {found.method}",
           "estimated drop of log p if the row were removed and the model retrained (red: it supported the "
           "prediction, blue: it opposed it)", height=max(320, 28 * len(rows) + 160),
           margin={"l": 10, "r": 10, "t": 80, "b": 40}, xaxis={"title": "score"})
    return fig


def fitted_slope(estimates, actual) -> float | None:
    """The least-squares slope through the origin of ``actual`` on ``estimates`` (None without a non-zero estimate):
    1 where the estimates have the real effect's size, 2 where the real effect is twice as large."""
    estimates, actual = np.asarray(estimates, dtype=float), np.asarray(actual, dtype=float)
    power = float(estimates @ estimates)
    return None if power == 0 else float(estimates @ actual) / power


def estimate_vs_retraining(rows: list[dict], actual: list[float], method: str, target: str) -> go.Figure:
    """Each checked row's estimate against the real drop of log p after retraining without it, with y = x and the
    fitted y = slope · x (least squares through the origin: how many times the estimate the real effect is); the
    Spearman correlation (is the ranking right?) and the slope (is the size right?) in the subtitle."""
    from scipy.stats import spearmanr

    estimates = np.array([r["score"] for r in rows], dtype=float)
    actual = np.asarray(actual, dtype=float)
    rho = spearmanr(estimates, actual).correlation if len(rows) > 2 else float("nan")
    low = float(min(estimates.min(), actual.min())) if len(rows) else -1.0
    high = float(max(estimates.max(), actual.max())) if len(rows) else 1.0
    fig = go.Figure([go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"dash": "dot", "color": "#999"},
                                name="estimate = retraining", hoverinfo="skip"),
                     go.Scatter(x=estimates, y=actual, mode="markers", name="a training row",
                                marker={"size": 10, "color": [POSITIVE if v > 0 else NEGATIVE for v in estimates]},
                                customdata=[[r["index"], plain(r["text"][:200]), plain(r["label"])] for r in rows],
                                hovertemplate="#%{customdata[0]} %{customdata[1]}<br>label %{customdata[2]}<br>"
                                              "estimate %{x:.4g} · retrained %{y:.4g}<extra></extra>")])
    slope = fitted_slope(estimates, actual)
    if slope is not None:
        fig.add_trace(go.Scatter(x=[low, high], y=[slope * low, slope * high], mode="lines", hoverinfo="skip",
                                 line={"color": "#555"}, name=f"fitted: retraining = {slope:.2f} × estimate"))
    said = ("" if np.isnan(rho) else f" · Spearman {rho:.3f}") + (
        "" if slope is None else f" · retraining = {slope:.2f} × the estimate (fitted slope)")
    layout(fig, f"{method} against retraining without each row", f"drop of log p({plain(target)}){said}",
           height=460, margin={"l": 10, "r": 10, "t": 80, "b": 40},
           xaxis={"title": f"{method}'s estimate"}, yaxis={"title": "retrained without the row"})
    return fig
