"""Charts of one explanation: pure functions from an ``Explanation`` to a Plotly Figure, and the
notes that go beside them. They never recompute anything.

Attributions are signed (red raises the output, blue lowers it); attention, which is non-negative
and the same for every label, is drawn in one sequential scale and one panel.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model.errors import InputError

from .. import completeness
from ..explanation import Explanation
from ..registry import METHODS
from .bidi import paragraph_rtl, visual_order
from .style import (
    AXIS_NUMBERS,
    DIVERGING,
    NEGATIVE,
    POSITIVE,
    SEQUENTIAL,
    layout,
    method_colour,
    method_label,
    number,
    plain,
    short,
    unique_ticks,
)

ATTENTION_CAVEAT = ("Attention weights show what the model reads, not what caused its answer: they are "
                    "the same for every label and are not attributions.")


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
    if e.meta.get("removal") and e.targets:
        out.append(str(e.meta["removal"]))
    if e.meta.get("truncated"):
        out.append(f"The text was cut to the model's {e.meta.get('max_tokens')} tokens; the rest was not read.")
    unknown = unknown_share(e)
    if unknown is not None:
        count, total = unknown
        out.append(f"Most of this text is unknown to the model: {count} of its {total} tokens ({count / total:.0%}) "
                   "read as the unknown token, so the explanation says little about the text itself; a model "
                   "that reads its language (a multilingual one) would.")
    return out


UNKNOWN_TOKENS = frozenset({"[UNK]", "<unk>", "<UNK>", "[unk]", "<|unk|>"})


def unknown_share(e: Explanation) -> tuple[int, int] | None:
    """(unknown tokens, content tokens) when most of the text's tokens are the tokenizer's unknown token."""
    content = [t for t in e.tokens if not t.special]
    count = sum(t.text in UNKNOWN_TOKENS for t in content)
    return (count, len(content)) if content and count / len(content) > 0.5 else None


def _headline(e: Explanation, j: int | None) -> tuple[str, str]:
    """A short title and a subtitle with the numbers."""
    label = method_label(e.method)
    if j is None:
        return f"{label} · attention received", ""
    name, what = e.targets[j], e.meta.get("output") or "output"
    value = f"{plain(what)} {number(e.outputs[j])}"
    if e.kind == "attention":  # (a similarity's target is its output: "cosine similarity 0.594", said once)
        return f"{label} · attention received", (f"prediction: {short(name, 40)} ({value})" if name != what else value)
    cls = METHODS.get(e.method)
    additive = cls is not None and cls.ADDITIVE and completeness.holds(e.meta, j)  # (a claim that misses: no base)
    base = f" · base {number(e.base_values[j])}" if additive else ""
    contrast = e.meta.get("contrast")
    if contrast is not None:  # why A rather than B: the explained output is their log-probability difference
        return f"{label} · why {short(name, 30)} rather than {short(contrast, 30)}", f"{value}{base}"
    return f"{label} · {short(name, 40)}", f"{value}{base}"


def _units(e: Explanation, level: str) -> tuple[list[str], np.ndarray, list[tuple[int, int]]]:
    """Names, values and character spans of the words (or content tokens), in text order."""
    if level == "token":
        rows = [i for i, t in enumerate(e.tokens) if not t.special]
        return [e.tokens[i].text for i in rows], e.attributions[rows], [(e.tokens[i].start, e.tokens[i].end)
                                                                        for i in rows]
    return [w.text for w in e.words], e.word_attributions, [(w.start, w.end) for w in e.words]


def text_order_ticks(names: list[str]) -> list[str]:
    """Axis labels numbered by occurrence in the text ("was", "was (2)"), whatever order the bars are
    then drawn in: sorting never swaps which "was" is which."""
    return unique_ticks([short(n) for n in names])


def _bars(names: list[str], values: np.ndarray, colours, spans: list[tuple[int, int]], order: list[int],
          hover_name: str = "") -> go.Bar:
    """Bars for the units in ``order``, labelled by their occurrence in the text, the word and its
    characters on hover."""
    ticks = text_order_ticks(names)
    return go.Bar(x=values[order], y=[ticks[i] for i in order], orientation="h", marker_color=colours,
                  customdata=[[plain(names[i]), spans[i][0], spans[i][1]] for i in order],
                  hovertemplate=f"{hover_name}%{{customdata[0]}} · characters %{{customdata[1]}}–%{{customdata[2]}}"
                                "<br>%{x:.4g}<extra></extra>")


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
    names, values, spans = _units(e, level)
    values = values[:, j]
    order = _order(values, sort, top)
    attention = e.kind == "attention"
    colours = [method_colour(e.method) if attention else POSITIVE if values[i] >= 0 else NEGATIVE for i in order]
    fig = go.Figure(_bars(names, values, colours, spans, order))
    title, subtitle = _headline(e, j)
    if len(order) < len(names):
        subtitle += f" · the {len(order)} largest of {len(names)} {level}s"
    axis = "attention received" if attention else f"contribution to the {plain(e.meta.get('output') or 'output')}"
    return layout(fig, title, subtitle, height=max(300, 22 * len(order) + 150),
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
    names = [e.tokens[i].text for i in rows]
    spans = [(e.tokens[i].start, e.tokens[i].end) for i in rows]
    fig = go.Figure(_bars(names, values[rows], method_colour(e.method), spans, list(range(len(rows)))))
    return layout(fig, f"Attention received · layer {layer % layers + 1} · {which}",
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
    numbered = unique_ticks([plain(w) for w in words])  # "was", "was (2)": by occurrence in the text
    rtl = paragraph_rtl(words)  # right-to-left text fills each row from the right, in its own order
    for r in range(rows):
        line = list(range(r * per_row, min(n, (r + 1) * per_row)))
        offset = per_row - len(line) if rtl else 0
        for k, position in enumerate(visual_order([words[i] for i in line], rtl)):
            i, c = line[position], offset + k
            z[r, c] = values[i]
            text[r, c] = short(words[i], 14)
            hover[r, c] = f"{numbered[i]} · characters {e.words[i].start}–{e.words[i].end}<br>{values[i]:+.4g}"
    peak = float(np.nanmax(np.abs(values))) if len(values) and np.nanmax(np.abs(values)) > 0 else 1.0
    scale = {"colorscale": SEQUENTIAL, "zmin": 0, "zmax": peak} if attention else \
        {"colorscale": DIVERGING, "zmid": 0, "zmin": -peak, "zmax": peak}
    fig = go.Figure(go.Heatmap(
        z=z, text=text, texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        xgap=3, ygap=3, **scale,
        colorbar={"title": {"text": "attention" if attention else "contribution"}, "nticks": 5,
                  "tickformat": AXIS_NUMBERS, "thickness": 14}))
    title, subtitle = _headline(e, j)
    return layout(fig, title, subtitle, height=max(280, 46 * rows + 170),
                   xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"},
                   margin={"l": 10, "r": 10, "t": 80, "b": 10})


def _token_ticks(e: Explanation) -> list[str]:
    return unique_ticks([short(t.text, 14) for t in e.tokens])


def _matrix_layout(fig: go.Figure, title: str, subtitle: str, n: int) -> go.Figure:
    return layout(fig, title, subtitle, xaxis={"type": "category", "tickangle": -45, "title": "attends to"},
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
    return layout(fig, f"All heads of layer {layer + 1}", "hover a cell for the tokens", height=230 * rows + 110,
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
    fig = go.Figure(go.Bar(x=scores[order], y=unique_ticks([short(labels[i], 40) for i in order]), orientation="h",
                           marker_color=method_colour("shap"), customdata=[plain(labels[i]) for i in order],
                           hovertemplate="%{customdata}<br>%{x:.4f}<extra></extra>"))
    how = ("each label scored on its own (multi-label, or a single label), so they need not add up to 1"
           if independent else "softmax across the labels: they add up to 1")
    return layout(fig, "Scores of every candidate label", how,
                   xaxis={"range": [0, max(1.0, float(scores.max()))], "tickformat": ".0%"},
                   yaxis={"autorange": "reversed", "type": "category"}, height=max(260, 30 * len(labels) + 130))


def target_small_multiples(e: Explanation, *, level: str = "word", top: int | None = 60) -> go.Figure:
    """Word (or sentence) attributions for each target side by side, aligned on a shared axis and every
    panel on one value scale (equal bars mean equal values); beyond ``top`` units, the ``top`` with
    the largest |value| for any label, in text order. Attention of a single-text model is the same
    for every label: one panel."""
    if e.kind == "attention" and not e.meta.get("text_pair"):
        return attribution_bars(e)
    n = len(e.targets)
    if level == "sentence":
        names, values_all = [s.text for s in e.sentences], e.sentence_attributions
        spans = [(s.start, s.end) for s in e.sentences]
        ticks = [f"S{i + 1} · {short(t, 28)}" for i, t in enumerate(names)]
    else:
        names, values_all = [w.text for w in e.words], e.word_attributions
        spans = [(w.start, w.end) for w in e.words]
        ticks = text_order_ticks(names)
    rows = list(range(len(names)))
    if top and len(rows) > top:
        strongest = sorted(rows, key=lambda i: -float(np.abs(values_all[i]).max()))[:top]
        rows = sorted(strongest)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, shared_xaxes="all", horizontal_spacing=0.02,
                        subplot_titles=[f"{short(t, 18)} ({number(e.outputs[j])})" for j, t in enumerate(e.targets)])
    full = [[plain(names[i][:200]), spans[i][0], spans[i][1]] for i in rows]
    for j in range(n):
        values = values_all[rows, j]
        colours = method_colour(e.method) if e.kind == "attention" else \
            [POSITIVE if v >= 0 else NEGATIVE for v in values]
        fig.add_trace(go.Bar(x=values, y=[ticks[i] for i in rows], orientation="h", name=plain(e.targets[j]),
                             showlegend=False, marker_color=colours, customdata=full,
                             hovertemplate=f"{plain(e.targets[j])}<br>%{{customdata[0]}} · characters "
                                           "%{customdata[1]}–%{customdata[2]}<br>%{x:.4g}<extra></extra>"),
                      row=1, col=j + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(tickformat=AXIS_NUMBERS, nticks=4)
    what = "attention read with each label's hypothesis" if e.kind == "attention" else \
        f"contribution to each label's {plain(e.meta.get('output') or 'output')}"
    peak = float(np.abs(values_all).max()) if values_all.size else 0.0
    what += " · one scale for every label" + (f" (largest |value| {number(peak)})" if peak else "")
    if len(rows) < len(names):
        what += f" · the {len(rows)} {level}s of largest |value| of {len(names)}, in text order"
    return layout(fig, f"{method_label(e.method)} per label" + (" · by sentence" if level == "sentence" else ""),
                  what, height=max(320, 22 * len(rows) + 170))


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
    numbered = text_order_ticks(names)
    ticks = [numbered[i] for i in order]
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
    return layout(fig, f"Methods compared · {explained}", f"each method scaled to its largest |value|; {shown}",
                   barmode="group", yaxis={"autorange": "reversed", "type": "category"},
                   xaxis={"range": [-1.05, 1.05], "title": "scaled contribution"},
                   height=min(1400, 210 + len(order) * (8 + 6 * len(explanations))),
                   legend={"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0},
                   margin={"l": 10, "r": 10, "t": 80, "b": 100})  # (the legend at the figure's foot, whatever its height)
