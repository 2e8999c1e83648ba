"""Charts are pure functions of an Explanation: exact values in, literal strings out."""
from __future__ import annotations

import numpy as np
import pytest

from explain import Explanation
from explain.charts import embedding, explanation, style

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
    fig = explanation.attribution_bars(make())
    bar = fig.data[0]
    assert list(bar.x) == [0.5, 0.1, -0.3]
    assert list(bar.marker.color) == [style.POSITIVE, style.POSITIVE, style.NEGATIVE]
    assert fig.layout.title.text == "SHAP · pos" and fig.layout.title.subtitle.text == "probability 0.700 · base 0.400"
    sorted_fig = explanation.attribution_bars(make(), sort=True)
    assert list(sorted_fig.data[0].x) == [0.5, -0.3, 0.1]


def test_user_strings_are_escaped_everywhere():
    e = make()
    for fig in (explanation.attribution_bars(e), explanation.text_heatmap(e), explanation.target_small_multiples(e),
                explanation.label_scores([PAYLOAD, "b"], [0.2, 0.8])):
        dumped = fig.to_json()
        assert "<img" not in dumped and "\\u003cimg" not in dumped
        assert "&lt;img src=x onerror=alert(1)&gt;" in dumped


def test_text_heatmap_centres_on_zero_and_wraps():
    e = make(words=tuple(f"w{i}" for i in range(30)), values=tuple(np.linspace(-1, 2, 30)))
    heat = explanation.text_heatmap(e).data[0]
    assert heat.zmid == 0 and heat.zmin == -2 and heat.zmax == 2
    z = np.array(heat.z, dtype=float)
    assert z.shape == (3, 12) and np.isnan(z[2, 6:]).all()
    assert z[0, 0] == pytest.approx(-1)


def test_attention_charts_read_the_stored_matrices():
    rng = np.random.default_rng(0)
    attention = rng.random((2, 3, 5, 5))
    attention /= attention.sum(-1, keepdims=True)
    e = make(method="attention", attention=attention)
    np.testing.assert_allclose(np.array(explanation.attention_heatmap(e, 0, 1).data[0].z), attention[0, 1], rtol=1e-6)
    np.testing.assert_allclose(np.array(explanation.attention_heatmap(e, -1).data[0].z), attention[1].mean(0), rtol=1e-6)
    assert len(explanation.attention_head_grid(e, 0).data) == 3
    with pytest.raises(ValueError, match="rollout"):
        explanation.rollout_heatmap(e)
    with pytest.raises(ValueError, match="attention"):
        explanation.attention_heatmap(make())


def test_repeated_words_keep_their_own_bars():
    fig = explanation.attribution_bars(make(words=("no", "no", "way"), values=(0.1, 0.2, 0.3)))
    assert len(set(fig.data[0].y)) == 3


def test_similarity_and_projection():
    vectors = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]])
    matrix = np.array(embedding.similarity_matrix(["a", "b", "c"], vectors).data[0].z)
    np.testing.assert_allclose(matrix, vectors @ vectors.T, atol=1e-12)
    assert embedding.projection(["a", "b", "c"], vectors, 3).data[0].type == "scatter3d"
    with pytest.raises(ValueError):
        embedding.projection(["a"], vectors[:1], 2)


def test_comparison_scales_each_method():
    a, b = make("shap"), make("lime", values=(5.0, 1.0, -3.0))
    fig = explanation.comparison([a, b])
    np.testing.assert_allclose(fig.data[0].x, fig.data[1].x)
    assert [t.name for t in fig.data] == ["SHAP", "LIME"]


def test_numbers_and_axes_are_readable():
    assert style.number(0.0) == "0.000" and style.number(0.9586) == "0.959" and style.number(-0.0009) == "-0.0009"
    assert style.number(3e-7) == "3e-07" and style.number(12.345) == "12.345"
    fig = explanation.attribution_bars(make(values=(0.0009, -0.0004, 0.0002)))
    assert fig.layout.xaxis.tickformat == style.AXIS_NUMBERS  # d3 "~r": 0.0009, never "900µ"
    heat = explanation.text_heatmap(make())
    assert heat.data[0].colorbar.nticks == 5 and heat.layout.height >= 280  # one row: room for the colour bar


def test_titles_are_short_and_numbers_go_in_the_subtitle():
    e = make()
    e = Explanation(**{**{f: getattr(e, f) for f in ("task", "model", "method", "text", "tokens", "words", "labels",
                                                     "probabilities", "attributions", "word_attributions",
                                                     "base_values", "outputs", "meta")},
                       "targets": ["an extraordinarily long label name that would not fit in a title"]})
    fig = explanation.attribution_bars(e)
    assert len(fig.layout.title.text) <= 60 and fig.layout.title.text.startswith("SHAP · an extraordinarily")
    assert fig.layout.title.subtitle.text == "probability 0.700 · base 0.400"


def attention_explanation(text_pair=False):
    rng = np.random.default_rng(1)
    attention = rng.random((2, 3, 5, 5))
    attention /= attention.sum(-1, keepdims=True)
    base = make(method="attention", attention=attention)
    fields = {f: getattr(base, f) for f in ("task", "model", "method", "text", "tokens", "words", "labels",
                                            "probabilities", "base_values", "outputs", "attention")}
    scores = attention[-1].mean(0)[0]
    return Explanation(**{**fields, "targets": ["pos", "neg"], "outputs": [0.7, 0.3], "base_values": [0.0, 0.0],
                          "attributions": np.stack([scores, scores], 1),
                          "word_attributions": np.stack([scores[1:4], scores[1:4]], 1), "kind": "attention",
                          "meta": {"readout": "first", "text_pair": text_pair, "output": "probability"}})


def test_attention_is_drawn_as_attention():
    e = attention_explanation()
    heat = explanation.text_heatmap(e).data[0]
    assert heat.zmin == 0 and heat.colorscale[0][1] != style.NEGATIVE and heat.colorbar.title.text == "attention"
    bars = explanation.attribution_bars(e)
    assert set(bars.data[0].marker.color) == {style.method_colour("attention")}
    assert len(explanation.target_small_multiples(e).data) == 1  # the same for every label: one panel
    assert len(explanation.target_small_multiples(attention_explanation(text_pair=True)).data) == 2
    assert any("not attributions" in note for note in explanation.notes(e))


def test_attention_received_follows_layer_and_head():
    e = attention_explanation()
    last = explanation.attention_received_bars(e, -1, None)
    first = explanation.attention_received_bars(e, 0, 2)
    np.testing.assert_allclose(last.data[0].x, e.attention[1].mean(0)[0][1:4], rtol=1e-6)  # readout: first row
    np.testing.assert_allclose(first.data[0].x, e.attention[0, 2][0][1:4], rtol=1e-6)
    assert last.layout.title.text == "Attention received · layer 2 · mean of heads"
    assert first.layout.title.text == "Attention received · layer 1 · head 3"


def test_comparison_is_sorted_bounded_and_names_the_target():
    words = tuple(f"w{i}" for i in range(60))
    a = make("shap", words=words, values=tuple(np.linspace(-1, 1, 60)))
    b = make("lime", words=words, values=tuple(np.linspace(1, -1, 60)))
    fig = explanation.comparison([a, b], top=40)
    assert len(fig.data[0].y) == 40 and fig.layout.height <= 1400
    strength = (np.abs(fig.data[0].x) + np.abs(fig.data[1].x)) / 2
    assert list(strength) == sorted(strength, reverse=True)
    assert fig.layout.title.text == "Methods compared · pos (probability 0.700)"
    in_text_order = explanation.comparison([a, b], top=40, sort=False)
    assert set(in_text_order.data[0].y) == set(fig.data[0].y)  # the same 40 words...
    assert list(in_text_order.data[0].y) == sorted(fig.data[0].y, key=lambda w: int(w[1:]))  # ...as written


def test_projection_labels_only_what_fits():
    vectors = np.array([[0.0, 0.0, 1.0], [0.001, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    two = embedding.projection(["alpha", "alpha twin", "beta", "gamma"], vectors, 2)
    shown = [t for t in two.data[0].text if t]
    assert len(shown) == 3 and "alpha twin" not in shown  # the twin overlaps alpha: hover only
    three = embedding.projection(["<b>x</b>", "b", "c"], vectors[:3], 3)
    assert three.data[0].mode == "markers" and three.data[0].text is None  # 3-D: hover only, never entities
    assert "&lt;b&gt;" in three.data[0].customdata[0]


def test_label_scores_say_how_they_were_computed():
    assert "add up to 1" in explanation.label_scores(["a", "b"], [0.7, 0.3]).layout.title.subtitle.text
    assert "on its own" in explanation.label_scores(["a"], [0.2], independent=True).layout.title.subtitle.text


def test_repeated_words_are_numbered_in_text_order_whatever_the_bar_order():
    """ "the soup was cold but the waiter was lovely": the bar labelled "was" is the first "was" in the text,
    sorted or not, and the hover says where it is."""
    words = ("the", "soup", "was", "cold", "but", "the", "waiter", "was", "lovely")
    values = (0.0, 0.1, 0.05, -0.4, 0.0, 0.0, 0.2, 0.3, 0.6)  # the second "was" weighs more than the first
    e = make(words=words, values=values)
    for sort in (False, True):
        bar = explanation.attribution_bars(e, sort=sort).data[0]
        by_label = {label: (x, data) for label, x, data in zip(bar.y, bar.x, bar.customdata)}
        assert by_label["was"][0] == pytest.approx(0.05) and by_label["was\u2009(2)"][0] == pytest.approx(0.3)
        first_was = e.words[2]
        assert list(by_label["was"][1]) == ["was", first_was.start, first_was.end]  # its characters on hover
        assert "characters" in bar.hovertemplate
    heat = explanation.text_heatmap(e).data[0]
    assert "was\u2009(2) · characters" in np.array(heat.customdata, dtype=object)[0, 7]
    compared = explanation.comparison([e, make("lime", words=words, values=values[::-1])], top=9)
    assert set(compared.data[0].y) >= {"was", "was\u2009(2)"}
    assert list(compared.data[0].customdata)[list(compared.data[0].y).index("was")] == pytest.approx(0.05)


def test_zero_shot_panels_share_one_value_scale():
    e = make(values=(0.5, 0.1, -0.3))
    fields = {f: getattr(e, f) for f in ("task", "model", "method", "text", "tokens", "words", "labels",
                                         "probabilities", "meta")}
    two = Explanation(**fields, targets=["pos", "neg"], outputs=[0.7, 0.3], base_values=[0.0, 0.0],
                      attributions=np.hstack([e.attributions, 40 * e.attributions]),
                      word_attributions=np.hstack([e.word_attributions, 40 * e.word_attributions]))
    fig = explanation.target_small_multiples(two)
    assert fig.layout.xaxis2.matches == "x"  # the second panel's axis follows the first: equal bars, equal values
    assert "one scale for every label" in fig.layout.title.subtitle.text


def test_signed_colours_only_for_signed_values():
    from explain import METHODS
    from explain.charts import training
    from model.train import Report

    assert style.method_colour("rollout") not in (style.POSITIVE, style.NEGATIVE)
    assert all(cls.COLOUR not in (style.POSITIVE, style.NEGATIVE) for cls in METHODS.values())
    report = Report(rows=4, accuracy=0.5, labels=["a", "b"], confusion=[[1, 1], [1, 1]], precision=[0.5, 0.5],
                    recall=[0.5, 0.5], f1=[0.5, 0.5], support=[2, 2])
    colours = {trace.marker.color for trace in training.per_class(report).data}
    assert not colours & {style.POSITIVE, style.NEGATIVE}


def test_a_similarity_names_its_output_once():
    e = attention_explanation()
    fields = {f: getattr(e, f) for f in ("task", "model", "method", "text", "tokens", "words", "attention",
                                         "attributions", "word_attributions", "base_values", "kind")}
    similarity = Explanation(**{**fields, "task": "embedding", "labels": ["cosine similarity"] * 2,
                                "probabilities": [0.594, 0.594], "targets": ["cosine similarity"] * 2,
                                "outputs": [0.594, 0.594], "meta": {**e.meta, "output": "cosine similarity"}})
    subtitle = explanation.attribution_bars(similarity).layout.title.subtitle.text
    assert subtitle == "cosine similarity 0.594"  # not "cosine similarity (cosine similarity 0.594)"


@pytest.mark.xdist_group("app")  # (UMAP compiles itself once per process, 10 s: the app's UMAP test shares it)
def test_umap_puts_equal_texts_on_one_point_and_says_when_it_cannot():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(7, 16))
    vectors[5] = vectors[1]  # the same text twice
    points, used, why = embedding.project(vectors, 2, "umap")
    assert used == "umap" and why == "" and np.array_equal(points[5], points[1])
    assert not np.allclose(points[0], points[1])
    _, used, why = embedding.project(vectors[:5], 3, "umap")  # 3-D needs 6 different texts
    assert used == "pca" and "at least 6 different texts" in why
    _, used, why = embedding.project(np.vstack([vectors[:4], vectors[:4]]), 2, "umap")  # 8 texts, 4 different
    assert used == "pca" and "at least 5 different texts" in why
