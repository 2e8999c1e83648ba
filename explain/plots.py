"""Charts: pure functions from an Explanation (or plain arrays) to a Plotly Figure.

They never recompute anything. Colours are shared by every chart: positive contributions red,
negative blue (shap's palette), attention in one sequential scale. Every user or model string
goes through ``plain`` because Plotly interprets a few HTML tags in text; escaped, it shows the
characters literally.
"""
from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model.errors import InputError
from model.tasks.embedding import cosine_matrix

from .explanation import Explanation
from .registry import METHODS

POSITIVE = "#ff0051"
NEGATIVE = "#008bfb"
DIVERGING = [[0.0, NEGATIVE], [0.5, "#f4f4f4"], [1.0, POSITIVE]]
SEQUENTIAL = "Viridis"
PALETTE = ("#7b2ff7", "#ff9f1c", "#2ec4b6", "#3a86ff", "#e76f51", "#8ac926", "#6a4c93", "#1982c4")
TEMPLATE = "plotly_white"
MAX_TICK = 24


def plain(text: object) -> str:
    """A string Plotly shows literally (no tags, no entities interpreted)."""
    return html.escape(str(text), quote=False)


def short(text: str, limit: int = MAX_TICK) -> str:
    text = str(text)
    return plain(text if len(text) <= limit else text[: limit - 1] + "…")


def _unique_ticks(names: list[str]) -> list[str]:
    """Category axes merge equal labels; number repeats so every word keeps its own bar/cell."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}\u2009({seen[name]})")
    return out


def method_colour(name: str) -> str:
    """A method's own COLOUR, else a palette colour by its place in the registry."""
    cls = METHODS.get(name)
    if cls is not None and cls.COLOUR:
        return cls.COLOUR
    names = list(METHODS)
    return PALETTE[(names.index(name) if name in names else sum(map(ord, name))) % len(PALETTE)]


def _title(e: Explanation, target: int) -> str:
    name = e.targets[target]
    value = e.outputs[target]
    what = e.meta.get("output", "output")
    if e.kind == "attention":
        return f"{e.method.capitalize()} received per token · model output: {plain(name)} ({what} {value:.3f})"
    base = f", base {e.base_values[target]:.3f}" if e.method == "shap" else ""
    return f"{e.method.upper()} · {plain(name)} ({what} {value:.3f}{base})"


def _units(e: Explanation, level: str):
    if level == "token":
        rows = [i for i, t in enumerate(e.tokens) if not t.special]
        return [e.tokens[i].text for i in rows], e.attributions[rows]
    return [w.text for w in e.words], e.word_attributions


def attribution_bars(e: Explanation, target: int | str = 0, *, level: str = "word", sort: bool = False,
                     top: int | None = None) -> go.Figure:
    """Signed horizontal bars, red up / blue down, in text order or sorted by |value|."""
    j = e.target_index(target)
    names, values = _units(e, level)
    values = values[:, j]
    order = list(range(len(names)))
    if sort:
        order = sorted(order, key=lambda i: -abs(values[i]))
    if top:
        order = order[:top]
    ticks = _unique_ticks([short(names[i]) for i in order])
    full = [plain(names[i]) for i in order]
    attention = e.kind == "attention"
    fig = go.Figure(go.Bar(
        x=[values[i] for i in order], y=ticks, orientation="h",
        marker_color=[method_colour(e.method) if attention else POSITIVE if values[i] >= 0 else NEGATIVE
                      for i in order],
        customdata=full, hovertemplate="%{customdata}<br>%{x:.5f}<extra></extra>"))
    axis = "attention received" if attention else f"contribution to {plain(e.meta.get('output', 'output'))}"
    fig.update_layout(title=_title(e, j), template=TEMPLATE, height=max(280, 22 * len(order) + 120),
                      xaxis_title=axis,
                      yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 60, "b": 40})
    return fig


def text_heatmap(e: Explanation, target: int | str = 0, *, per_row: int | None = None) -> go.Figure:
    """The text as a grid of words, each shaded by its attribution (diverging, centred on 0)."""
    j = e.target_index(target)
    words = [w.text for w in e.words]
    values = e.word_attributions[:, j]
    n = max(1, len(words))
    per_row = per_row or max(1, min(12, n))
    rows = math.ceil(n / per_row)
    z = np.full((rows, per_row), np.nan)
    text = np.full((rows, per_row), "", dtype=object)
    hover = np.full((rows, per_row), "", dtype=object)
    for i, (word, value) in enumerate(zip(words, values)):
        r, c = divmod(i, per_row)
        z[r, c] = value
        text[r, c] = short(word, 14)
        hover[r, c] = f"{plain(word)}<br>{value:+.5f}"
    limit = float(np.nanmax(np.abs(values))) if len(values) and np.nanmax(np.abs(values)) > 0 else 1.0
    fig = go.Figure(go.Heatmap(
        z=z, text=text, texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit, xgap=3, ygap=3,
        colorbar={"title": {"text": "contribution"}}))
    fig.update_layout(title=_title(e, j), template=TEMPLATE, height=max(200, 46 * rows + 110),
                      xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"},
                      margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def _token_ticks(e: Explanation) -> list[str]:
    return _unique_ticks([short(t.text, 14) for t in e.tokens])


def attention_heatmap(e: Explanation, layer: int = -1, head: int | None = None) -> go.Figure:
    """One layer's attention (one head, or the heads' mean): rows attend to columns."""
    if e.attention is None:
        raise InputError("This explanation has no attention weights; use the attention or rollout method.")
    layers, heads = e.attention.shape[:2]
    layer = layer % layers
    matrix = e.attention[layer].mean(axis=0) if head is None else e.attention[layer, head % heads]
    ticks = _token_ticks(e)
    which = "mean of heads" if head is None else f"head {head % heads + 1}"
    fig = go.Figure(go.Heatmap(z=matrix, x=ticks, y=ticks, colorscale=SEQUENTIAL, zmin=0,
                               hovertemplate="from %{y}<br>to %{x}<br>%{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "attention"}}))
    fig.update_layout(title=f"Attention · layer {layer + 1} · {which}", template=TEMPLATE,
                      xaxis={"type": "category", "tickangle": -45}, yaxis={"type": "category", "autorange": "reversed"},
                      height=max(420, 18 * len(ticks) + 200))
    return fig


def attention_head_grid(e: Explanation, layer: int = -1) -> go.Figure:
    """Every head of one layer as small heatmaps on a shared colour scale."""
    if e.attention is None:
        raise InputError("This explanation has no attention weights; use the attention or rollout method.")
    layer = layer % e.attention.shape[0]
    heads = e.attention.shape[1]
    cols = min(4, heads)
    rows = math.ceil(heads / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"head {h + 1}" for h in range(heads)],
                        horizontal_spacing=0.03, vertical_spacing=0.06)
    ticks = _token_ticks(e)
    for h in range(heads):
        fig.add_trace(go.Heatmap(z=e.attention[layer, h], x=ticks, y=ticks, coloraxis="coloraxis",
                                 hovertemplate=f"head {h + 1}<br>from %{{y}}<br>to %{{x}}<br>%{{z:.4f}}<extra></extra>"),
                      row=h // cols + 1, col=h % cols + 1)
    fig.update_xaxes(showticklabels=False, type="category")
    fig.update_yaxes(showticklabels=False, type="category", autorange="reversed")
    fig.update_layout(title=f"All heads of layer {layer + 1}", template=TEMPLATE, height=230 * rows + 80,
                      coloraxis={"colorscale": SEQUENTIAL, "cmin": 0})
    return fig


def rollout_heatmap(e: Explanation) -> go.Figure:
    """The attention-rollout matrix (only on rollout explanations)."""
    if e.rollout is None:
        raise InputError("This explanation has no rollout matrix; use the rollout method.")
    ticks = _token_ticks(e)
    fig = go.Figure(go.Heatmap(z=e.rollout, x=ticks, y=ticks, colorscale=SEQUENTIAL, zmin=0,
                               hovertemplate="from %{y}<br>to %{x}<br>%{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "rollout"}}))
    fig.update_layout(title="Attention rollout (all layers)", template=TEMPLATE,
                      xaxis={"type": "category", "tickangle": -45}, yaxis={"type": "category", "autorange": "reversed"},
                      height=max(420, 18 * len(ticks) + 200))
    return fig


def label_scores(labels: list[str], scores, title: str = "Label scores") -> go.Figure:
    """Horizontal bars of label scores, highest first."""
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    fig = go.Figure(go.Bar(x=scores[order], y=_unique_ticks([short(labels[i], 40) for i in order]), orientation="h",
                           marker_color=method_colour("shap"), customdata=[plain(labels[i]) for i in order],
                           hovertemplate="%{customdata}<br>%{x:.4f}<extra></extra>"))
    fig.update_layout(title=plain(title), template=TEMPLATE, xaxis={"range": [0, max(1.0, float(scores.max()))]},
                      yaxis={"autorange": "reversed", "type": "category"}, height=max(240, 30 * len(labels) + 100))
    return fig


def target_small_multiples(e: Explanation) -> go.Figure:
    """Word attributions for each target side by side, words aligned on a shared axis."""
    n = len(e.targets)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[f"{short(t, 20)} ({e.outputs[j]:.2f})" for j, t in enumerate(e.targets)])
    ticks = _unique_ticks([short(w.text) for w in e.words])
    full = [plain(w.text) for w in e.words]
    for j in range(n):
        values = e.word_attributions[:, j]
        fig.add_trace(go.Bar(x=values, y=ticks, orientation="h", name=plain(e.targets[j]), showlegend=False,
                             marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in values], customdata=full,
                             hovertemplate=f"{plain(e.targets[j])}<br>%{{customdata}}<br>%{{x:.5f}}<extra></extra>"),
                      row=1, col=j + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(title=f"{e.method.upper()} per label", template=TEMPLATE, height=max(300, 22 * len(ticks) + 140))
    return fig


def comparison(explanations: list[Explanation], target: int | str = 0) -> go.Figure:
    """Several methods on the same text: grouped bars per word, each method scaled to max |value| = 1."""
    if not explanations:
        raise InputError("Nothing to compare.")
    first = explanations[0]
    ticks = _unique_ticks([short(w.text) for w in first.words])
    fig = go.Figure()
    for e in explanations:
        if [w.text for w in e.words] != [w.text for w in first.words]:
            raise InputError("Only explanations of the same text can be compared.")
        values = e.word_attributions[:, e.target_index(target) if isinstance(target, str) else 0]
        scale = float(np.abs(values).max()) or 1.0
        fig.add_trace(go.Bar(x=values / scale, y=ticks, orientation="h", name=e.method,
                             marker_color=method_colour(e.method), customdata=values,
                             hovertemplate=f"{e.method}<br>%{{y}}<br>%{{customdata:.5f}} (scaled %{{x:.3f}})<extra></extra>"))
    fig.update_layout(barmode="group", title="Methods compared (each scaled to its largest |value|)", template=TEMPLATE,
                      yaxis={"autorange": "reversed", "type": "category"}, height=max(320, 26 * len(ticks) * len(explanations) // 2 + 160))
    return fig


def similarity_matrix(texts: list[str], vectors: np.ndarray) -> go.Figure:
    """Cosine similarity of every pair of texts."""
    sims = cosine_matrix(vectors)
    ticks = _unique_ticks([short(t, 30) for t in texts])
    full = [plain(t) for t in texts]
    pairs = [[f"{full[i]}<br>{full[k]}" for k in range(len(texts))] for i in range(len(texts))]
    fig = go.Figure(go.Heatmap(z=sims, x=ticks, y=ticks, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
                               customdata=pairs, hovertemplate="%{customdata}<br>cos %{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "cosine"}}))
    fig.update_layout(title="Cosine similarity", template=TEMPLATE, height=max(400, 28 * len(texts) + 200),
                      xaxis={"type": "category", "tickangle": -30}, yaxis={"type": "category", "autorange": "reversed"})
    return fig


def projection(texts: list[str], vectors: np.ndarray, dims: int = 2, method: str = "pca") -> go.Figure:
    """2-D or 3-D projection of embeddings (PCA; UMAP when installed and asked for), text on hover."""
    if dims not in (2, 3):
        raise InputError("A projection has 2 or 3 dimensions.")
    if len(texts) < 2:
        raise InputError("A projection needs at least two texts.")
    points, used = _project(vectors, dims, method)
    hover = [plain(t if len(t) <= 200 else t[:199] + "…") for t in texts]
    labels = [short(t, 20) for t in texts]
    if dims == 2:
        trace = go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers+text", text=labels, textposition="top center",
                           customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                           marker={"size": 11, "color": PALETTE[3]})
    else:
        trace = go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers+text", text=labels,
                             customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                             marker={"size": 5, "color": PALETTE[3]})
    fig = go.Figure(trace)
    fig.update_layout(title=f"Embeddings · {used.upper()} {dims}-D", template=TEMPLATE, height=520)
    if dims == 2:  # room for the text labels next to the points at the edges
        for axis, column in (("xaxis", 0), ("yaxis", 1)):
            low, high = float(points[:, column].min()), float(points[:, column].max())
            pad = 0.25 * (high - low or 1.0)
            fig.update_layout({axis: {"range": [low - pad, high + pad]}})
    return fig


def _project(vectors: np.ndarray, dims: int, method: str) -> tuple[np.ndarray, str]:
    vectors = np.asarray(vectors, dtype=np.float64)
    if method == "umap" and len(vectors) > dims + 2:
        try:
            import umap

            reducer = umap.UMAP(n_components=dims, n_neighbors=min(15, len(vectors) - 1), random_state=0)
            return reducer.fit_transform(vectors), "umap"
        except ImportError:
            pass
    from sklearn.decomposition import PCA

    k = min(dims, len(vectors), vectors.shape[1])
    points = PCA(n_components=k, random_state=0).fit_transform(vectors)
    if k < dims:
        points = np.hstack([points, np.zeros((len(points), dims - k))])
    return points, "pca"
