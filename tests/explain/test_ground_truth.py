"""Explainers on a synthetic additive model whose true attributions are known."""
from __future__ import annotations

import numpy as np
import pytest

from explain import explain
from explain.methods.attention import rollout

TEXT = "the movie was very good and the food was awful"


def true_weights(model, tokenized):
    return np.array([0.0 if special else model.weights[i] for i, special in zip(tokenized.ids, tokenized.special)])


def test_shap_returns_the_weights(additive):
    e = explain(additive, TEXT, "shap", target="score", max_evals=500)
    assert e.meta["partition_tree_exhausted"]
    expected = true_weights(additive, additive.tokenize(TEXT))
    np.testing.assert_allclose(e.attributions[:, 0], expected, atol=1e-9)
    assert abs(e.base_values[0]) < 1e-12  # every token masked: weight 0
    assert abs(e.attributions[:, 0].sum() + e.base_values[0] - e.outputs[0]) < 1e-9


def test_shap_under_a_small_budget_stays_additive(additive):
    """Unrefined clusters share their exact total evenly (shap's rule), so sums stay exact."""
    e = explain(additive, TEXT, "shap", target="score", max_evals=30)
    assert not e.meta["partition_tree_exhausted"] and e.meta["masked_inputs"] <= 30
    assert abs(e.attributions[:, 0].sum() + e.base_values[0] - e.outputs[0]) < 1e-9
    expected = true_weights(additive, additive.tokenize(TEXT))
    assert np.corrcoef(e.attributions[:, 0], expected)[0, 1] > 0.5


@pytest.mark.parametrize("text", ["good", "the movie was good", TEXT, "a b c d e f g h i j k l m n o p"])
def test_shap_says_how_many_evaluations_word_level_values_need(additive, text):
    needed = explain(additive, text, "shap", target="score", max_evals=10, cache=None).meta["evaluations_needed"]
    enough = explain(additive, text, "shap", target="score", max_evals=max(needed, 10), cache=None)
    assert enough.meta["partition_tree_exhausted"] and "note" not in enough.meta
    if needed > 10:
        short = explain(additive, text, "shap", target="score", max_evals=needed - 1, cache=None)
        assert not short.meta["partition_tree_exhausted"]
        assert short.meta["note"].startswith(f"Coarse: {needed - 1:,} of the {needed:,} evaluations needed")
    seen = []
    explain(additive, text, "shap", target="score", max_evals=5000, cache=None,
            progress=lambda done, planned: seen.append((done, planned)))
    assert seen[0] == (0, needed - 1) and all(done <= planned for done, planned in seen)  # the plan is the tree


def test_shap_several_targets(additive):
    e = explain(additive, TEXT, "shap", target=["score", "negated"])
    np.testing.assert_allclose(e.attributions[:, 0], -e.attributions[:, 1], atol=1e-9)
    assert e.targets == ("score", "negated")


def test_lime_ranks_like_the_weights(additive):
    e = explain(additive, TEXT, "lime", target="score", num_samples=2000, seed=3)
    tokenized = additive.tokenize(TEXT)
    weights = {}
    for word in e.words:
        weights.setdefault(word["text"], sum(additive.weights[tokenized.ids[t]] for t in word["tokens"]))
    # LIME's features are distinct words: a repeated word's effect is the sum over its occurrences.
    totals = {}
    for word in e.words:
        totals[word["text"]] = totals.get(word["text"], 0.0) + weights[word["text"]]
    lime_totals = {}
    for word, value in zip(e.words, e.word_attributions[:, 0]):
        lime_totals[word["text"]] = lime_totals.get(word["text"], 0.0) + value
    names = sorted(totals)
    truth = np.array([totals[n] for n in names])
    found = np.array([lime_totals[n] for n in names])
    assert list(np.argsort(truth)) == list(np.argsort(found))
    assert np.corrcoef(truth, found)[0, 1] > 0.99
    assert e.meta["surrogate_r2"][0] > 0.99  # a linear model is fitted exactly


def test_lime_token_features_and_mask_mode(additive):
    e = explain(additive, TEXT, "lime", target="score", num_samples=1500, granularity="token", masking="mask")
    tokenized = additive.tokenize(TEXT)
    content = tokenized.content_positions
    truth = true_weights(additive, tokenized)[content]
    assert np.corrcoef(truth, e.attributions[content, 0])[0, 1] > 0.99


def test_lime_same_seed_same_result_other_seed_differs(additive):
    a = explain(additive, TEXT, "lime", target="score", num_samples=300, seed=7)
    b = explain(additive, TEXT, "lime", target="score", num_samples=300, seed=7)
    c = explain(additive, TEXT, "lime", target="score", num_samples=300, seed=8)
    np.testing.assert_array_equal(a.attributions, b.attributions)
    assert not np.array_equal(a.attributions, c.attributions)


def test_each_distinct_perturbation_is_evaluated_once(additive):
    e = explain(additive, "good good good", "lime", target="score", num_samples=500)
    # one distinct word feature: only the full and the empty input exist
    assert e.meta["model_evaluations"] <= 3
    e = explain(additive, TEXT, "shap", target="score")
    assert e.meta["model_evaluations"] < e.meta["masked_inputs"]


def test_rollout_by_hand():
    layer1 = np.array([[[0.5, 0.5, 0.0], [0.2, 0.6, 0.2], [0.0, 0.0, 1.0]]])
    layer2 = np.array([[[1.0, 0.0, 0.0], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]]])
    eye = np.eye(3)
    a1 = 0.5 * layer1[0] + 0.5 * eye
    a2 = 0.5 * layer2[0] + 0.5 * eye
    a1 /= a1.sum(1, keepdims=True)
    a2 /= a2.sum(1, keepdims=True)
    expected = a2 @ a1
    np.testing.assert_allclose(rollout(np.stack([layer1, layer2])), expected, atol=1e-12)
    np.testing.assert_allclose(expected.sum(1), 1.0)
    # two heads are averaged before the residual is added
    two_heads = np.stack([np.stack([layer1[0], layer2[0]])])
    mixed = 0.5 * (layer1[0] + layer2[0]) / 2 + 0.5 * eye
    np.testing.assert_allclose(rollout(two_heads), mixed / mixed.sum(1, keepdims=True), atol=1e-12)


def test_lime_says_when_it_has_too_few_samples_for_its_features(additive):
    """10 samples for 12 words fit almost perfectly whatever the model does: the note says so (and why)."""
    text = "the movie was very good and the food was awful but the service was great"
    few = explain(additive, text, "lime", target="score", num_samples=10, cache=None)
    words = few.meta["features"]
    assert words >= 10
    assert f"Only 10 samples for {words} features" in few.meta["note"] and "R² overstates the fit" in few.meta["note"]
    assert f"at least {10 * words:,} samples" in few.meta["note"]
    enough = explain(additive, text, "lime", target="score", num_samples=10 * words, cache=None)
    assert "note" not in enough.meta
