"""Hub code paths on tiny test-built models, offline, with parity against transformers."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from model import ResourceExhausted, load_model, registry
from tests.tiny_models import snapshot_dir

TEXTS = ["the movie was very good", "i hate this food", "bank transfer of money is not good", "a cat"]
LABELS = ["sport", "music", "politics", "weather"]


@pytest.fixture(scope="module")
def nli(hub_cache):
    return load_model("tiny/bert-nli", task="zero-shot", cache_dir=hub_cache)


@pytest.fixture(scope="module")
def pipeline(hub_cache):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, ZeroShotClassificationPipeline

    folder = str(snapshot_dir(__import__("pathlib").Path(hub_cache), "tiny/bert-nli"))
    return ZeroShotClassificationPipeline(model=AutoModelForSequenceClassification.from_pretrained(folder),
                                          tokenizer=AutoTokenizer.from_pretrained(folder), device=-1)


@pytest.mark.parametrize("multi_label", [False, True])
def test_nli_zero_shot_equals_transformers_pipeline(nli, pipeline, multi_label):
    ours = nli.predict(TEXTS, labels=LABELS, multi_label=multi_label)
    assert ours.shape == (len(TEXTS), len(LABELS))
    spread = 0.0
    for text, row in zip(TEXTS, ours):
        reference = pipeline(text, candidate_labels=LABELS, multi_label=multi_label)
        expected = np.array([reference["scores"][reference["labels"].index(label)] for label in LABELS])
        np.testing.assert_allclose(row, expected, atol=1e-5)
        spread = max(spread, float(np.ptp(expected)))
    assert spread > 0.01, "the tiny model must discriminate labels for the parity to mean anything"
    if not multi_label:
        np.testing.assert_allclose(ours.sum(1), 1.0, atol=1e-5)


def test_nli_single_label_uses_entailment_vs_contradiction(nli, pipeline):
    ours = nli.predict(TEXTS[:2], labels=["sport"])
    for text, row in zip(TEXTS[:2], ours):
        assert abs(row[0] - pipeline(text, candidate_labels=["sport"])["scores"][0]) < 1e-5


def test_nli_template_and_truncation(nli, pipeline):
    """long_text="truncate" reads a long text as the pipeline does (its first tokens only)."""
    long_text = "good " * 200
    ours = nli.predict([long_text, TEXTS[0]], labels=LABELS[:2], hypothesis_template="It is about {}.",
                       long_text="truncate")
    assert nli.tokenize(long_text, long_text="truncate").truncated
    for text, row in zip([long_text, TEXTS[0]], ours):
        reference = pipeline(text, candidate_labels=LABELS[:2], hypothesis_template="It is about {}.")
        expected = [reference["scores"][reference["labels"].index(label)] for label in LABELS[:2]]
        np.testing.assert_allclose(row, expected, atol=1e-5)


def test_hub_classifier_equals_text_classification_pipeline(hub_cache):
    from transformers import pipeline

    model = load_model("tiny/distilbert-sst", task="classification", cache_dir=hub_cache)
    assert model.labels == ["NEGATIVE", "POSITIVE"]
    folder = str(snapshot_dir(__import__("pathlib").Path(hub_cache), "tiny/distilbert-sst"))
    reference = pipeline("text-classification", model=folder, tokenizer=folder, device=-1, top_k=None)
    ours = model.predict(TEXTS)
    for text, row in zip(TEXTS, ours):
        result = reference([text])[0]
        scores = {item["label"]: item["score"] for item in result}
        np.testing.assert_allclose(row, [scores["NEGATIVE"], scores["POSITIVE"]], atol=1e-5)
    attention = model.attentions(model.tokenize(TEXTS[0]).ids)
    assert attention.shape[:2] == (2, 2)


def test_hub_embedding_equals_sentence_transformers(hub_cache):
    from sentence_transformers import SentenceTransformer

    model = load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)
    assert model.max_length == 48
    folder = str(snapshot_dir(__import__("pathlib").Path(hub_cache), "tiny/bert-embed"))
    reference = SentenceTransformer(folder, device="cpu").encode(TEXTS)
    np.testing.assert_allclose(model.predict(TEXTS), reference, atol=1e-5)


def test_pickle_only_weights_are_refused(hub_cache):
    with pytest.raises(ValueError, match="safetensors"):
        load_model("tiny/pickle-only", task="classification", cache_dir=hub_cache)


def test_offline_hub_model_is_one_sentence():
    with pytest.raises(ValueError, match="not available offline") as err:
        load_model("distilbert-base-uncased-finetuned-sst-2-english", task="classification")
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="not available offline"):
        load_model("sst2-distilbert")


def test_bad_revision_is_refused(hub_cache):
    with pytest.raises(ValueError, match="revision"):
        load_model("tiny/bert-nli", task="zero-shot", revision="../../etc", cache_dir=hub_cache)


def test_non_nli_model_refused_for_zero_shot(hub_cache):
    with pytest.raises(ValueError, match="not an NLI model"):
        load_model("tiny/distilbert-sst", task="zero-shot", cache_dir=hub_cache)


def test_concurrent_first_use_loads_once(hub_cache, monkeypatch):
    calls = []
    original = registry._BUILDERS["hub"]

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setitem(registry._BUILDERS, "hub", counting)
    results = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(load_model("tiny/distilbert-sst", task="classification", revision="main", cache_dir=hub_cache))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 8 and all(r is results[0] for r in results)


def test_out_of_memory_halves_the_batch_and_retries(hub_cache, monkeypatch):
    model = load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)
    expected = model.predict(TEXTS * 4)
    forward = model.network.forward
    seen = []

    def flaky(input_ids, attention_mask, token_type_ids=None):
        seen.append(len(input_ids))
        if len(input_ids) > 3:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return forward(input_ids, attention_mask, token_type_ids)

    monkeypatch.setattr(model, "runtime", "torch")  # the fault is injected into the PyTorch network
    monkeypatch.setattr(model.network, "forward", flaky)
    monkeypatch.setattr(model, "batch_size", 16)
    np.testing.assert_allclose(model.predict(TEXTS * 4), expected, atol=1e-5)
    assert seen[:3] == [16, 8, 4] and set(seen[3:]) == {2}
    # The back-off holds for that call only: nothing shared is changed, the next call starts big again.
    assert model.batch_size == 16
    seen.clear()
    np.testing.assert_allclose(model.predict(TEXTS[:2]), expected[:2], atol=1e-5)
    assert seen == [2]

    def always(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory.")

    monkeypatch.setattr(model.network, "forward", always)
    with pytest.raises(ResourceExhausted, match="out of memory"):
        model.predict(["a cat"])


def test_gpu_batches_follow_free_memory(hub_cache, monkeypatch):
    from types import SimpleNamespace

    from model.device import MAX_GPU_ROWS, memory_rows

    config = SimpleNamespace(hidden_size=384, intermediate_size=1536, num_attention_heads=12)
    # 2 x 32 tokens x (6*384 + 2*1536 + 3*12*32 = 6,528 values) x 2 bytes = 835,584 bytes per row
    assert memory_rows(10**9, 32, config, torch.bfloat16) == int(0.4 * 10**9 // 835_584) == 478
    assert memory_rows(10**9, 64, config, torch.float32) < memory_rows(10**9, 32, config, torch.float32)
    assert memory_rows(10**3, 512, config, torch.float32) == 1
    assert memory_rows(10**15, 8, config, torch.float16) == MAX_GPU_ROWS
    bart = SimpleNamespace(d_model=16, encoder_ffn_dim=32, encoder_attention_heads=2)
    assert memory_rows(10**6, 4, bart, torch.float32) == int(0.4 * 10**6 // (2 * 4 * (96 + 64 + 24) * 4))

    model = load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)
    assert model._rows(32) == model.batch_size == 64  # CPU: the fixed batch size
    monkeypatch.setattr(model, "device", torch.device("cuda"))
    monkeypatch.setattr(model, "batch_size", MAX_GPU_ROWS)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (10**8, 4 * 10**8))
    rows = memory_rows(10**8, 100, model.transformer.config, torch.float32)  # (autocast keeps softmax float32)
    assert 1 < rows < MAX_GPU_ROWS and model._rows(100) == rows and model._rows(10) > rows


def test_hub_models_run_on_onnx_with_token_types(nli, pipeline, monkeypatch):
    fast = nli.predict(TEXTS, labels=LABELS)
    assert nli.runtime == "onnx" and "token_type_ids" in nli._onnx.input_names
    monkeypatch.setattr(nli, "runtime", "torch")
    np.testing.assert_allclose(fast, nli.predict(TEXTS, labels=LABELS), atol=1e-5, rtol=0)


def test_onnx_can_be_turned_off(hub_cache, monkeypatch):
    from model.onnx_runtime import wanted

    monkeypatch.setenv("STUDIO_RUNTIME", "torch")
    assert not wanted(torch.device("cpu"))
    monkeypatch.setenv("STUDIO_RUNTIME", "fast")
    with pytest.raises(ValueError, match="STUDIO_RUNTIME"):
        wanted(torch.device("cpu"))


def test_bart_classifier_equals_text_classification_pipeline(hub_cache):
    from transformers import pipeline

    model = load_model("tiny/bart-sst", task="classification", cache_dir=hub_cache)
    folder = str(snapshot_dir(__import__("pathlib").Path(hub_cache), "tiny/bart-sst"))
    reference = pipeline("text-classification", model=folder, tokenizer=folder, device=-1, top_k=None)
    for text, row in zip(TEXTS, model.predict(TEXTS)):
        scores = {item["label"]: item["score"] for item in reference([text])[0]}
        np.testing.assert_allclose(row, [scores["NEGATIVE"], scores["POSITIVE"]], atol=1e-5)


def test_bart_nli_equals_zero_shot_pipeline(hub_cache):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, ZeroShotClassificationPipeline

    model = load_model("tiny/bart-nli", task="zero-shot", cache_dir=hub_cache)
    folder = str(snapshot_dir(__import__("pathlib").Path(hub_cache), "tiny/bart-nli"))
    reference = ZeroShotClassificationPipeline(model=AutoModelForSequenceClassification.from_pretrained(folder),
                                               tokenizer=AutoTokenizer.from_pretrained(folder), device=-1)
    for text, row in zip(TEXTS, model.predict(TEXTS, labels=LABELS)):
        result = reference(text, candidate_labels=LABELS)
        np.testing.assert_allclose(row, [result["scores"][result["labels"].index(label)] for label in LABELS],
                                   atol=1e-5)


@pytest.mark.parametrize("repo, task, readout", [
    ("tiny/bert-nli", "zero-shot", "first"), ("tiny/distilbert-sst", "classification", "first"),
    ("tiny/bert-embed", "embedding", "mean"), ("tiny/bart-sst", "classification", "last"),
    ("tiny/bart-nli", "zero-shot", "last"),
])
def test_models_declare_what_their_output_reads(hub_cache, repo, task, readout):
    model = load_model(repo, task=task, cache_dir=hub_cache)
    assert model.readout == readout
    assert (model.pair_input(model.tokenize("a cat").ids, "sport") is not None) == (task == "zero-shot")


def test_attention_reads_the_rows_the_model_reads(hub_cache):
    """BART's head reads the last EOS token: attention scores are that row, for a single text and
    for the (text, hypothesis) pairs an NLI model reads."""
    from explain import explain

    text = "the food was good"
    model = load_model("tiny/bart-sst", task="classification", cache_dir=hub_cache)
    e = explain(model, text, "attention", cache=None)
    weights = model.attentions(model.tokenize(text).ids)
    np.testing.assert_allclose(e.attributions[:, 0], weights[-1].astype(np.float64).mean(0)[-1], atol=1e-6)
    assert e.meta["readout"] == "last" and not e.meta["text_pair"]

    nli = load_model("tiny/bart-nli", task="zero-shot", cache_dir=hub_cache)
    e = explain(nli, text, "attention", labels=["sport", "food"], cache=None)
    n = len(e.tokens)
    for column, label in enumerate(["sport", "food"]):
        ids, types = nli.pair_input(nli.tokenize(text).ids, label)
        pair_weights = nli.attentions(ids, types)
        np.testing.assert_allclose(e.attributions[:, column], pair_weights[-1].astype(np.float64).mean(0)[-1][:n],
                                   atol=1e-6)
    assert e.meta["text_pair"] and not np.allclose(e.attributions[:, 0], e.attributions[:, 1])
    first = load_model("tiny/bert-nli", task="zero-shot", cache_dir=hub_cache)
    e = explain(first, text, "attention", labels=["sport"], cache=None)
    ids, types = first.pair_input(first.tokenize(text).ids, "sport")
    np.testing.assert_allclose(e.attributions[:, 0], first.attentions(ids, types)[-1].astype(np.float64).mean(0)[0][:len(e.tokens)],
                               atol=1e-6)


def test_hub_probe_is_asked_once_and_honours_offline(monkeypatch):
    import socket

    from model.loading import hub

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        hub.hub_reachable.cache_clear()
        assert hub.hub_reachable() is True
        listener.close()
        assert hub.hub_reachable() is True  # remembered: asked once per process
        hub.hub_reachable.cache_clear()
        assert hub.hub_reachable(timeout=1.0) is False  # nothing listens now
        hub.hub_reachable.cache_clear()
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        assert hub.hub_reachable() is False
    finally:
        listener.close()
        hub.hub_reachable.cache_clear()


def test_hub_waits_are_capped():
    from huggingface_hub import constants

    from model.loading.hub import limit_hub_waits

    before = (constants.HF_HUB_ETAG_TIMEOUT, constants.HF_HUB_DOWNLOAD_TIMEOUT)
    try:
        limit_hub_waits(3)
        assert constants.HF_HUB_ETAG_TIMEOUT == 3 and constants.HF_HUB_DOWNLOAD_TIMEOUT == 3
    finally:
        constants.HF_HUB_ETAG_TIMEOUT, constants.HF_HUB_DOWNLOAD_TIMEOUT = before


def test_a_hub_decoder_loads_as_generation_and_as_prompted_zero_shot(hub_cache):
    from pathlib import Path

    from transformers import AutoModelForCausalLM

    model = load_model("tiny/gpt2-lm", task="generation", cache_dir=hub_cache)
    assert model.task == "generation" and model.info.source == "tiny/gpt2-lm"
    reference = AutoModelForCausalLM.from_pretrained(str(snapshot_dir(Path(hub_cache), "tiny/gpt2-lm"))).eval()
    ids = list(model.tokenize("a dog and a cat").ids)
    expected = reference.generate(input_ids=__import__("torch").tensor([ids]), max_new_tokens=4, do_sample=False,
                                  pad_token_id=model.pad_token_id)[0, len(ids):].tolist()
    if model.eos_id in expected:
        expected = expected[: expected.index(model.eos_id)]
    assert model.generate_ids(ids, 4) == expected
    prompted = load_model("tiny/gpt2-lm", task="zero-shot", cache_dir=hub_cache)
    assert prompted.task == "zero-shot" and prompted.predict(["a dog"], labels=["dog", "city"]).shape == (1, 2)
