"""Long documents: every method explains the windows' combined output; sentences and paragraphs as
features; coarse to fine; window reuse changes the work, never the numbers."""
from __future__ import annotations

import numpy as np
import pytest

from explain import explain
from explain.text.features import sentences_of, units

PARAGRAPHS = [
    "The movie was very good. I love this film and the music was great! The food was awful. It is not about sport.",
    "The service was bad, and the price was awful. I hate the weather. It is about money and the bank transfer.",
    "This example text is about a cat and a dog. The dog was happy. The cat was sad, really sad.",
]
DOC = "\n\n".join([" ".join([p] * 2) for p in PARAGRAPHS])  # about 190 tokens: several 62-token windows


def _masked(model, tokenized, positions):
    ids = list(tokenized.ids)
    for p in positions:
        ids[p] = model.mask_token_id
    return ids


def test_the_document_is_read_whole_and_said_so(classifier):
    e = explain(classifier, DOC, "occlusion", granularity="sentence", cache=None)
    windows = e.meta["windows"]
    assert not e.meta["truncated"] and windows["count"] == len(classifier.window_spans(len(e.tokens))) >= 3
    assert windows["window_tokens"] == classifier.max_length and windows["overlap"] == 31
    assert e.tokens[-2].end > len(DOC) - 10  # the last words were read
    np.testing.assert_allclose(e.probabilities, classifier.predict([DOC])[0], atol=1e-6)
    cut = explain(classifier, DOC, "occlusion", long_text="truncate", cache=None)
    assert cut.meta["truncated"] and "windows" not in cut.meta and len(cut.tokens) == classifier.max_length


def test_sentences_are_exposed_and_cover_the_words(classifier):
    e = explain(classifier, DOC, "shap", granularity="sentence", max_evals=200, cache=None)
    assert len(e.sentences) == 20 and {s.paragraph for s in e.sentences} == {0, 1, 2}
    for sentence in e.sentences:
        assert DOC[sentence.start:sentence.end] == sentence.text
    assert e.sentences[1].text == "I love this film and the music was great!"
    covered = sorted(t for s in e.sentences for t in s.tokens)
    assert covered == sorted(t for w in e.words for t in w.tokens)
    np.testing.assert_allclose(e.sentence_attributions.sum(0), e.attributions.sum(0), atol=1e-9)
    for i, sentence in enumerate(e.sentences):
        np.testing.assert_allclose(e.sentence_attributions[i], e.attributions[list(sentence.tokens)].sum(0))


def test_sentence_occlusion_equals_the_loop(classifier):
    """Each sentence's value is exactly the output minus the output without that sentence."""
    e = explain(classifier, DOC, "occlusion", granularity="sentence", cache=None)
    tokenized = classifier.tokenize(DOC)
    column = classifier.labels.index(e.targets[0])
    for i, sentence in enumerate(sentences_of(tokenized)):
        without = classifier.predict_ids([_masked(classifier, tokenized, sentence.tokens)])[0, column]
        assert abs(e.sentence_attributions[i, 0] - (e.outputs[0] - without)) < 1e-6
    paragraphs = explain(classifier, DOC, "occlusion", granularity="paragraph", cache=None)
    for positions, value in zip(units(tokenized, "paragraph"), (3 * [None])):
        without = classifier.predict_ids([_masked(classifier, tokenized, positions)])[0, column]
        total = paragraphs.attributions[list(positions), 0].sum()
        assert abs(total - (paragraphs.outputs[0] - without)) < 1e-6 and value is None


@pytest.mark.parametrize("granularity", ["token", "word", "sentence", "paragraph"])
def test_shap_stays_additive_on_a_long_text(classifier, granularity):
    e = explain(classifier, DOC, "shap", granularity=granularity, max_evals=300, cache=None)
    assert e.meta["granularity"] == granularity
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-6)
    tokenized = classifier.tokenize(DOC)
    empty = _masked(classifier, tokenized, tokenized.content_positions)
    np.testing.assert_allclose(e.base_values, classifier.predict_ids([empty])[0, [classifier.labels.index(
        e.targets[0])]], atol=1e-6)


def test_shap_sentences_are_groups_before_their_words(classifier):
    """Hard boundaries: SHAP by sentence, exhausted, gives each sentence what a token-level run
    that stops at the sentences gives it; words inside share it when the budget stops there."""
    by_sentence = explain(classifier, DOC, "shap", granularity="sentence", max_evals=5000, cache=None)
    assert by_sentence.meta["partition_tree_exhausted"]
    tokens = explain(classifier, DOC, "shap", granularity="token", max_evals=300, cache=None)
    assert not tokens.meta["partition_tree_exhausted"] and "explain by sentence" in tokens.meta["note"]
    both = explain(classifier, DOC, "hierarchical", evaluations=10_000, top_sentences=20, cache=None)
    np.testing.assert_allclose(both.sentence_attributions, by_sentence.sentence_attributions, atol=1e-8)


def test_auto_granularity(classifier):
    short = explain(classifier, "the movie was very good", "shap", cache=None)
    assert short.meta["granularity"] == "token"
    np.testing.assert_array_equal(short.attributions, explain(classifier, "the movie was very good", "shap",
                                                              granularity="token", cache=None).attributions)
    assert explain(classifier, DOC, "shap", max_evals=100, cache=None).meta["granularity"] == "sentence"
    assert explain(classifier, DOC, "occlusion", cache=None).meta["granularity"] == "sentence"
    assert explain(classifier, "the movie was good", "occlusion", cache=None).meta["granularity"] == "word"
    lime = explain(classifier, DOC, "lime", num_samples=100, cache=None)
    assert lime.meta["granularity"] == "sentence" and lime.meta["features"] == 20
    assert "shifts every later window" in lime.meta["hiding"]
    assert "hiding" not in explain(classifier, DOC, "lime", num_samples=100, masking="mask", cache=None).meta


@pytest.mark.parametrize("method, kwargs", [("shap", {"max_evals": 300}), ("occlusion", {}),
                                            ("lime", {"num_samples": 200, "masking": "mask"}),
                                            ("hierarchical", {"evaluations": 300})])
def test_reuse_changes_the_work_not_the_numbers(classifier, method, kwargs):
    reused = explain(classifier, DOC, method, granularity="sentence", cache=None, **kwargs) if method != \
        "hierarchical" else explain(classifier, DOC, method, cache=None, **kwargs)
    every = explain(classifier, DOC, method, window_reuse=False, cache=None,
                    **({"granularity": "sentence"} if method != "hierarchical" else {}), **kwargs)
    np.testing.assert_array_equal(reused.attributions, every.attributions)
    np.testing.assert_array_equal(reused.base_values, every.base_values)
    a, b = reused.meta["windows"], every.meta["windows"]
    assert a["forwards_without_reuse"] == b["forwards_without_reuse"] == b["forwards"]
    assert a["forwards"] < b["forwards"] and a["reuse"] and not b["reuse"]


def test_hiding_one_sentence_runs_one_or_two_windows(classifier):
    e = explain(classifier, DOC, "occlusion", granularity="sentence", cache=None)
    windows, sentences = e.meta["windows"], len(e.sentences)
    assert windows["forwards_without_reuse"] == windows["count"] * (sentences + 1)
    assert windows["forwards"] <= windows["count"] + 2 * sentences


def test_hierarchical_is_additive_at_each_level(classifier):
    e = explain(classifier, DOC, "hierarchical", evaluations=600, top_sentences=2, cache=None)
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-6)
    sentence_shap = explain(classifier, DOC, "shap", granularity="sentence", max_evals=300, cache=None)
    np.testing.assert_allclose(e.sentence_attributions, sentence_shap.sentence_attributions, atol=1e-8)
    refined = e.meta["refined"]
    assert len(refined) == 2 and e.meta["word_evaluations"] > 0
    ranked = np.argsort(-np.abs(sentence_shap.sentence_attributions[:, 0]), kind="stable")
    assert set(refined) <= set(ranked[:4].tolist())  # (ties among equal coarse values may swap)
    for i, sentence in enumerate(e.sentences):
        words = [w for w in e.words if sentence.start <= w.start < sentence.end]
        values = np.array([e.word_attributions[e.words.index(w), 0] for w in words])
        assert abs(values.sum() - e.sentence_attributions[i, 0]) < 1e-9
        if i not in refined:  # not refined: the sentence's value shared evenly by its words
            np.testing.assert_allclose(values, values.mean(), atol=1e-12)
    assert any(np.ptp([e.word_attributions[e.words.index(w), 0] for w in e.words
                       if e.sentences[i].start <= w.start < e.sentences[i].end]) > 0 for i in refined)

    by_occlusion = explain(classifier, DOC, "hierarchical", coarse="occlusion", evaluations=400, cache=None)
    occlusion = explain(classifier, DOC, "occlusion", granularity="sentence", cache=None)
    np.testing.assert_allclose(by_occlusion.sentence_attributions, occlusion.sentence_attributions, atol=1e-8)
    np.testing.assert_allclose(by_occlusion.base_values, 0.0)


def test_integrated_gradients_stay_complete_on_a_long_text(classifier, nli, encoder):
    for model, kwargs in ((classifier, {}), (nli, {"labels": ["money", "sport"]}), (encoder, {"pair": "a good film"})):
        e = explain(model, DOC, "ig", steps=100, cache=None, **kwargs)
        assert e.meta["windows"]["count"] >= 3
        assert max(e.meta["completeness_gap"]) < 0.01, (model.name, e.meta["completeness_gap"])
        np.testing.assert_allclose(e.probabilities, model.predict([DOC], **kwargs)[0] if "labels" in kwargs else
                                   e.probabilities, atol=1e-6)


def test_attention_on_windows_is_the_mean_over_the_windows(classifier):
    e = explain(classifier, DOC, "attention", cache=None)
    tokenized = classifier.tokenize(DOC)
    ids, n = list(tokenized.ids), len(tokenized.ids)
    total = np.zeros(n)
    spans = classifier.window_spans(n)
    for a, b in spans:
        weights = classifier.attentions([ids[0], *ids[a:b], ids[-1]])[-1].astype(np.float64).mean(0)[0]
        total[0] += weights[0]
        total[a:b] += weights[1:-1]
        total[-1] += weights[-1]
    np.testing.assert_allclose(e.attributions[:, 0], total / len(spans), atol=1e-7)
    assert e.attention is None and "Read as" in e.meta["note"]


def test_one_sentence_and_a_twenty_thousand_character_text(classifier):
    one = explain(classifier, "The movie was very good.", "shap", granularity="sentence", cache=None)
    assert len(one.sentences) == 1 and "windows" not in one.meta
    np.testing.assert_allclose(one.sentence_attributions[0], one.outputs - one.base_values, atol=1e-9)
    text = ("The movie was very good. " * 800)[:20_000]
    e = explain(classifier, text, "occlusion", granularity="paragraph", cache=None)
    assert e.meta["windows"]["count"] > 100 and len(e.sentences) == 800
    assert np.isfinite(e.attributions).all()
    with pytest.raises(ValueError, match="window_overlap is 40, but a window of this model holds 62 tokens"):
        explain(classifier, text, "occlusion", window_overlap=40, cache=None)
