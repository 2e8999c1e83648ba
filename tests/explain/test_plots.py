"""Charts are pure functions of an Explanation: exact values in, literal strings out."""
from __future__ import annotations

import numpy as np
import pytest

from explain import Explanation, plots

PAYLOAD = '<img src=x onerror=alert(1)>'


def make(method="shap", words=("good", PAYLOAD, "bad"), values=(0.5, 0.1, -0.3), attention=None):
    tokens = [{"text": "[CLS]", "start": 0, "end": 0, "special": True}]
    word_rows, text, cursor = [], " ".join(words), 0
    for i, w in enumerate(words):
        start = text.index(w, cursor)
        tokens.append({"text": w, "start": start, "end": start + len(w), "special": False})
        word_rows.append({"text": w, "start": start, "end": start + len(w), "tokens": [i + 1]})
        cursor = start + len(w)
    tokens.append({"text": "[SEP]", "start": 0, "end": 0, "special": True})
    attributions = np.array([[0.0], *[[v] for v in values], [0.0]])
    return Explanation(task="classification", model="m", method=method, text=text, tokens=tokens, words=word_rows,
                       labels=["pos", "neg"], probabilities=[0.7, 0.3], targets=["pos"], attributions=attributions,
                       word_attributions=np.array([[v] for v in values]), base_values=[0.4], outputs=[0.7],
                       meta={"output": "probability"}, attention=attention)


def test_bars_show_exact_values_coloured_by_sign():
    fig = plots.attribution_bars(make())
    bar = fig.data[0]
    assert list(bar.x) == [0.5, 0.1, -0.3]
    assert list(bar.marker.color) == [plots.POSITIVE, plots.POSITIVE, plots.NEGATIVE]
    assert "0.700" in fig.layout.title.text and "base 0.400" in fig.layout.title.text
    sorted_fig = plots.attribution_bars(make(), sort=True)
    assert list(sorted_fig.data[0].x) == [0.5, -0.3, 0.1]


def test_user_strings_are_escaped_everywhere():
    e = make()
    for fig in (plots.attribution_bars(e), plots.text_heatmap(e), plots.target_small_multiples(e),
                plots.label_scores([PAYLOAD, "b"], [0.2, 0.8])):
        dumped = fig.to_json()
        assert "<img" not in dumped and "\\u003cimg" not in dumped
        assert "&lt;img src=x onerror=alert(1)&gt;" in dumped


def test_text_heatmap_centres_on_zero_and_wraps():
    e = make(words=tuple(f"w{i}" for i in range(30)), values=tuple(np.linspace(-1, 2, 30)))
    heat = plots.text_heatmap(e).data[0]
    assert heat.zmid == 0 and heat.zmin == -2 and heat.zmax == 2
    z = np.array(heat.z, dtype=float)
    assert z.shape == (3, 12) and np.isnan(z[2, 6:]).all()
    assert z[0, 0] == pytest.approx(-1)


def test_attention_charts_read_the_stored_matrices():
    rng = np.random.default_rng(0)
    attention = rng.random((2, 3, 5, 5))
    attention /= attention.sum(-1, keepdims=True)
    e = make(method="attention", attention=attention)
    np.testing.assert_allclose(np.array(plots.attention_heatmap(e, 0, 1).data[0].z), attention[0, 1], rtol=1e-6)
    np.testing.assert_allclose(np.array(plots.attention_heatmap(e, -1).data[0].z), attention[1].mean(0), rtol=1e-6)
    assert len(plots.attention_head_grid(e, 0).data) == 3
    with pytest.raises(ValueError, match="rollout"):
        plots.rollout_heatmap(e)
    with pytest.raises(ValueError, match="attention"):
        plots.attention_heatmap(make())


def test_repeated_words_keep_their_own_bars():
    fig = plots.attribution_bars(make(words=("no", "no", "way"), values=(0.1, 0.2, 0.3)))
    assert len(set(fig.data[0].y)) == 3


def test_similarity_and_projection():
    vectors = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]])
    matrix = np.array(plots.similarity_matrix(["a", "b", "c"], vectors).data[0].z)
    np.testing.assert_allclose(matrix, vectors @ vectors.T, atol=1e-12)
    assert plots.projection(["a", "b", "c"], vectors, 3).data[0].type == "scatter3d"
    with pytest.raises(ValueError):
        plots.projection(["a"], vectors[:1], 2)


def test_comparison_scales_each_method():
    a, b = make("shap"), make("lime", values=(5.0, 1.0, -3.0))
    fig = plots.comparison([a, b])
    np.testing.assert_allclose(fig.data[0].x, fig.data[1].x)
    assert [t.name for t in fig.data] == ["shap", "lime"]
