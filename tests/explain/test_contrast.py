"""Why A rather than B: the explained output is log p(A) - log p(B), and every method linear in the
explained function gives the target's attributions minus the contrast's (same masks, seed, baseline)."""
from __future__ import annotations

import numpy as np
import pytest

from explain import explain
from explain.methods.shap import ShapMethod
from explain.runner import Job, run
from model.errors import InputError

TEXT = "the movie was very good but the food was awful"
LINEAR = [("shap", {"max_evals": 2000}), ("occlusion", {}), ("ig", {"steps": 64}), ("lime", {"num_samples": 300}),
          ("grad_input", {}), ("hierarchical", {"evaluations": 5000, "top_sentences": 5})]


def test_the_synthetic_model_gives_the_known_difference(additive):
    """Outputs score and -score: explaining "score" rather than "negated" is 2 x each token's weight."""
    e = explain(additive, TEXT, "shap", target="score", contrast="negated", cache=None)
    tokens = list(additive.tokenize(TEXT).ids)
    np.testing.assert_allclose(e.attributions[:, 0], 2 * additive.weights[tokens], atol=1e-12)
    assert e.meta["contrast"] == "negated" and e.meta["output"] == "log-probability difference"
    np.testing.assert_allclose(e.probabilities, additive.predict_ids([tokens])[0])  # the prediction is unchanged


@pytest.mark.parametrize("method, params", LINEAR)
def test_classification_contrast_is_the_difference_of_logit_explanations(classifier, method, params):
    a, b = classifier.labels
    contrastive = explain(classifier, TEXT, method, target=a, contrast=b, seed=3, cache=None, **params)
    first = explain(classifier, TEXT, method, target=a, output="logit", seed=3, cache=None, **params)
    second = explain(classifier, TEXT, method, target=b, output="logit", seed=3, cache=None, **params)
    np.testing.assert_allclose(contrastive.attributions, first.attributions - second.attributions, atol=1e-6)
    np.testing.assert_allclose(contrastive.outputs, first.outputs - second.outputs, atol=1e-6)
    np.testing.assert_allclose(contrastive.probabilities, classifier.predict([TEXT])[0], atol=1e-6)
    if method in ("shap", "hierarchical"):
        np.testing.assert_allclose(contrastive.attributions.sum(0) + contrastive.base_values, contrastive.outputs,
                                   atol=1e-6)
    if method == "ig":  # its completeness is measured on the difference, from the difference at the baseline
        np.testing.assert_allclose(contrastive.meta["baseline_output"], np.array(first.meta["baseline_output"])
                                   - np.array(second.meta["baseline_output"]), atol=1e-6)
        gap = abs(contrastive.attributions.sum() - (contrastive.outputs[0] - contrastive.meta["baseline_output"][0]))
        assert abs(contrastive.meta["completeness_gap"][0] * abs(contrastive.outputs[0] - contrastive.meta[
            "baseline_output"][0]) - gap) < 1e-9


@pytest.mark.parametrize("method, params", [m for m in LINEAR if m[0] != "hierarchical"])
def test_similarity_contrast_is_the_difference_of_two_pairs(encoder, method, params):
    """Closer to A than to B: cos(x, A) - cos(x, B), explained as explain(pair=A) - explain(pair=B)."""
    near, far = "a great film", "awful food"
    contrastive = explain(encoder, TEXT, method, pair=near, contrast=far, seed=1, cache=None, **params)
    first = explain(encoder, TEXT, method, pair=near, seed=1, cache=None, **params)
    second = explain(encoder, TEXT, method, pair=far, seed=1, cache=None, **params)
    np.testing.assert_allclose(contrastive.attributions, first.attributions - second.attributions, atol=1e-6)
    np.testing.assert_allclose(contrastive.outputs, first.outputs - second.outputs, atol=1e-6)
    np.testing.assert_allclose(contrastive.probabilities, first.probabilities, atol=1e-7)  # the similarity to A


def test_zero_shot_contrast_explains_the_log_score_difference(nli):
    labels = ["money", "sport", "music"]
    scores = nli.predict([TEXT], labels=labels)[0]
    # occlusion: each word's value is the log-score difference with and without it, computed here directly
    e = explain(nli, TEXT, "occlusion", labels=labels, target="sport", contrast="music", cache=None)
    assert e.targets == ("sport",) and e.meta["output"] == "log-score difference"
    np.testing.assert_allclose(e.outputs[0], np.log(scores[1]) - np.log(scores[2]), atol=1e-5)
    tokenized = nli.tokenize(TEXT)
    for word, value in zip(e.words, e.word_attributions[:, 0]):
        ids = list(tokenized.ids)
        for t in word.tokens:
            ids[t] = nli.mask_token_id
        hidden = nli.predict_ids([ids], labels)[0]
        assert abs(value - (e.outputs[0] - (np.log(hidden[1]) - np.log(hidden[2])))) < 1e-5
    # SHAP: the target's and the contrast's SHAP on the log-scores, run here on the same masks
    contrastive = explain(nli, TEXT, "shap", labels=labels, contrast="music", max_evals=2000, cache=None)
    assert contrastive.targets == ("money", "sport")  # every candidate but the contrast
    spec = __import__("model.tasks", fromlist=["get_task"]).get_task("zero-shot").spec(nli, labels=labels)

    def logs(batch):
        return np.log(np.asarray(spec.forward(batch), dtype=np.float64))

    target = spec.target(spec.forward([tokenized.ids])[0])
    per_label = []
    for column in range(3):
        job = Job(ShapMethod().explain(nli, tokenized, target, params={"max_evals": 2000, "granularity": "auto"},
                                       seed=0), np.array([column]))
        per_label.append(run([job], logs)[0].attributions[:, 0])
    for j, column in enumerate((0, 1)):
        np.testing.assert_allclose(contrastive.attributions[:, j], per_label[column] - per_label[2], atol=1e-5)
    ig = explain(nli, TEXT, "ig", labels=labels, contrast="music", steps=64, cache=None)
    np.testing.assert_allclose(ig.meta["baseline_output"], [e2 - e3 for e2, e3 in zip(
        np.log(nli.predict_ids([[*_baseline(nli, tokenized)]], labels)[0][:2]),
        [np.log(nli.predict_ids([[*_baseline(nli, tokenized)]], labels)[0][2])] * 2)], atol=1e-5)


def _baseline(model, tokenized):
    return [i if special else model.mask_token_id for i, special in zip(tokenized.ids, tokenized.special)]


def test_contrast_errors_are_one_sentence(classifier, nli, encoder, additive):
    a, b = classifier.labels
    with pytest.raises(InputError, match="is not one of the labels"):
        explain(classifier, TEXT, "shap", contrast="neutral")
    with pytest.raises(InputError, match="the label it would be explained against"):
        explain(classifier, TEXT, "shap", target=a, contrast=a)
    predicted = classifier.labels[int(classifier.predict([TEXT])[0].argmax())]
    with pytest.raises(InputError, match=f"The model predicts '{predicted}'"):
        explain(classifier, TEXT, "shap", contrast=predicted)
    with pytest.raises(InputError, match="must be a label name"):
        explain(nli, TEXT, "shap", labels=["a", "b"], contrast="")
    with pytest.raises(InputError, match="must be a label name"):
        explain(additive, TEXT, "shap", target="score", contrast=12)
    with pytest.raises(InputError, match="The contrast text is empty"):
        explain(encoder, TEXT, "shap", pair="a film", contrast=" ")


def test_attention_with_a_contrast_is_attention(classifier):
    a, b = classifier.labels
    e = explain(classifier, TEXT, "attention", target=a, contrast=b, cache=None)
    plain = explain(classifier, TEXT, "attention", target=a, cache=None)
    np.testing.assert_allclose(e.attributions, plain.attributions)
    assert "rather than" in e.meta["note"]
