"""Charts: pure functions from an Explanation (or vectors) to a Plotly Figure.

They never recompute anything. Colours are shared by every chart: positive contributions red,
negative blue (shap's palette); attention, which is non-negative and the same for every label, in
one sequential scale and one panel. Every user or model string goes through ``plain`` because
Plotly interprets a few HTML tags in text; escaped, it shows the characters literally. Titles
stay short (details go in the subtitle) so they are never cut off; numbers are shown with a few
significant digits, never as SI prefixes.
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
AXIS_NUMBERS = ".3~r"  # three significant digits, trailing zeros dropped, no SI prefixes (not "-900µ")
MAX_LABELLED_POINTS = 12  # projections label points only while the labels fit; hover always works
ATTENTION_CAVEAT = ("Attention weights show what the model reads, not what caused its answer: they are "
                    "the same for every label and are not attributions.")


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


def _unique_ticks(names: list[str]) -> list[str]:
    """Category axes merge equal labels; number repeats so every word keeps its own bar/cell."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}\u2009({seen[name]})")
    return out


def _layout(fig: go.Figure, title: str, subtitle: str = "", **layout) -> go.Figure:
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}, "x": 0.01, "xanchor": "left"},
                      template=TEMPLATE, **layout)
    return fig


def notes(e: Explanation, target: int | str = 0) -> list[str]:
    """The sentences a user needs beside the chart: the method's own note (LIME's R², SHAP's base),
    a warning in ``meta["note"]`` (e.g. a coarse SHAP), and what attention is not."""
    out = []
    if e.kind == "attention":
        out.append(ATTENTION_CAVEAT)
    elif e.targets:
        cls = METHODS.get(e.method)
        own = cls.note(e, e.target_index(target)) if cls is not None else ""
        if own:
            out.append(f"{method_label(e.method)}: {own}.")
    if e.meta.get("note"):
        out.append(str(e.meta["note"]))
    if e.meta.get("truncated"):
        out.append(f"The text was cut to the model's {e.meta.get('max_tokens')} tokens; the rest was not read.")
    return out


def _headline(e: Explanation, j: int | None) -> tuple[str, str]:
    """A short title and a subtitle with the numbers."""
    label = method_label(e.method)
    if j is None:
        return f"{label} · attention received", ""
    name, what = e.targets[j], e.meta.get("output") or "output"
    if e.kind == "attention":
        return f"{label} · attention received", f"prediction: {short(name, 40)} ({what} {number(e.outputs[j])})"
    cls = METHODS.get(e.method)
    base = f" · base {number(e.base_values[j])}" if cls is not None and cls.ADDITIVE else ""
    return f"{label} · {short(name, 40)}", f"{plain(what)} {number(e.outputs[j])}{base}"


def _units(e: Explanation, level: str):
    if level == "token":
        rows = [i for i, t in enumerate(e.tokens) if not t.special]
        return [e.tokens[i].text for i in rows], e.attributions[rows]
    return [w.text for w in e.words], e.word_attributions


def _bars(names: list[str], values: np.ndarray, colours, hover_name: str = "") -> go.Bar:
    return go.Bar(x=values, y=_unique_ticks([short(n) for n in names]), orientation="h", marker_color=colours,
                  customdata=[plain(n) for n in names],
                  hovertemplate=f"{hover_name}%{{customdata}}<br>%{{x:.4g}}<extra></extra>")


def _order(values: np.ndarray, sort: bool, top: int | None) -> list[int]:
    order = list(range(len(values)))
    if sort:
        order = sorted(order, key=lambda i: -abs(values[i]))
    return order[:top] if top else order


def attribution_bars(e: Explanation, target: int | str = 0, *, level: str = "word", sort: bool = False,
                     top: int | None = None) -> go.Figure:
    """Signed horizontal bars, red up / blue down (attention: one colour), in text order or by |value|."""
    if not e.targets:
        return attention_received_bars(e)
    j = e.target_index(target)
    names, values = _units(e, level)
    values = values[:, j]
    order = _order(values, sort, top)
    attention = e.kind == "attention"
    colours = [method_colour(e.method) if attention else POSITIVE if values[i] >= 0 else NEGATIVE for i in order]
    fig = go.Figure(_bars([names[i] for i in order], values[order], colours))
    title, subtitle = _headline(e, j)
    if len(order) < len(names):
        subtitle += f" · the {len(order)} largest of {len(names)} {level}s"
    axis = "attention received" if attention else f"contribution to the {plain(e.meta.get('output') or 'output')}"
    return _layout(fig, title, subtitle, height=max(300, 22 * len(order) + 150),
                   xaxis={"title": axis, "tickformat": AXIS_NUMBERS},
                   yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 80, "b": 40})


def attention_received_bars(e: Explanation, layer: int = -1, head: int | None = None) -> go.Figure:
    """Attention each token receives in one layer (one head or their mean), from the positions the
    model's output reads; this follows the layer and head the user picks."""
    values = e.attention_received(layer, head)
    rows = [i for i, t in enumerate(e.tokens) if not t.special]
    layers, heads = e.attention.shape[:2]
    which = "mean of heads" if head is None else f"head {head % heads + 1}"
    readout = {"first": "the first token", "mean": "every position (mean pooling)",
               "last": "the last token"}.get(e.meta.get("readout"), "the output")
    fig = go.Figure(_bars([e.tokens[i].text for i in rows], values[rows], method_colour(e.method)))
    return _layout(fig, f"Attention received · layer {layer % layers + 1} · {which}",
                   f"from {readout}, which the model's output reads; special tokens left out",
                   height=max(300, 22 * len(rows) + 150), xaxis={"title": "attention", "tickformat": AXIS_NUMBERS},
                   yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 80, "b": 40})


def text_heatmap(e: Explanation, target: int | str = 0, *, per_row: int | None = None) -> go.Figure:
    """The text as a grid of words, shaded by attribution (diverging, centred on 0) or, for
    attention, by weight (sequential, from 0)."""
    attention = e.kind == "attention"
    j = e.target_index(target) if e.targets else None
    words = [w.text for w in e.words]
    if j is None:
        token_values = e.attention_received()
        values = np.array([token_values[list(w.tokens)].sum() for w in e.words])
    else:
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
        hover[r, c] = f"{plain(word)}<br>{value:+.4g}"
    peak = float(np.nanmax(np.abs(values))) if len(values) and np.nanmax(np.abs(values)) > 0 else 1.0
    scale = {"colorscale": SEQUENTIAL, "zmin": 0, "zmax": peak} if attention else \
        {"colorscale": DIVERGING, "zmid": 0, "zmin": -peak, "zmax": peak}
    fig = go.Figure(go.Heatmap(
        z=z, text=text, texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        xgap=3, ygap=3, **scale,
        colorbar={"title": {"text": "attention" if attention else "contribution"}, "nticks": 5,
                  "tickformat": AXIS_NUMBERS, "thickness": 14}))
    title, subtitle = _headline(e, j)
    return _layout(fig, title, subtitle, height=max(280, 46 * rows + 170),
                   xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"},
                   margin={"l": 10, "r": 10, "t": 80, "b": 10})


def _token_ticks(e: Explanation) -> list[str]:
    return _unique_ticks([short(t.text, 14) for t in e.tokens])


def _matrix_layout(fig: go.Figure, title: str, subtitle: str, n: int) -> go.Figure:
    return _layout(fig, title, subtitle, xaxis={"type": "category", "tickangle": -45, "title": "attends to"},
                   yaxis={"type": "category", "autorange": "reversed", "title": "token"},
                   height=max(460, 18 * n + 240))


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
                               hovertemplate="%{y} attends to %{x}<br>%{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "attention"}, "tickformat": AXIS_NUMBERS}))
    return _matrix_layout(fig, f"Attention · layer {layer + 1} · {which}", "each row sums to 1", len(ticks))


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
                                 hovertemplate=f"head {h + 1}<br>%{{y}} attends to %{{x}}<br>%{{z:.4f}}<extra></extra>"),
                      row=h // cols + 1, col=h % cols + 1)
    fig.update_xaxes(showticklabels=False, type="category")
    fig.update_yaxes(showticklabels=False, type="category", autorange="reversed")
    return _layout(fig, f"All heads of layer {layer + 1}", "hover a cell for the tokens", height=230 * rows + 110,
                   coloraxis={"colorscale": SEQUENTIAL, "cmin": 0, "colorbar": {"tickformat": AXIS_NUMBERS}})


def rollout_heatmap(e: Explanation) -> go.Figure:
    """The attention-rollout matrix (only on rollout explanations)."""
    if e.rollout is None:
        raise InputError("This explanation has no rollout matrix; use the rollout method.")
    ticks = _token_ticks(e)
    fig = go.Figure(go.Heatmap(z=e.rollout, x=ticks, y=ticks, colorscale=SEQUENTIAL, zmin=0,
                               hovertemplate="%{y} draws on %{x}<br>%{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "rollout"}, "tickformat": AXIS_NUMBERS}))
    return _matrix_layout(fig, "Attention rollout · all layers", "how much each token draws on each input token, "
                          "through every layer and the residual stream", len(ticks))


def label_scores(labels: list[str], scores, independent: bool = False) -> go.Figure:
    """Horizontal bars of every candidate label's score, highest first."""
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    fig = go.Figure(go.Bar(x=scores[order], y=_unique_ticks([short(labels[i], 40) for i in order]), orientation="h",
                           marker_color=method_colour("shap"), customdata=[plain(labels[i]) for i in order],
                           hovertemplate="%{customdata}<br>%{x:.4f}<extra></extra>"))
    how = ("each label scored on its own (multi-label, or a single label), so they need not add up to 1"
           if independent else "softmax across the labels: they add up to 1")
    return _layout(fig, "Scores of every candidate label", how,
                   xaxis={"range": [0, max(1.0, float(scores.max()))], "tickformat": ".0%"},
                   yaxis={"autorange": "reversed", "type": "category"}, height=max(260, 30 * len(labels) + 130))


def target_small_multiples(e: Explanation) -> go.Figure:
    """Word attributions for each target side by side, words aligned on a shared axis. Attention of
    a single-text model is the same for every label: one panel."""
    if e.kind == "attention" and not e.meta.get("text_pair"):
        return attribution_bars(e)
    n = len(e.targets)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[f"{short(t, 18)} ({number(e.outputs[j])})" for j, t in enumerate(e.targets)])
    ticks = _unique_ticks([short(w.text) for w in e.words])
    full = [plain(w.text) for w in e.words]
    for j in range(n):
        values = e.word_attributions[:, j]
        colours = method_colour(e.method) if e.kind == "attention" else \
            [POSITIVE if v >= 0 else NEGATIVE for v in values]
        fig.add_trace(go.Bar(x=values, y=ticks, orientation="h", name=plain(e.targets[j]), showlegend=False,
                             marker_color=colours, customdata=full,
                             hovertemplate=f"{plain(e.targets[j])}<br>%{{customdata}}<br>%{{x:.4g}}<extra></extra>"),
                      row=1, col=j + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(tickformat=AXIS_NUMBERS, nticks=4)
    what = "attention read with each label's hypothesis" if e.kind == "attention" else \
        f"contribution to each label's {plain(e.meta.get('output') or 'output')}"
    return _layout(fig, f"{method_label(e.method)} per label", what, height=max(320, 22 * len(ticks) + 170))


def comparison(explanations: list[Explanation], target: int | str = 0, *, top: int | None = 25,
               sort: bool = True) -> go.Figure:
    """Several methods on the same text: grouped bars per word, each method scaled to max |value| = 1;
    the ``top`` words with the largest mean |scaled value|, strongest first (``sort``) or in text order."""
    if not explanations:
        raise InputError("Nothing to compare.")
    first = explanations[0]
    names = [w.text for w in first.words]
    scaled = []
    for e in explanations:
        if [w.text for w in e.words] != names:
            raise InputError("Only explanations of the same text can be compared.")
        values = e.word_attributions[:, e.target_index(target)] if e.targets else \
            np.array([e.attention_received()[list(w.tokens)].sum() for w in e.words])
        scaled.append((e, values, values / (float(np.abs(values).max()) or 1.0)))
    strength = np.mean([np.abs(s) for _, _, s in scaled], axis=0)
    order = _order(strength, True, top)
    if not sort:
        order = sorted(order)
    ticks = _unique_ticks([short(names[i]) for i in order])
    fig = go.Figure()
    for e, values, s in scaled:
        fig.add_trace(go.Bar(x=s[order], y=ticks, orientation="h", name=method_label(e.method),
                             marker_color=method_colour(e.method), customdata=values[order],
                             hovertemplate=f"{method_label(e.method)}<br>%{{y}}<br>%{{customdata:.4g}} "
                                           f"(scaled %{{x:.3f}})<extra></extra>"))
    j = first.target_index(target) if first.targets else None
    explained = f"{short(first.targets[j], 40)} ({first.meta.get('output') or 'output'} {number(first.outputs[j])})" \
        if j is not None else "attention"
    shown = f"the {len(order)} words of {len(names)} with the largest mean |scaled value|" if len(order) < len(names) \
        else "every word"
    shown += ", strongest first" if sort else ", in text order"
    return _layout(fig, f"Methods compared · {explained}", f"each method scaled to its largest |value|; {shown}",
                   barmode="group", yaxis={"autorange": "reversed", "type": "category"},
                   xaxis={"range": [-1.05, 1.05], "title": "scaled contribution"},
                   height=min(1400, 210 + len(order) * (8 + 6 * len(explanations))),
                   legend={"orientation": "h", "y": -0.1, "yanchor": "top", "x": 0},
                   margin={"l": 10, "r": 10, "t": 80, "b": 110})


def similarity_matrix(texts: list[str], vectors: np.ndarray) -> go.Figure:
    """Cosine similarity of every pair of texts."""
    sims = cosine_matrix(vectors)
    ticks = _unique_ticks([short(t, 30) for t in texts])
    full = [plain(t) for t in texts]
    pairs = [[f"{full[i]}<br>{full[k]}" for k in range(len(texts))] for i in range(len(texts))]
    fig = go.Figure(go.Heatmap(z=sims, x=ticks, y=ticks, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
                               customdata=pairs, hovertemplate="%{customdata}<br>cos %{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "cosine"}}))
    return _layout(fig, "Cosine similarity", "1 = same direction; hover a cell for both texts",
                   height=max(440, 28 * len(texts) + 240),
                   xaxis={"type": "category", "tickangle": -30}, yaxis={"type": "category", "autorange": "reversed"})


def projection(texts: list[str], vectors: np.ndarray, dims: int = 2, method: str = "pca") -> go.Figure:
    """2-D or 3-D projection of embeddings (PCA or UMAP), the text on hover; 2-D points carry
    their labels only while they fit (at most ``MAX_LABELLED_POINTS``), 3-D ones never."""
    if dims not in (2, 3):
        raise InputError("A projection has 2 or 3 dimensions.")
    if len(texts) < 2:
        raise InputError("A projection needs at least two texts.")
    points, used, why = project(vectors, dims, method)
    hover = [plain(t if len(t) <= 200 else t[:199] + "…") for t in texts]
    colour = PALETTE[3]
    if dims == 2:
        fits = labels_that_fit(points) if len(texts) <= MAX_LABELLED_POINTS else set()
        trace = go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers+text",
                           text=[short(t, 20) if i in fits else "" for i, t in enumerate(texts)],
                           textposition="top center", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                           marker={"size": 11, "color": colour})
    else:
        trace = go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers", customdata=hover,
                             hovertemplate="%{customdata}<extra></extra>", marker={"size": 6, "color": colour})
    fig = go.Figure(trace)
    subtitle = "hover a point for its text" + (f" · {why}" if why else "")
    _layout(fig, f"Embeddings · {used.upper()} {dims}-D", subtitle, height=560,
            margin={"l": 10, "r": 10, "t": 80, "b": 10})
    if dims == 2:  # room for the text labels next to the points at the edges
        for axis, column in (("xaxis", 0), ("yaxis", 1)):
            low, high = float(points[:, column].min()), float(points[:, column].max())
            pad = 0.25 * (high - low or 1.0)
            fig.update_layout({axis: {"range": [low - pad, high + pad]}})
    else:  # a camera further out than Plotly's default, so the cube is not clipped at the bottom
        fig.update_layout(scene={"aspectmode": "cube", "camera": {"eye": {"x": 1.7, "y": 1.7, "z": 1.0}}})
    return fig


def labels_that_fit(points: np.ndarray, width: float = 0.28, height: float = 0.08) -> set[int]:
    """Points whose label box (a share of the axes' ranges, above the point) overlaps no label
    already placed, taken in order: the others are labelled on hover only."""
    span = np.ptp(points[:, :2], axis=0)
    unit = points[:, :2] / np.where(span > 0, span, 1.0)
    placed: list[int] = []
    for i, (x, y) in enumerate(unit):
        if all(abs(x - unit[j, 0]) >= width or abs(y - unit[j, 1]) >= height for j in placed):
            placed.append(i)
    return set(placed)


def project(vectors: np.ndarray, dims: int, method: str) -> tuple[np.ndarray, str, str]:
    """Points, the method used, and why it is not the one asked for ("" if it is)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if method == "umap":
        if len(vectors) >= dims + 3:
            import umap

            reducer = umap.UMAP(n_components=dims, n_neighbors=min(15, len(vectors) - 1), random_state=0, n_jobs=1,
                                init="random" if len(vectors) <= dims + 3 else "spectral")
            return reducer.fit_transform(vectors), "umap", ""
        why = f"UMAP needs at least {dims + 3} texts, so PCA is shown"
    elif method == "pca":
        why = ""
    else:
        raise InputError("The projection must be 'pca' or 'umap'.")
    from sklearn.decomposition import PCA

    k = min(dims, len(vectors), vectors.shape[1])
    points = PCA(n_components=k, random_state=0).fit_transform(vectors)
    if k < dims:
        points = np.hstack([points, np.zeros((len(points), dims - k))])
    return points, "pca", why


def scorecard_table(cards) -> tuple[list[str], list[list]]:
    """Headers and rows of the scorecard: a row per method (and the random control), a column per
    metric, the better direction in the header. Pure data for a table component."""
    from .metrics import METRICS

    names = [n for n in METRICS if any(c.scores.get(n) is not None for c in cards)]
    headers = ["method"] + [f"{n.replace('_', ' ')} {'↓' if METRICS[n].LOWER_IS_BETTER else '↑'}" for n in names]
    rows = [[method_label(c.method)] + [None if c.scores.get(n) is None else round(float(c.scores[n]), 4)
                                         for n in names] for c in cards]
    if cards:
        control = cards[0].random
        rows.append(["random ranking"] + [round(float(control[n]), 4) if n in control else None for n in names])
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
    return _layout(fig, "Faithfulness per bin (ERASER)", f"change in the {output} when the top words are removed "
                   "or kept alone; AOPC = the mean over the bins", height=420,
                   legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
                   margin={"l": 10, "r": 10, "t": 90, "b": 120})


def agreement_heatmap(agreement) -> go.Figure:
    """Kendall's tau between every pair of methods' word attributions (hover: rho and top-k overlap)."""
    labels = [method_label(m) for m in agreement.methods]
    n = len(labels)
    hover = [[f"{labels[i]} vs {labels[k]}<br>Kendall τ {_fmt(agreement.kendall[i][k])}<br>"
              f"Spearman ρ {_fmt(agreement.spearman[i][k])}<br>top-3 overlap {agreement.top3[i][k]:.0%}<br>"
              f"top-20% ({agreement.k_top20} words) overlap {agreement.top20[i][k]:.0%}" for k in range(n)]
             for i in range(n)]
    z = [[np.nan if v is None else v for v in row] for row in agreement.kendall]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
                               customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                               text=[[_fmt(v) for v in row] for row in agreement.kendall],
                               texttemplate="%{text}", colorbar={"title": {"text": "Kendall τ"}}))
    return _layout(fig, "Do the methods agree?", "Kendall's tau of their word attributions (1 = the same ranking); "
                   "hover for Spearman and top-k overlap", height=max(360, 60 * n + 200),
                   yaxis={"autorange": "reversed"})


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


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
    _layout(fig, title, subtitle, height=max(420, 22 * len(names) + 240), margin={"l": 10, "r": 10, "t": 80, "b": 10},
            xaxis={"title": "predicted", "tickangle": -60, **axis},
            yaxis={"title": "gold", "autorange": "reversed", **axis})
    return fig

