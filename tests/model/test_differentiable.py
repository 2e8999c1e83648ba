"""predict_embeds (what gradient methods differentiate) equals predict_ids on every model, and each
task's differentiable score equals its batched forward."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model import get_task, load_model

TEXTS = ["the movie was very good", "i hate this food", "a cat", "bank transfer of money is not good at all"]
LABELS = ["sport", "music", "politics"]
HUB = [("tiny/bert-nli", "zero-shot"), ("tiny/distilbert-sst", "classification"), ("tiny/bert-embed", "embedding"),
       ("tiny/bart-sst", "classification"), ("tiny/bart-nli", "zero-shot")]


def both_paths(model, texts, **kwargs):
    ids, mask = model.id_tensors([model.tokenize(t).ids for t in texts])
    embeds = model.input_embeddings()(ids)
    differentiable = model.predict_embeds(embeds, mask, ids, **kwargs)
    return model.predict_ids([model.tokenize(t).ids for t in texts], **kwargs), differentiable, embeds


def zero_shot_options(model):
    return [{"labels": LABELS}, {"labels": LABELS, "multi_label": True}, {"labels": LABELS[:1]}] \
        if model.task == "zero-shot" else [{}]


def check(model):
    for kwargs in zero_shot_options(model):
        batched, differentiable, embeds = both_paths(model, TEXTS, **kwargs)
        assert differentiable.requires_grad
        np.testing.assert_allclose(differentiable.detach().numpy(), batched, atol=1e-5, rtol=0)
        grad, = torch.autograd.grad(differentiable[:, 0].sum(), embeds)
        assert grad.abs().sum() > 0  # the output really depends on the embeddings


@pytest.mark.parametrize("repo, task", HUB)
def test_tiny_hub_models(hub_cache, repo, task):
    check(load_model(repo, task=task, cache_dir=hub_cache))


@pytest.mark.parametrize("fixture", ["intent_model", "zeroshot_model", "embed_model"])
def test_bundled_models(request, fixture):
    check(request.getfixturevalue(fixture))


@pytest.mark.parametrize("repo, task, kwargs", [
    ("tiny/distilbert-sst", "classification", {"target": ["NEGATIVE", "POSITIVE"]}),
    ("tiny/bert-nli", "zero-shot", {"labels": LABELS, "options": {"hypothesis_template": "It is {}."}}),
    ("tiny/bart-nli", "zero-shot", {"labels": LABELS}),
    ("tiny/bert-embed", "embedding", {"pair": "a dog runs"}),
])
def test_task_score_equals_task_forward(hub_cache, repo, task, kwargs):
    model = load_model(repo, task=task, cache_dir=hub_cache)
    spec = get_task(task).spec(model, **kwargs)
    seqs = [model.tokenize(t).ids for t in TEXTS]
    ids, mask = model.id_tensors(seqs)
    score = spec.score(model.input_embeddings()(ids), mask, ids)
    assert score.shape == (len(TEXTS), len(spec.labels))
    np.testing.assert_allclose(score.detach().numpy(), spec.forward(seqs), atol=1e-5, rtol=0)
