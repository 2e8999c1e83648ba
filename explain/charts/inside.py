"""Charts of "Inside the Transformer": pure functions from ``model.internals`` results to Figures.

Layers and heads are numbered from 1 on screen (as in the Attention tab); the library counts from 0.
Each chart shows one step with its formula and shape in the subtitle and exact values on hover;
token labels are escaped (``plain``) like every user string.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model.internals import AttentionSteps, LayerFlow, LayerLens, PositionView, position_similarity

from .embedding import project
from .style import DIVERGING, PALETTE, SEQUENTIAL, SERIES, layout, number, plain, short, unique_ticks

MAX_HEIGHT = 760  # a long text makes the cells thinner, not the page taller


def token_height(n: int, per_token: int, extra: int, least: int) -> int:
    """A chart's height for ``n`` token rows, bounded (hover gives every row's token anyway)."""
    return min(MAX_HEIGHT, max(least, per_token * n + extra))


def _ticks(tokens) -> list[str]:
    return unique_ticks([short(t, 14) for t in tokens])


def _heat(z, x, y, colours=DIVERGING, centre: bool = True, name: str = "", **extra) -> go.Heatmap:
    z = np.asarray(z, dtype=float)
    finite = z[np.isfinite(z)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    limits = {"zmin": -bound, "zmax": bound} if centre else {}
    return go.Heatmap(z=z, x=x, y=y, colorscale=colours, **limits, name=name,
                      hovertemplate=f"{name} row %{{y}} · column %{{x}}<br>%{{z:.5g}}<extra></extra>", **extra)


def _dims(n: int) -> list[str]:
    return [f"d{i}" for i in range(n)]


def layer_input(steps: AttentionSteps) -> go.Figure:
    x = steps.X
    fig = go.Figure(_heat(x, _dims(x.shape[1]), _ticks(steps.tokens), name="X", colorbar={"len": 0.9}))
    layout(fig, f"X · the input of layer {steps.layer + 1}", f"shape {x.shape[0]} tokens × {x.shape[1]} hidden · "
            "the embeddings for layer 1, else the previous layer's output",
            height=token_height(len(steps.tokens), 24, 160, 300), yaxis={"autorange": "reversed"},
            margin={"l": 10, "r": 10, "t": 80, "b": 30}, xaxis={"showticklabels": False, "title": "hidden dimension"})
    return fig


def queries_keys_values(steps: AttentionSteps) -> go.Figure:
    names = ("Q = X W_q + b_q", "K = X W_k + b_k", "V = X W_v + b_v")
    shared = ""
    if steps.key_head is not None:  # grouped-query attention: K and V are one key/value head's, shared
        heads = f"{steps.sharing[0] + 1}–{steps.sharing[-1] + 1}" if len(steps.sharing) > 1 else f"{steps.head + 1}"
        names = (names[0], f"K of key/value head {steps.key_head + 1} (heads {heads})",
                 f"V of key/value head {steps.key_head + 1} (heads {heads})")
        shared = f"; K and V are shared by query heads {heads} (grouped-query attention)"
    fig = make_subplots(rows=1, cols=3, subplot_titles=names, shared_yaxes=True, horizontal_spacing=0.03)
    for col, (name, z) in enumerate(zip("QKV", (steps.Q, steps.K, steps.V)), start=1):
        fig.add_trace(_heat(z, _dims(z.shape[1]), _ticks(steps.tokens), name=name, showscale=col == 3), 1, col)
        fig.update_xaxes(showticklabels=False, title_text=f"{steps.d_k} dimensions of head {steps.head + 1}", row=1,
                         col=col)
    fig.update_yaxes(autorange="reversed")
    layout(fig, f"Q, K, V · layer {steps.layer + 1}, head {steps.head + 1}",
            f"each {len(steps.tokens)} tokens × d_k = {steps.d_k}: the head's slice of the layer's three projections"
            f"{shared}",
            height=token_height(len(steps.tokens), 24, 170, 320), margin={"l": 10, "r": 10, "t": 100, "b": 40})
    return fig


def scores_and_weights(steps: AttentionSteps) -> go.Figure:
    """S and P; where the architecture adds terms to Q Kᵀ (DeBERTa's content→position and
    position→content, MPNet's relative bias) the terms come first, in a row above, on one scale with S."""
    ticks = _ticks(steps.tokens)
    n = len(steps.tokens)
    extra = list(steps.terms) if len(steps.terms) > 1 else []
    scores = np.where(np.isfinite(steps.S), steps.S, np.nan)
    p_title = "P = softmax(S), row by row"
    if not extra:
        fig = make_subplots(rows=1, cols=2, subplot_titles=("S = Q Kᵀ / √d_k (+ mask)", p_title),
                            horizontal_spacing=0.16)
        fig.add_trace(_heat(scores, ticks, ticks, name="S", colorbar={"x": 0.43, "len": 0.9, "thickness": 14}), 1, 1)
        fig.add_trace(_heat(steps.P, ticks, ticks, colours=SEQUENTIAL, centre=False, name="P", zmin=0,
                            zmax=float(steps.P.max()), colorbar={"x": 1.0, "len": 0.9}), 1, 2)
        height = token_height(n, 30, 220, 380)
    else:
        cols = max(len(extra), 2)
        titles = [*extra, *[""] * (cols - len(extra)), "S = " + " + ".join(extra) + " (+ mask)", p_title]
        fig = make_subplots(rows=2, cols=cols, subplot_titles=titles, horizontal_spacing=0.06, vertical_spacing=0.14,
                            specs=[[{} for _ in range(cols)], [{} for _ in range(cols)]])
        bound = max([float(np.nanmax(np.abs(scores))) if np.isfinite(scores).any() else 1.0,
                     *(float(np.abs(term).max()) for term in steps.terms.values())])
        for col, name in enumerate(extra, start=1):
            fig.add_trace(go.Heatmap(z=steps.terms[name], x=ticks, y=ticks, colorscale=DIVERGING, zmin=-bound,
                                     zmax=bound, showscale=False,
                                     hovertemplate=f"{plain(name)}<br>query %{{y}} · key %{{x}}<br>%{{z:.5g}}"
                                                   "<extra></extra>"), 1, col)
        fig.add_trace(_heat(scores, ticks, ticks, centre=False, name="S", zmin=-bound, zmax=bound,
                            colorbar={"x": 1.0, "y": 0.79, "len": 0.4, "thickness": 12}), 2, 1)
        fig.add_trace(_heat(steps.P, ticks, ticks, colours=SEQUENTIAL, centre=False, name="P", zmin=0,
                            zmax=float(steps.P.max()), colorbar={"x": 1.0, "y": 0.21, "len": 0.4, "thickness": 12}), 2, 2)
        for col in range(2, cols + 1):
            fig.update_yaxes(showticklabels=False, row=1, col=col)
            fig.update_yaxes(showticklabels=False, row=2, col=col)
        height = min(1400, 2 * token_height(n, 24, 120, 300) + 120)
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="query token", col=1)  # (only left: the others met the colour bars)
    fig.update_xaxes(tickangle=-45)
    layout(fig, f"Scores and attention weights · layer {steps.layer + 1}, head {steps.head + 1}",
           f"each {n} × {n} (rows: the query token, columns: the key token) · P matches the model's own attention "
           f"probabilities to {steps.p_difference:.1e}", height=height, margin={"l": 10, "r": 10, "t": 100, "b": 10})
    return fig


def head_output(steps: AttentionSteps) -> go.Figure:
    fig = go.Figure(_heat(steps.A, _dims(steps.A.shape[1]), _ticks(steps.tokens), name="A"))
    layout(fig, f"A = P V · head {steps.head + 1}'s output",
            f"{len(steps.tokens)} tokens × d_k = {steps.d_k} · matches the head's slice of the model's attention "
            f"output to {steps.a_difference:.1e}", height=token_height(len(steps.tokens), 24, 160, 300),
            yaxis={"autorange": "reversed"}, xaxis={"showticklabels": False, "title": "dimension"},
            margin={"l": 10, "r": 10, "t": 80, "b": 30})
    return fig


def query_key(steps: AttentionSteps, query: int) -> go.Figure:
    """bertviz's neuron view: q_d k_d / scale per key token and dimension; each row adds up to the content
    term of S[q, k] (all of S for models that add no other term)."""
    parts = steps.contributions(query)
    ticks = _ticks(steps.tokens)
    only_content = len(steps.terms) == 1
    total = "sum = S[q, k]" if only_content else "sum = content term of S[q, k]"
    fig = make_subplots(rows=1, cols=2, column_widths=[0.78, 0.22], shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=("q · k, dimension by dimension", total))
    fig.add_trace(_heat(parts, _dims(parts.shape[1]), ticks, name=f"q_d k_d / {steps.content_scale:.3g}",
                        showscale=False), 1, 1)
    fig.add_trace(go.Bar(x=parts.sum(1), y=ticks, orientation="h", marker_color=SERIES[0],
                         customdata=np.stack([steps.S[query], steps.P[query]], 1),
                         hovertemplate="%{y}: content %{x:.4g} · S = %{customdata[0]:.4g} · P = %{customdata[1]:.3f}"
                                       "<extra></extra>"), 1, 2)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    extra = "" if only_content else " · the other terms of S are in the chart above"
    layout(fig, f"Query {short(steps.tokens[query], 20)} against every key",
           f"layer {steps.layer + 1}, head {steps.head + 1} · token {query} as the query · hover a bar for S and "
           f"its weight P{extra}", height=token_height(len(steps.tokens), 24, 160, 320), showlegend=False,
           margin={"l": 10, "r": 10, "t": 100, "b": 30})
    return fig


def sinusoidal(encoding: np.ndarray) -> go.Figure:
    """The formula's encoding and the dot product between positions (it depends only on their distance)."""
    length, d_model = encoding.shape
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("PE(pos, dimension)", "PE(p) · PE(q)"))
    fig.add_trace(_heat(encoding, list(range(d_model)), list(range(length)), name="PE",
                        colorbar={"x": 0.5, "len": 0.9}), 1, 1)
    fig.add_trace(_heat(position_similarity(encoding, cosine=False), list(range(length)), list(range(length)),
                        colours=SEQUENTIAL, centre=False, name="dot product", colorbar={"x": 1.0, "len": 0.9}), 1, 2)
    fig.update_yaxes(autorange="reversed", title_text="position")
    fig.update_xaxes(title_text="dimension", row=1, col=1)
    fig.update_xaxes(title_text="position", row=1, col=2)
    layout(fig, "Sinusoidal position encoding", f"PE(pos, 2i) = sin(pos / 10000^(2i/{d_model})), PE(pos, 2i+1) = "
            f"cos(…) · {length} positions × d_model {d_model}", height=480,
            margin={"l": 10, "r": 10, "t": 100, "b": 40})
    return fig


def learned_positions(table: np.ndarray, length: int) -> go.Figure:
    """The model's own position embeddings: cosine similarity between positions and a 2-D PCA path."""
    table = table[:length]
    points, _, _ = project(table[1:], 2, "pca")  # position 0 ([CLS]'s) is far from the rest: left out of the path
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.12,
                        subplot_titles=("cosine similarity between positions", f"positions 1–{length - 1} in 2-D (PCA)"))
    fig.add_trace(_heat(position_similarity(table), list(range(length)), list(range(length)), name="cosine",
                        colorbar={"x": 0.44, "len": 0.9}), 1, 1)
    fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines+markers", line={"color": "#bbb"},
                             marker={"color": np.arange(1, length), "colorscale": SEQUENTIAL, "size": 7,
                                     "colorbar": {"title": {"text": "position"}, "x": 1.0, "len": 0.9}},
                             customdata=np.arange(1, length), hovertemplate="position %{customdata}<extra></extra>"),
                  1, 2)
    fig.update_yaxes(autorange="reversed", title_text="position", row=1, col=1)
    fig.update_xaxes(title_text="position", row=1, col=1)
    fig.update_xaxes(showticklabels=False, row=1, col=2)
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    layout(fig, "Learned position embeddings", f"the model's own table, first {length} of its positions × "
            f"{table.shape[1]} · added to the token embeddings: X = LayerNorm(token + position (+ type))",
            height=480, showlegend=False, margin={"l": 10, "r": 10, "t": 100, "b": 40})
    return fig


def positions(view: PositionView, length: int = 64) -> go.Figure:
    """What the model uses for word order, drawn for its kind: a learned table, relative buckets with their
    bias per head, DeBERTa's bucketed relative embeddings, or rotary angles and the local window."""
    if view.kind == "learned":
        return learned_positions(view.table, min(length, len(view.table)))
    if view.kind == "relative buckets":
        fig = make_subplots(rows=1, cols=2, subplot_titles=("bucket of each relative distance",
                                                            "learned bias of each head"), horizontal_spacing=0.1)
        fig.add_trace(go.Scatter(x=view.distances, y=view.buckets, mode="lines+markers", line={"color": PALETTE[3]},
                                 hovertemplate="distance %{x}: bucket %{y}<extra></extra>", showlegend=False), 1, 1)
        for head, bias in enumerate(view.bias):
            fig.add_trace(go.Scatter(x=view.distances, y=bias, mode="lines", name=f"head {head + 1}",
                                     line={"color": PALETTE[head % len(PALETTE)]},
                                     hovertemplate=f"head {head + 1}<br>distance %{{x}}: bias %{{y:.4g}}<extra></extra>"),
                          1, 2)
        fig.update_xaxes(title_text="key position − query position")
        return layout(fig, "Relative positions: buckets and a bias per head", view.description, height=440,
                      margin={"l": 10, "r": 10, "t": 100, "b": 40})
    if view.kind == "disentangled":
        fig = make_subplots(rows=1, cols=2, subplot_titles=("bucket of each relative distance (log buckets)",
                                                            "cosine similarity of the relative embeddings"),
                            horizontal_spacing=0.12)
        fig.add_trace(go.Scatter(x=view.distances, y=view.buckets, mode="lines+markers", line={"color": PALETTE[3]},
                                 hovertemplate="distance %{x}: bucket %{y}<extra></extra>", showlegend=False), 1, 1)
        rows = list(range(len(view.table)))
        fig.add_trace(_heat(position_similarity(view.table), rows, rows, name="cosine",
                            colorbar={"x": 1.0, "len": 0.9}), 1, 2)
        fig.update_xaxes(title_text="key position − query position", row=1, col=1)
        fig.update_yaxes(autorange="reversed", row=1, col=2)
        return layout(fig, "Disentangled relative positions (DeBERTa)", view.description, height=440,
                      margin={"l": 10, "r": 10, "t": 100, "b": 40})
    kinds = list(view.angles)
    if view.window is None:  # a rotary decoder: every layer alike, each token reading the tokens before it
        fig = go.Figure(go.Heatmap(z=np.cos(view.angles[kinds[0]]), colorscale=DIVERGING, zmin=-1, zmax=1,
                                   hovertemplate="position %{y} · dimension pair %{x}<br>cos %{z:.3f}<extra></extra>"))
        fig.update_xaxes(title_text="dimension pair (the model's own frequencies, fastest first)")
        fig.update_yaxes(title_text="position", autorange="reversed")
        return layout(fig, "Rotary positions", f"{view.description}; every layer alike, each token reading itself "
                      "and the tokens before it (the causal mask)", height=460,
                      margin={"l": 10, "r": 10, "t": 100, "b": 40})
    fig = make_subplots(rows=1, cols=len(kinds) + 1, horizontal_spacing=0.08,
                        subplot_titles=[f"cos(angle) · {k.replace('_', ' ')}" for k in kinds] + ["what each layer reads"])
    for col, kind in enumerate(kinds, start=1):
        angles = view.angles[kind]
        fig.add_trace(go.Heatmap(z=np.cos(angles), colorscale=DIVERGING, zmin=-1, zmax=1, showscale=col == 1,
                                 hovertemplate="position %{y} · dimension pair %{x}<br>cos %{z:.3f}<extra></extra>"),
                      1, col)
        fig.update_xaxes(title_text="dimension pair", row=1, col=col)
        fig.update_yaxes(title_text="position", autorange="reversed", row=1, col=col)
    local = [i + 1 for i, k in enumerate(view.layer_types) if k == "sliding_attention"]
    fig.add_trace(go.Bar(x=[f"{i + 1}" for i in range(len(view.layer_types))],
                         y=[2 * view.window + 1 if k == "sliding_attention" else None for k in view.layer_types],
                         marker_color=SERIES[0], hovertemplate="layer %{x}: each token reads %{y} tokens<extra></extra>",
                         showlegend=False), 1, len(kinds) + 1)
    fig.update_xaxes(title_text="layer", row=1, col=len(kinds) + 1)
    return layout(fig, "Rotary positions and local windows (ModernBERT)",
                  f"{view.description}; local layers ({', '.join(map(str, local)) or 'none'}) read ±{view.window} "
                  "tokens, the others every token", height=460, margin={"l": 10, "r": 10, "t": 100, "b": 40})


def flow(result: LayerFlow) -> go.Figure:
    """Per layer and token: the residual stream, what attention and the feed-forward layer add, active units."""
    ticks = _ticks(result.tokens)
    layers = [f"layer {i + 1}" for i in range(len(result.residual_norm))]
    panels = (("‖residual stream‖ entering", result.residual_norm), ("‖attention output‖ added", result.attention_norm),
              ("‖feed-forward output‖ added", result.ffn_norm), ("share of feed-forward units > 0",
                                                                 result.active_share))
    fig = make_subplots(rows=2, cols=2, subplot_titles=[p[0] for p in panels], vertical_spacing=0.16,
                        horizontal_spacing=0.08)
    for index, (name, z) in enumerate(panels):
        row, col = divmod(index, 2)
        share = index == 3
        fig.add_trace(go.Heatmap(z=z, x=ticks, y=layers, colorscale=SEQUENTIAL, zmin=0 if share else None,
                                 zmax=1 if share else None, hovertemplate=f"{name}<br>%{{y}} · %{{x}}: "
                                 f"%{{z:{'.1%' if share else '.4g'}}}<extra></extra>",
                                 colorbar={"x": 0.45 if col == 0 else 1.0, "y": 0.79 if row == 0 else 0.21,
                                           "len": 0.38}), row + 1, col + 1)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-45)
    layout(fig, "Attention and feed-forward, layer by layer", "norms per token (hover for values) · each layer "
            "adds its attention output, then its feed-forward output, to the stream (with LayerNorm after each)",
            height=max(560, 2 * (22 * len(layers) + 170)), margin={"l": 10, "r": 10, "t": 100, "b": 40})
    return fig


def lens(result: LayerLens, top: int = 6) -> go.Figure:
    """The task's output read after each layer; the explained outputs and the strongest others."""
    steps = ["embeddings", *[f"layer {i}" for i in range(1, len(result.values))]]
    final = result.values[-1]
    order = list(result.explained) + [int(i) for i in np.argsort(-np.abs(final)) if i not in result.explained]
    fig = go.Figure()
    for rank, column in enumerate(order[:top]):
        name = result.labels[column]
        fig.add_trace(go.Scatter(x=steps, y=result.values[:, column], mode="lines+markers", name=short(name, 30),
                                 line={"width": 3 if column in result.explained else 1.5,
                                       "color": PALETTE[rank % len(PALETTE)]},
                                 customdata=[plain(name)] * len(steps),
                                 hovertemplate="%{customdata} after %{x}: %{y:.4g}<extra></extra>"))
    named = ", ".join(f"{plain(result.labels[c])} {number(final[c])}" for c in result.explained[:3])
    layout(fig, "Layer lens", f"the task's own head read after each layer · {plain(result.output_name)} · the last "
            f"point is the model's answer ({named})", height=440, margin={"l": 10, "r": 10, "t": 90, "b": 40},
            yaxis={"title": plain(result.output_name), "tickformat": ".3~r"})
    return fig


def token_similarity(result: LayerFlow, layer: int) -> go.Figure:
    ticks = _ticks(result.tokens)
    matrix = result.token_similarity(layer)
    fig = go.Figure(_heat(matrix, ticks, ticks, colours=SEQUENTIAL, centre=False, name="cosine", zmin=-1 if
                          matrix.min() < 0 else 0, zmax=1))
    where = "the embeddings" if layer == 0 else f"layer {layer}"
    layout(fig, f"Token similarity after {where}", f"cosine between the tokens' hidden states · last_hidden_state "
            f"has shape {result.last_hidden_state_shape}", height=token_height(len(ticks), 28, 200, 380),
            yaxis={"autorange": "reversed"}, xaxis={"tickangle": -45}, margin={"l": 10, "r": 10, "t": 80, "b": 10})
    return fig
