"""The what-if view: an original text beside an edit of it, the words that changed, and how each
label's score moved."""
from __future__ import annotations

import difflib
import re

import numpy as np
import plotly.graph_objects as go

from ..text.segment import word_spans
from .style import NEGATIVE, POSITIVE, layout, plain, short

_PIECES = re.compile(r"\s+|\w+(?:['’-]\w+)*|[^\w\s]")  # spaces, words, each punctuation mark


def pieces(text: str) -> list[str]:
    """``text`` as spaces, words (dictionary words where a script writes no spaces) and punctuation marks."""
    return [text[a:b] for a, b in word_spans(text, _PIECES)]


def changed_words(original: str, edited: str) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """Both texts as (piece, category) pairs for highlighted-text views: "removed" / "replaced" in
    the original, "added" / "replaced" in the edit, None where they agree (a word-level diff: a word's
    punctuation is a piece of its own, so a replaced word does not take its full stop with it)."""
    a, b = pieces(original), pieces(edited)
    before: list[tuple[str, str | None]] = []
    after: list[tuple[str, str | None]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            before.append((left, None))
            after.append((right, None))
        else:
            if left:
                before.append((left, "replaced" if op == "replace" else "removed"))
            if right:
                after.append((right, "replaced" if op == "replace" else "added"))
    return before, after


def score_change(labels, before, after, *, top: int = 12, output: str = "probability") -> go.Figure:
    """Each label's score on the edit minus on the original, the ``top`` largest changes (red up,
    blue down), the two scores on hover."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    change = after - before
    order = sorted(range(len(labels)), key=lambda i: -abs(change[i]))[:top]
    fig = go.Figure(go.Bar(
        x=change[order], y=[short(labels[i], 30) for i in order], orientation="h",
        marker_color=[POSITIVE if change[i] >= 0 else NEGATIVE for i in order],
        customdata=[[plain(labels[i]), before[i], after[i]] for i in order],
        hovertemplate="%{customdata[0]}<br>original %{customdata[1]:.4g} → edit %{customdata[2]:.4g}"
                      "<br>change %{x:+.4g}<extra></extra>"))
    top_before, top_after = labels[int(before.argmax())], labels[int(after.argmax())]
    said = (f"the answer stays {short(top_before, 30)}" if top_before == top_after else
            f"the answer changes: {short(top_before, 30)} → {short(top_after, 30)}")
    return layout(fig, f"Change in each label's {plain(output)}", said, height=max(280, 24 * len(order) + 150),
                  xaxis={"title": f"edit minus original ({plain(output)})", "tickformat": ".3~f"},
                  yaxis={"autorange": "reversed", "type": "category"}, margin={"l": 10, "r": 10, "t": 80, "b": 40})
