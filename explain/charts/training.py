"""Charts of training a classifier: the loss curves as they come, and the held-out report."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .confusion import confusion_heatmap
from .style import PALETTE, SERIES, layout, short

EPOCHS = {"lbfgs": "epoch (an L-BFGS step of up to 10 iterations)", "adam": "epoch (an Adam step on every example)",
          "finetune": "epoch (a pass over every training example, in mini-batches)"}


def curves(history, title: str = "Training", what: str = "lbfgs") -> go.Figure:
    """Training loss and held-out loss per epoch (left axis), held-out accuracy (right axis); ``what`` is how
    the model was trained ("lbfgs" or "adam" for a head, "finetune"), which says what an epoch is."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    epochs = [e.epoch for e in history]
    fig.add_trace(go.Scatter(x=epochs, y=[e.train_loss for e in history], name="training loss", mode="lines+markers",
                             line={"color": PALETTE[0]}, hovertemplate="epoch %{x}: training loss %{y:.4f}"
                                                                       "<extra></extra>"), secondary_y=False)
    if any(e.heldout_loss is not None for e in history):
        fig.add_trace(go.Scatter(x=epochs, y=[e.heldout_loss for e in history], name="held-out loss",
                                 mode="lines+markers", line={"color": PALETTE[1]},
                                 hovertemplate="epoch %{x}: held-out loss %{y:.4f}<extra></extra>"), secondary_y=False)
        fig.add_trace(go.Scatter(x=epochs, y=[e.heldout_accuracy for e in history], name="held-out accuracy",
                                 mode="lines+markers", line={"color": PALETTE[2], "dash": "dot"},
                                 hovertemplate="epoch %{x}: held-out accuracy %{y:.1%}<extra></extra>"),
                      secondary_y=True)
        fig.update_yaxes(title_text="accuracy", tickformat=".0%", range=[0, 1.02], secondary_y=True)
    last = history[-1] if history else None
    subtitle = "" if last is None else f"epoch {last.epoch} · training loss {last.train_loss:.4f}" + (
        "" if last.heldout_accuracy is None else f" · held-out accuracy {last.heldout_accuracy:.1%}")
    fig.update_yaxes(title_text="cross-entropy", secondary_y=False, rangemode="tozero")
    fig.update_xaxes(title_text=EPOCHS.get(what, "epoch"), dtick=1 if len(epochs) <= 20 else None)
    layout(fig, title, subtitle, height=420, margin={"l": 10, "r": 10, "t": 80, "b": 40},
            legend={"orientation": "h", "y": -0.25})
    return fig


def confusion(report, limit: int = 30) -> go.Figure:
    """The held-out confusion matrix (rows gold, columns predicted), as shares of each gold class."""
    labels = report.labels[:limit]
    counts = np.array(report.confusion, dtype=float)[:limit, :limit]
    what = f"{len(report.folds)}-fold cross-validation" if report.folds else f"{report.rows} held-out rows"
    more = f" · first {limit} of {len(report.labels)} labels" if len(report.labels) > limit else ""
    return confusion_heatmap(labels, counts, "Held-out confusion matrix",
                             f"{what} · accuracy {report.accuracy:.1%}{more}")


def per_class(report) -> go.Figure:
    """Precision and recall per label, the weakest recall first."""
    order = sorted(range(len(report.labels)), key=lambda i: (report.recall[i], report.labels[i]))[:40]
    ticks = [short(report.labels[i], 24) for i in order]
    fig = go.Figure([go.Bar(y=ticks, x=[report.precision[i] for i in order], name="precision", orientation="h",
                            marker_color=SERIES[0], hovertemplate="%{y}: precision %{x:.1%}<extra></extra>"),
                     go.Bar(y=ticks, x=[report.recall[i] for i in order], name="recall", orientation="h",
                            marker_color=SERIES[1], hovertemplate="%{y}: recall %{x:.1%}<extra></extra>")])
    layout(fig, "Precision and recall per label", "held-out rows · the weakest recall first", barmode="group",
            height=max(320, 34 * len(order) + 160), xaxis={"tickformat": ".0%", "range": [0, 1.02]},
            yaxis={"autorange": "reversed"}, margin={"l": 10, "r": 10, "t": 80, "b": 40},
            legend={"orientation": "h", "y": -0.12})
    return fig
