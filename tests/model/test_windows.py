"""Long texts read as windows: the layout, the combining rule of every task against an explicit loop
over the windows with transformers itself, the gradient path, truncation, reuse."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model import load_model, windows
from model.errors import InputError
from model.windows import effective_overlap, window_starts

LONG = ("The movie was very good. I love this film and the music was great! The food was awful, and the service "
        "was bad. It is not about sport, it is about money. ") * 6  # about 200 tokens: several 62-token windows
LABELS = ["money", "sport", "music"]


@pytest.fixture(scope="module")
def tiny(hub_cache):
    return {"classification": load_model("tiny/distilbert-sst", task="classification", cache_dir=hub_cache),
            "nli": load_model("tiny/bert-nli", task="zero-shot", cache_dir=hub_cache),
            "embedding": load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)}


def test_layout_follows_the_rule():
    """Starts 0, S, 2S, ... while a window ends before the end, then one window ending at the end."""
    assert window_starts(254, 254) == [0] and window_starts(10, 254) == [0]
    starts = window_starts(1000, 254, 64)
    assert starts == [0, 190, 380, 570, 746]
    assert all(s + 254 < 1000 for s in starts[:-1]) and starts[-1] + 254 == 1000
    assert window_starts(444, 254, 64) == [0, 190]  # 190 + 254 == 444: the regular window is the last one
    assert window_starts(445, 254, 64) == [0, 190, 191]
    assert effective_overlap("auto", 254) == 64 and effective_overlap("auto", 62) == 31
    with pytest.raises(InputError, match="at most half of that \\(31\\)"):
        window_starts(200, 62, 40)


def _single(tokenizer, ids):
    """BERT's documented layout: [CLS] text [SEP] (written out, not from the studio's template)."""
    return [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id]


def _pair(tokenizer, first, second):
    """[CLS] first [SEP] second [SEP], token types 0 then 1."""
    ids = [tokenizer.cls_token_id, *first, tokenizer.sep_token_id, *second, tokenizer.sep_token_id]
    return ids, [0] * (len(first) + 2) + [1] * (len(second) + 1)


def _logits(network, ids, types=None):
    with torch.no_grad():
        kwargs = {"token_type_ids": torch.tensor([types])} if types is not None else {}
        return network(input_ids=torch.tensor([ids]), **kwargs).logits[0].double()


def test_windowed_classification_equals_an_explicit_loop_with_transformers(tiny, hub_cache):
    """softmax(mean of the windows' logits), each window read by transformers itself (DistilBERT's
    layout is BERT's: [CLS] text [SEP])."""
    model = tiny["classification"]
    hf, tokenizer = model.network.model, model.tokenizer
    content = tokenizer(LONG, add_special_tokens=False)["input_ids"]
    size = model.max_length - 2
    starts = window_starts(len(content), size, "auto")
    assert len(starts) >= 3
    logits = torch.stack([_logits(hf, _single(tokenizer, content[s: s + size]))
                          for s in starts])
    expected = torch.softmax(logits.mean(0), -1).numpy()
    np.testing.assert_allclose(model.predict([LONG])[0], expected, atol=1e-5)
    np.testing.assert_allclose(model.predict([LONG], output="logit")[0], logits.mean(0).numpy(), atol=1e-4)
    # the overlap is the caller's
    starts = window_starts(len(content), size, 8)
    logits = torch.stack([_logits(hf, _single(tokenizer, content[s: s + size]))
                          for s in starts])
    np.testing.assert_allclose(model.predict([LONG], window_overlap=8)[0], torch.softmax(logits.mean(0), -1).numpy(),
                               atol=1e-5)
    # truncate: the first window only, as the model alone (and transformers' pipelines) read it
    first = _logits(hf, _single(tokenizer, content[:size]))
    np.testing.assert_allclose(model.predict([LONG], long_text="truncate")[0], torch.softmax(first, -1).numpy(),
                               atol=1e-5)


def test_windowed_nli_equals_an_explicit_loop_with_transformers(tiny):
    """Each window beside each hypothesis (room = the length less the hypothesis), logits averaged."""
    model = tiny["nli"]
    hf, tokenizer = model.network.model, model.tokenizer
    content = tokenizer(LONG, add_special_tokens=False)["input_ids"]
    per_label = []
    for label in LABELS:
        hypothesis = tokenizer(model.default_template.format(label), add_special_tokens=False)["input_ids"]
        room = model.max_length - 3 - len(hypothesis)
        rows = []
        for start in window_starts(len(content), room, "auto"):
            ids, types = _pair(tokenizer, content[start: start + room], hypothesis)
            rows.append(_logits(hf, ids, types))
        per_label.append(torch.stack(rows).mean(0))
    logits = torch.stack(per_label)
    expected = torch.softmax(logits[:, model.entailment_id], -1).numpy()
    np.testing.assert_allclose(model.predict([LONG], labels=LABELS)[0], expected, atol=1e-5)
    multi = torch.softmax(logits[:, [model.contradiction_id, model.entailment_id]], -1)[:, 1].numpy()
    np.testing.assert_allclose(model.predict([LONG], labels=LABELS, multi_label=True)[0], multi, atol=1e-5)


def test_windowed_embedding_is_the_normalised_mean_of_normalised_windows(tiny):
    model = tiny["embedding"]
    tokenized = model.tokenize(LONG)
    spans = model.window_spans(len(tokenized))
    ids = list(tokenized.ids)
    vectors = model.predict_ids([[ids[0], *ids[a:b], ids[-1]] for a, b in spans])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = unit.mean(0) / np.linalg.norm(unit.mean(0))
    np.testing.assert_allclose(model.predict([LONG])[0], expected, atol=1e-6)
    assert len(spans) >= 3


def test_similarity_zero_shot_averages_the_windows_cosines(zeroshot_model):
    """The bundled similarity zero-shot: each label's cosine is the mean of the windows' cosines."""
    text = LONG * 3
    tokenized = zeroshot_model.tokenize(text)
    spans = zeroshot_model.window_spans(len(tokenized))
    assert len(spans) >= 2
    ids = list(tokenized.ids)
    windows_ = zeroshot_model._run([[ids[0], *ids[a:b], ids[-1]] for a, b in spans])
    hypotheses = zeroshot_model._hypotheses([zeroshot_model.default_template.format(label) for label in LABELS])
    cosine = (windows_.astype(np.float64) @ hypotheses.astype(np.float64).T).mean(0)
    expected = np.exp(cosine / zeroshot_model.temperature) / np.exp(cosine / zeroshot_model.temperature).sum()
    np.testing.assert_allclose(zeroshot_model.predict([text], labels=LABELS)[0], expected, atol=1e-5)


@pytest.mark.parametrize("task", ["classification", "nli", "embedding"])
def test_the_gradient_path_reads_the_same_windows(tiny, task):
    """predict_embeds on a long text's embeddings equals predict_ids (what IG's completeness rests on)."""
    model = tiny[task]
    labels = LABELS if task == "nli" else None
    ids = [list(model.tokenize(LONG).ids)]
    tensor, mask = model.id_tensors(ids)
    embeds = model.input_embeddings()(tensor)
    with torch.no_grad():
        ours = model.predict_embeds(embeds, mask, tensor, labels).double().numpy()
    np.testing.assert_allclose(ours, model.predict_ids(ids, labels), atol=1e-5)
    with torch.no_grad():
        cut = model.predict_embeds(embeds, mask, tensor, labels, long_text="truncate").double().numpy()
    np.testing.assert_allclose(cut, model.predict([LONG], labels, long_text="truncate"), atol=1e-5)


def test_a_long_sequence_without_special_tokens_is_one_sentence(tiny):
    model = tiny["classification"]
    content = list(model.tokenize(LONG).ids)[1:-1]
    with pytest.raises(InputError, match="must start and end with the model's special tokens"):
        model.predict_ids([content])


def test_a_session_runs_only_the_windows_an_input_changed(tiny):
    model = tiny["classification"]
    ids = list(model.tokenize(LONG).ids)
    spans = model.window_spans(len(ids), 8)
    middle = (spans[1][0] + spans[1][1]) // 2  # inside the second window only (the overlaps are 8 tokens)
    assert sum(a <= middle < b for a, b in spans) == 1
    hidden = list(ids)
    hidden[middle] = model.mask_token_id
    with windows.session() as memo:
        full = model.predict_ids([ids], window_overlap=8)
        assert (memo.run, memo.needed) == (len(spans), len(spans))
        again = model.predict_ids([hidden], window_overlap=8)
        assert memo.run == len(spans) + 1 and memo.needed == 2 * len(spans)
        assert memo.tally([hidden]) == (1, len(spans))
    with windows.session(reuse=False) as memo:
        np.testing.assert_array_equal(model.predict_ids([hidden], window_overlap=8), again)
        assert memo.run == memo.needed == len(spans)
    np.testing.assert_array_equal(model.predict_ids([ids], window_overlap=8), full)
