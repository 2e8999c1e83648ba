"""Token classifiers: a ``...ForTokenClassification`` folder loads as a token classifier (no longer, silently, as
an embedding model), and its entities equal transformers' token-classification pipeline for every aggregation,
long texts (read in overlapping chunks) included."""
from __future__ import annotations

import pytest

from model import load_model
from model.errors import InputError
from model.tiny.architectures import build

TEXTS = ["john smith works at acme in paris", "the movie was great fun and paris was lovely",
         " ".join(["alice visited london with bob"] * 40)]  # (the last is longer than the tiny models read: 64 tokens)


@pytest.fixture(scope="module", params=["bert", "roberta"])
def tagger(request, tmp_path_factory):
    folder = build(tmp_path_factory.mktemp("taggers") / request.param, request.param, head="tokens", seed=3)
    return folder, load_model(folder)


def reference(folder, aggregation: str, stride: int | None):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    model = AutoModelForTokenClassification.from_pretrained(str(folder), use_safetensors=True, attn_implementation="eager")
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    kwargs = {"stride": stride} if stride is not None else {}
    return pipeline("token-classification", model=model, tokenizer=tokenizer, aggregation_strategy=aggregation,
                    **kwargs)


def test_a_token_classifier_loads_as_one(tagger):
    folder, model = tagger
    assert model.task == "token-classification"
    assert model.labels == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    assert load_model(folder, task="embedding").task == "embedding"  # (its encoder, when asked for)


@pytest.mark.parametrize("aggregation", ["none", "simple", "first", "average", "max"])
def test_entities_equal_the_pipeline(tagger, aggregation):
    folder, model = tagger
    stride = None if aggregation == "none" else 16
    texts = TEXTS[:2] if aggregation == "none" else TEXTS
    ours = model.entities(texts, aggregation=aggregation, stride=stride)
    theirs = reference(folder, aggregation, stride)(texts)
    assert len(ours) == len(theirs) and sum(map(len, ours)) >= 3, ours  # (entities to compare: it says something)
    for got, expected in zip(ours, theirs):
        assert len(got) == len(expected), (got, expected)
        for a, b in zip(got, expected):
            assert set(a) == set(b)
            for key in a:
                if key == "score":
                    assert a[key] == pytest.approx(float(b[key]), abs=1e-5)
                else:
                    assert a[key] == b[key], key


def test_bad_settings_are_one_sentence(tagger):
    _, model = tagger
    with pytest.raises(InputError, match="aggregation must be"):
        model.entities(["a text"], aggregation="mean")
    with pytest.raises(InputError, match="cannot join"):
        model.entities(["a text"], aggregation="none", stride=8)
    with pytest.raises(InputError, match="stride must be"):
        model.entities(["a text"], stride=500)


@pytest.mark.parametrize("aggregation", ["none", "simple", "first", "average", "max"])
def test_each_entitys_rule_reads_the_pipelines_score(tagger, aggregation):
    """What an explanation of an entity explains: its score read from the token probabilities by its rule, which at
    the text itself is the pipeline's score, and the same function of any (masked) input."""
    import torch

    from model.kinds.token_classification import rule_scores

    _, model = tagger
    for text in TEXTS[:2]:
        found = model.entity_rules(text, aggregation)
        pipeline = model.entities([text], aggregation, stride=None)[0]
        assert [{**entity, "score": 0} for entity, _ in found] == [{**entity, "score": 0} for entity in pipeline]
        assert [entity["score"] for entity, _ in found] == pytest.approx([e["score"] for e in pipeline], abs=1e-6)
        if not found:
            continue
        probabilities = torch.softmax(model.token_logits(model.chunks(text, None)[0]).double(), -1)
        scores = rule_scores(probabilities, [rule for _, rule in found])[0]
        assert scores.numpy() == pytest.approx([entity["score"] for entity, _ in found], abs=1e-6)
        assert list(model.tokenize(text).ids) == model.chunks(text, None)[0]["input_ids"][0].tolist()
