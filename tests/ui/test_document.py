"""The document view: shown for a text read as windows or explained by sentence, hidden otherwise;
the shaded text is the whole text, the ranking and the chosen sentence's words add up."""
from __future__ import annotations

import numpy as np
import pytest

from explain import explain
from explain.charts import document as charts
from tests.explain.test_long_documents import DOC
from ui import document


@pytest.fixture(scope="module")
def classifier(hub_cache):
    from model import load_model

    return load_model("tiny/distilbert-sst", task="classification", cache_dir=hub_cache)


def test_shown_for_a_long_text_and_hidden_for_a_short_one(classifier):
    long = explain(classifier, DOC, "occlusion", cache=None)
    group, summary, shaded, ranked, choose, words, note = document.show(long)
    assert group["visible"] is True if isinstance(group, dict) else group.visible
    assert summary.startswith(f"**Read as {long.meta['windows']['count']} windows of 64 tokens** (31 tokens shared")
    assert "softmax of the mean of the windows' logits" in summary and "window forwards" in summary
    assert "".join(piece for piece, _ in shaded) == DOC  # the whole text, each sentence a piece
    shades = [shade for _, shade in shaded if shade is not None]
    assert len(shades) == len(long.sentences) and max(abs(s) for s in shades) == 1.0
    values = long.sentence_attributions[:, 0]
    best = int(np.argmax(np.abs(values)))
    assert choose.value == best and choose.choices[0][1] == best
    np.testing.assert_allclose(ranked.data[0].x[0], values[best])
    drawn = words.data[0].x
    assert abs(sum(drawn) - values[best]) < 1e-9  # the words add up to their sentence
    assert "share its value evenly" in note  # occlusion by sentence: the words only share it
    short = explain(classifier, "the movie was very good", "occlusion", cache=None)
    hidden = document.show(short)
    assert hidden[2] is None and not document.wanted(short)
    assert document.wanted(explain(classifier, "The movie was good. The food was bad.", "shap",
                                   granularity="sentence", cache=None))


def test_choosing_a_sentence_draws_its_words(classifier):
    e = explain(classifier, DOC, "hierarchical", evaluations=400, top_sentences=1, cache=None)
    refined = e.meta["refined"][0]
    figure_, note = document.chosen(e.to_dict(), refined)
    words = [w for w in e.words if e.sentences[refined].start <= w.start < e.sentences[refined].end]
    assert figure_.layout.title.text == f"Words of sentence {refined + 1}"
    np.testing.assert_allclose(figure_.data[0].x,
                               [e.word_attributions[e.words.index(w), 0] for w in words])
    assert note == ""  # refined: its words have values of their own
    other = next(i for i in range(len(e.sentences)) if i != refined and len(e.sentences[i].tokens) > 2)
    assert "share its value evenly" in document.chosen(e.to_dict(), other)[1]
    assert document.chosen(None, 3) == (None, "") and document.chosen(e.to_dict(), "x") == (None, "")
    assert document.chosen(e.to_dict(), 10_000) == (None, "")
    assert charts.sentence_label(e, 0).startswith("S1 · ")
