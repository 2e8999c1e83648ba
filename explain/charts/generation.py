"""A continuation token by token: each token's probability under teacher forcing (hover: its text, its
probability and log-probability), drawn from the arrays a generation explanation or ``continuation_logprobs``
gives. Token text is model output: escaped like every other string (``style.plain``)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import AXIS_NUMBERS, SERIES, layout, plain, unique_ticks


def continuation_chart(names, logprobs, chosen: int | None = None) -> go.Figure:
    """Bars of p(token) for each continuation token in order (``names`` as the generation task names them,
    "3:␣Paris"); ``chosen``: the token being explained, outlined."""
    logprobs = np.asarray(logprobs, dtype=np.float64)
    probabilities = np.exp(logprobs)
    ticks = unique_ticks([plain(name) for name in names])
    widths = [3 if i == chosen else 0 for i in range(len(names))]
    fig = go.Figure(go.Bar(
        x=ticks, y=probabilities, marker={"color": SERIES[0], "line": {"width": widths, "color": "#264653"}},
        customdata=np.stack([logprobs], axis=-1),
        hovertemplate="%{x}<br>p = %{y:.4f}<br>log p = %{customdata[0]:.4f}<extra></extra>"))
    mean = float(np.mean(logprobs)) if len(logprobs) else 0.0
    subtitle = (f"{len(names)} tokens; mean log-probability {mean:.3f} (perplexity {np.exp(-mean):.3g}); "
                "the model's probability of each token given the prompt and the tokens before it")
    top = max(0.05, float(probabilities.max()) * 1.1) if len(probabilities) else 1.0  # (small ones stay visible)
    return layout(fig, "The continuation, token by token", subtitle, yaxis={"title": "probability",
                                                                            "range": [0, min(1.0, top)],
                                                                            "tickformat": AXIS_NUMBERS},
                  xaxis={"title": "continuation token (position:text, ␣ = space)", "type": "category"},
                  margin={"t": 90}, height=340)


def continuation_compared(names, before, after) -> go.Figure:
    """Each continuation token's probability after the prompt and after an edited prompt, side by side
    (hover: both log-probabilities and the change)."""
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    ticks = unique_ticks([plain(name) for name in names])
    fig = go.Figure()
    for label, values, colour in (("the prompt", before, SERIES[0]), ("the edited prompt", after, SERIES[1])):
        fig.add_trace(go.Bar(x=ticks, y=np.exp(values), name=label, marker={"color": colour},
                             customdata=np.stack([values, after - before], axis=-1),
                             hovertemplate="%{x}<br>p = %{y:.4f}<br>log p = %{customdata[0]:.4f}<br>change in log p "
                                           "(edited − original) = %{customdata[1]:+.4f}<extra>" + label + "</extra>"))
    change = float(np.sum(after - before))
    subtitle = (f"the same {len(names)} continuation tokens, read after each prompt; the continuation's log-probability "
                f"changes by {change:+.3f} in all")
    top = max(0.05, float(np.exp(np.concatenate([before, after])).max()) * 1.1) if len(before) else 1.0
    return layout(fig, "What if the prompt were different?", subtitle, barmode="group",
                  yaxis={"title": "probability", "range": [0, min(1.0, top)], "tickformat": AXIS_NUMBERS},
                  xaxis={"title": "continuation token", "type": "category"}, margin={"t": 90}, height=340,
                  legend={"orientation": "h", "y": -0.3})


def faithfulness_by_token(names, cards) -> go.Figure:
    """Comprehensiveness and sufficiency of each continuation token's explanation, each beside its random
    control (hover: the values); ``cards``: one Scorecard per token, in order."""
    ticks = unique_ticks([plain(name) for name in names])
    fig = go.Figure()
    for key, label, colour in (("comprehensiveness", "comprehensiveness ↑", SERIES[0]),
                               ("sufficiency", "sufficiency ↓", SERIES[1])):
        values = [card.values[key].value for card in cards]
        controls = [card.values[key].random for card in cards]
        fig.add_trace(go.Bar(x=ticks, y=values, name=label, marker={"color": colour}, customdata=controls,
                             hovertemplate="%{x}<br>" + label + " %{y:.3f}<br>random ranking %{customdata:.3f}"
                                           "<extra></extra>"))
        fig.add_trace(go.Scatter(x=ticks, y=controls, mode="markers", name=f"{key}: random ranking",
                                 marker={"symbol": "line-ew-open", "size": 18, "color": colour, "line": {"width": 3}},
                                 hovertemplate="%{x}<br>random ranking %{y:.3f}<extra></extra>"))
    beats = sum(card.values["comprehensiveness"].value > card.values["comprehensiveness"].random for card in cards)
    subtitle = (f"ERASER, per continuation token (log-probability): comprehensiveness beats the random ranking for "
                f"{beats} of {len(cards)} tokens; the dashes mark the random ranking")
    return layout(fig, "Faithfulness, token by token", subtitle, barmode="group", height=360, margin={"t": 90},
                  yaxis={"title": "change in log-probability", "tickformat": AXIS_NUMBERS},
                  xaxis={"title": "continuation token", "type": "category"}, legend={"orientation": "h", "y": -0.3})
