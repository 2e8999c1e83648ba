"""A long text explained by sentence: the sentences ranked by value, the words of one sentence, and
the text's sentences as shades for a highlighted-text view."""
from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go

from ..explanation import Explanation
from .explanation import _headline
from .style import AXIS_NUMBERS, NEGATIVE, POSITIVE, layout, plain, short

TOP_SENTENCES = 25


def sentence_label(e: Explanation, i: int, width: int = 48) -> str:
    """"S12 · Fourth, I would like a written…": the sentence's number in the text and its start."""
    return f"S{i + 1} · {short(e.sentences[i].text, width)}"


def _wrapped(text: str, width: int = 80, lines: int = 6) -> str:
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines - 1] + [parts[lines - 1][: width - 1] + "…"]
    return "<br>".join(plain(p) for p in parts)


def ranked_sentences(e: Explanation, target: int | str = 0, top: int = TOP_SENTENCES) -> go.Figure:
    """The sentences of largest |value| as signed bars (red raises, blue lowers), largest first; the
    whole sentence, its paragraph and value on hover."""
    j = e.target_index(target)
    values = e.sentence_attributions[:, j]
    order = sorted(range(len(values)), key=lambda i: -abs(values[i]))[:top]
    fig = go.Figure(go.Bar(
        x=values[order], y=[sentence_label(e, i) for i in order], orientation="h",
        marker_color=[POSITIVE if values[i] >= 0 else NEGATIVE for i in order],
        customdata=[[_wrapped(e.sentences[i].text), e.sentences[i].paragraph + 1, i + 1] for i in order],
        hovertemplate="sentence %{customdata[2]} · paragraph %{customdata[1]}<br>%{customdata[0]}<br>"
                      "<b>%{x:.4g}</b><extra></extra>"))
    title, subtitle = _headline(e, j)
    subtitle += f" · the {len(order)} largest of {len(values)} sentences" if len(order) < len(values) else \
        f" · {len(values)} sentences"
    axis = f"contribution to the {plain(e.meta.get('output') or 'output')}"
    return layout(fig, f"Sentences · {title}", subtitle, height=max(300, 24 * len(order) + 150),
                  xaxis={"title": axis, "tickformat": AXIS_NUMBERS},
                  yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 80, "b": 40})


def sentence_words(e: Explanation, index: int, target: int | str = 0) -> go.Figure:
    """The words of one sentence in text order, their values adding up to the sentence's."""
    j = e.target_index(target)
    sentence = e.sentences[index]
    rows = [k for k, w in enumerate(e.words) if sentence.start <= w.start < sentence.end]
    values = e.word_attributions[rows, j]
    ticks, seen = [], {}
    for k in rows:
        name = e.words[k].text
        seen[name] = seen.get(name, 0) + 1
        ticks.append(short(name) if seen[name] == 1 else f"{short(name)}\u2009({seen[name]})")
    fig = go.Figure(go.Bar(
        x=values, y=ticks, orientation="h", marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in values],
        customdata=[[plain(e.words[k].text), e.words[k].start, e.words[k].end] for k in rows],
        hovertemplate="%{customdata[0]} · characters %{customdata[1]}–%{customdata[2]}<br>%{x:.4g}<extra></extra>"))
    total = float(e.sentence_attributions[index, j])
    subtitle = f"sentence {index + 1} of {len(e.sentences)}: {total:+.4g}, the sum of its words"
    return layout(fig, f"Words of sentence {index + 1}", subtitle, height=max(260, 22 * len(rows) + 150),
                  xaxis={"title": "contribution", "tickformat": AXIS_NUMBERS},
                  yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 80, "b": 40})


def words_shared_evenly(e: Explanation, index: int, target: int | str = 0) -> bool:
    """Whether the sentence's words all carry one share of its value (it was not explained word by word)."""
    j = e.target_index(target)
    sentence = e.sentences[index]
    rows = [k for k, w in enumerate(e.words) if sentence.start <= w.start < sentence.end]
    if len(rows) < 2:
        return False
    per_word = e.word_attributions[rows, j]
    per_token = per_word / np.array([len(e.words[k].tokens) for k in rows])
    scale = max(1e-300, float(np.max(np.abs(per_word))))
    return bool(np.ptp(per_word) <= 1e-9 * scale or np.ptp(per_token) <= 1e-9 * scale)


def sentence_shades(e: Explanation, target: int | str = 0) -> list[tuple[str, float | None]]:
    """The whole text as (piece, shade) pairs: each sentence with its value scaled to -1..1 by the
    largest |value|, the gaps between sentences unshaded (for a highlighted-text view)."""
    j = e.target_index(target)
    values = e.sentence_attributions[:, j]
    peak = float(np.max(np.abs(values))) if len(values) else 0.0
    out: list[tuple[str, float | None]] = []
    cursor = 0
    for sentence, value in zip(e.sentences, values):
        if sentence.start > cursor:
            out.append((e.text[cursor:sentence.start], None))
        out.append((e.text[sentence.start:sentence.end], round(float(value) / peak, 4) if peak > 0 else 0.0))
        cursor = sentence.end
    if cursor < len(e.text):
        out.append((e.text[cursor:], None))
    return out
