"""Your own model: a folder written by save_pretrained, for every supported architecture, loads with
load_model(folder), predicts like transformers' own pipelines and is explained by every method; what
must be refused is refused before any weight is read."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from explain import METHODS, evaluate, explain
from explain.request import own_params
from model import load_model
from model.errors import ModelUnavailable
from model.loading.checkpoint import DECODERS, ENCODERS, SUPPORTED, inspect_checkpoint, is_path, load_checkpoint
from model.tiny.architectures import ARCHITECTURES

TEXTS = ["the movie was very good", "the food was awful and the service was bad", "a cat"]
TEXT = "the movie was very good but the food was awful"
BUDGET = {"max_evals": 100, "num_samples": 100, "steps": 32}


def test_every_listed_architecture_is_covered():
    from model.tiny.decoders import EVERY_DECODER

    assert set(ARCHITECTURES) == set(ENCODERS) and set(EVERY_DECODER) == set(DECODERS)
    assert set(SUPPORTED) == set(ENCODERS) | set(DECODERS)


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_a_classifier_folder_predicts_like_the_text_classification_pipeline(folders, kind):
    from transformers import pipeline

    model = load_model(folders[kind])  # a Path: a local folder
    assert model.task == "classification" and model.labels == ["NEGATIVE", "POSITIVE"]
    assert model.name == kind and model.info.source == str(folders[kind].resolve())
    reference = pipeline("text-classification", model=str(folders[kind]), device=-1, top_k=None)
    for text, row in zip(TEXTS, model.predict(TEXTS)):
        scores = {item["label"]: item["score"] for item in reference([text])[0]}
        np.testing.assert_allclose(row, [scores["NEGATIVE"], scores["POSITIVE"]], atol=1e-5)
    assert model.readout == ("last" if kind == "bart" else "first")


@pytest.mark.parametrize("kind", ["deberta-v2-nli", "roberta-nli", "xlm-roberta-nli", "bart-nli"])
def test_an_nli_folder_serves_zero_shot_like_the_pipeline(folders, kind):
    from transformers import pipeline

    folder = folders[kind]
    assert inspect_checkpoint(folder).tasks == ("classification", "zero-shot", "embedding")
    model = load_model(folder, task="zero-shot")
    reference = pipeline("zero-shot-classification", model=str(folder), device=-1)
    labels = ["sport", "food", "music"]
    for multi_label in (False, True):
        ours = model.predict(TEXTS, labels, multi_label=multi_label)
        for text, row in zip(TEXTS, ours):
            result = reference(text, candidate_labels=labels, multi_label=multi_label)
            scores = dict(zip(result["labels"], result["scores"]))
            np.testing.assert_allclose(row, [scores[label] for label in labels], atol=1e-5)


@pytest.mark.parametrize("kind", ["mpnet-st", "bert-st", "xlm-roberta-st", "bert-st-cls"])
def test_a_sentence_transformers_folder_encodes_like_sentence_transformers(folders, kind):
    from sentence_transformers import SentenceTransformer

    model = load_model(folders[kind])
    assert model.task == "embedding"
    reference = SentenceTransformer(str(folders[kind]), device="cpu").encode(TEXTS)
    np.testing.assert_allclose(model.predict(TEXTS), reference, atol=1e-5)


@pytest.mark.parametrize("kind", ["electra-encoder", "modernbert-encoder"])
def test_a_bare_encoder_is_an_embedding_with_mean_pooling(folders, kind):
    from transformers import AutoModel, AutoTokenizer

    model = load_model(folders[kind])
    assert model.task == "embedding"
    tokenizer, encoder = AutoTokenizer.from_pretrained(str(folders[kind])), AutoModel.from_pretrained(str(folders[kind]))
    for text, row in zip(TEXTS, model.predict(TEXTS)):
        inputs = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = encoder(**inputs).last_hidden_state[0]
        np.testing.assert_allclose(row, hidden.mean(0).numpy(), atol=1e-5)


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_every_method_explains_every_architecture(folders, kind):
    model = load_model(folders[kind])
    for method, cls in METHODS.items():
        e = explain(model, TEXT, method, cache=None, **own_params(cls, BUDGET))
        assert e.attributions.shape == (len(e.tokens), 1) and np.isfinite(e.attributions).all()
        assert " ".join(w.text for w in e.words) == TEXT  # words are the text's own, whatever the tokenizer
        if method == "shap":
            assert abs(e.attributions.sum() + e.base_values[0] - e.outputs[0]) < 1e-5  # additive
        if method == "ig":
            assert 0 <= e.meta["completeness_gap"][0] and "completeness gap" in cls.note(e, 0)  # reported
        if method in ("attention", "rollout"):
            layers, heads = model.attention_shape
            assert e.attention.shape[:2] == (layers, heads)
            np.testing.assert_allclose(e.attention.sum(-1), 1.0, atol=1e-4)
    card = evaluate(explain(model, TEXT, "occlusion", cache=None), model=model)
    assert card.comprehensiveness is not None and card.values["comprehensiveness"].random is not None


@pytest.mark.parametrize("kind", ["deberta-v2-nli", "bart-nli", "mpnet-st", "modernbert-encoder"])
def test_zero_shot_and_embedding_folders_are_explained_too(folders, kind):
    task = "zero-shot" if kind.endswith("nli") else None
    model = load_model(folders[kind], task=task)
    request = {"labels": ["sport", "food"]} if task else {"pair": "a good film"}
    for method in ("shap", "ig", "attention"):
        e = explain(model, TEXT, method, cache=None, **request, **own_params(METHODS[method], BUDGET))
        assert np.isfinite(e.attributions).all()
        if method == "shap":
            np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)


def test_dataset_mode_and_training_on_a_folders_encoder(folders, tmp_path):
    from explain.dataset import explain_dataset
    from model.train import Settings, prepare_examples, train

    classifier = load_model(folders["deberta-v2"])
    rows = [{"text": "the movie was good", "label": "POSITIVE"}, {"text": "the food was awful", "label": "NEGATIVE"}]
    run = explain_dataset(classifier, rows, "occlusion", label_column="label")
    assert [r.prediction in ("NEGATIVE", "POSITIVE") for r in run] == [True, True]
    assert run.summary.labelled == 2
    encoder = folders["xlm-roberta-st"]
    texts = [f"the {w} was good" for w in ("movie", "film", "food", "service")] * 2
    labels = ["film", "film", "food", "food"] * 2
    result = train(prepare_examples([f"{t} {i}" for i, t in enumerate(texts)], labels), "on-a-folder",
                   Settings(encoder=str(encoder), holdout=0.0))
    assert result.model.labels == ["film", "food"] and result.model.predict(["the film was good"]).shape == (1, 2)


# ----------------------------------------------------------------------------- refusals
def test_pickles_only_are_refused_and_never_unpickled(folders, tmp_path, monkeypatch):
    folder = shutil.copytree(folders["bert"], tmp_path / "pickled")
    weights = load_checkpoint(folder).network.model.state_dict()
    torch.save(weights, folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    unpickled = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: unpickled.append(a) or {})
    with pytest.raises(ModelUnavailable, match=r"holds only pickled weights \(pytorch_model.bin\).*safetensors"):
        load_model(folder)
    assert not unpickled


def test_custom_code_is_refused(folders, tmp_path):
    folder = shutil.copytree(folders["roberta"], tmp_path / "remote-code")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_evil.py").write_text("raise SystemExit('this must never run')\n")
    with pytest.raises(ModelUnavailable, match="asks for custom code .auto_map"):
        load_model(folder)


def test_the_size_cap_is_checked_before_reading_weights(folders, monkeypatch):
    size = inspect_checkpoint(folders["electra"]).weights_bytes
    with pytest.raises(ModelUnavailable, match="of weights; the limit is"):
        inspect_checkpoint(folders["electra"], max_bytes=size - 1)
    monkeypatch.setenv("STUDIO_MAX_MODEL_BYTES", str(size - 1))
    from safetensors import torch as safetensors_torch

    opened = []
    monkeypatch.setattr(safetensors_torch, "load_file", lambda *a, **k: opened.append(a))
    with pytest.raises(ModelUnavailable, match="STUDIO_MAX_MODEL_BYTES"):
        load_checkpoint(folders["electra"])
    assert not opened


def test_another_architecture_is_one_sentence_naming_the_supported_ones(tmp_path):
    from transformers import T5Config, T5Model

    T5Model(T5Config(num_layers=1, d_model=8, d_kv=4, num_heads=2, d_ff=16, vocab_size=50)).save_pretrained(
        str(tmp_path / "t5"))
    with pytest.raises(ModelUnavailable) as err:
        load_model(tmp_path / "t5")
    message = str(err.value)
    assert "is a t5 model; the supported architectures are ALBERT, BART, BERT, DeBERTa-v2/v3" in message
    assert "GPT-2, Llama, Mistral, Phi-3, Qwen2, Qwen3" in message
    assert "\n" not in message


def test_the_task_is_inferred_and_can_be_chosen(folders):
    assert inspect_checkpoint(folders["bert"]).tasks == ("classification", "embedding")
    assert inspect_checkpoint(folders["mpnet-st"]).tasks == ("embedding",)
    assert load_model(folders["bert"], task="embedding").task == "embedding"  # its encoder, mean pooled
    with pytest.raises(ModelUnavailable, match="is not an NLI model"):
        load_model(folders["bert"], task="zero-shot")
    with pytest.raises(ModelUnavailable, match="has no classification head"):
        load_model(folders["electra-encoder"], task="classification")


def test_a_hub_id_is_never_read_from_the_working_directory(folders, tmp_path, monkeypatch):
    """'owner/name' with a folder of that name in the working directory: the Hub (here, offline: one
    sentence), never the folder; './owner/name', an absolute path or a Path load the folder."""
    shutil.copytree(folders["bert"], tmp_path / "owner" / "name")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelUnavailable, match="not available offline"):
        load_model("owner/name", task="classification")
    assert not is_path("owner/name") and is_path("./owner/name") and is_path(Path("owner/name"))
    for given in ("./owner/name", str(tmp_path / "owner" / "name"), Path("owner/name")):
        assert load_model(given).labels == ["NEGATIVE", "POSITIVE"]


def test_the_app_never_takes_a_path_from_a_user(folders):
    from ui.models import resolve

    for given in (str(folders["bert"]), "./owner/name", "../../etc", "~/models/x"):
        with pytest.raises(ValueError, match="Choose one of the listed models"):
            resolve(given, "classification")


def test_folders_are_loaded_once_per_path(folders):
    assert load_model(folders["albert"]) is load_model(str(folders["albert"]))
    assert os.path.isdir(folders["albert"])


def test_a_unigram_tokenizer_that_writes_a_letter_as_two_tokens_loads_and_equals_the_pipeline(tmp_path):
    """A small trained SentencePiece vocabulary writes "a" as "▁", "a"; the special-token template is learnt
    from runs of tokens, not single ones (it was refused: "splits single letters into several tokens")."""
    from transformers import pipeline

    from model.tiny.architectures import build, trained_unigram

    tokenizer = trained_unigram()
    assert tokenizer.tokenize("a") == ["▁", "a"]  # (a letter, two tokens)
    folder = build(tmp_path / "xlmr-unigram", "xlm-roberta", tokenizer=tokenizer, seed=3)
    model = load_model(folder)
    reference = pipeline("text-classification", model=str(folder), device=-1, top_k=None)
    for text, row in zip(TEXTS, model.predict(TEXTS)):
        scores = {item["label"]: item["score"] for item in reference([text])[0]}
        np.testing.assert_allclose(row, [scores[label] for label in model.labels], atol=1e-5)
    assert model.tokenize("a b").ids == tuple(tokenizer("a b")["input_ids"])
    nli = build(tmp_path / "xlmr-unigram-nli", "xlm-roberta", head="nli", tokenizer=trained_unigram(), seed=4)
    zero_shot = load_model(nli, task="zero-shot")
    tokenizer = zero_shot.tokenizer  # (its own: training a Unigram vocabulary twice need not give the same one)
    ids, _ = zero_shot.adapter.build_pair(list(zero_shot.tokenize("the movie was good").ids[1:-1]),
                                          zero_shot.adapter.encode_content("This example is b."))
    assert ids == tokenizer("the movie was good", "This example is b.")["input_ids"]  # the pair as the tokenizer builds it


@pytest.mark.parametrize("pooling, normalize", [("mean", True), ("cls", False), ("max", True)])
def test_a_folder_saved_by_the_pinned_sentence_transformers_equals_its_encode(tmp_path, pooling, normalize):
    """sentence-transformers 6 writes modules.json as sentence_transformers.base.modules.transformer.Transformer,
    ...sentence_transformer.modules.pooling.Pooling and ...base.modules.normalize.Normalize, and the pooling as
    ``pooling_mode``; every spelling of the three modules is read (nothing of the package is imported)."""
    import warnings

    from sentence_transformers import SentenceTransformer

    from model.tiny.architectures import build

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sentence_transformers.models import Normalize, Pooling, Transformer  # (whatever this version calls them)

        encoder = Transformer(str(build(tmp_path / "encoder", "bert", head="encoder", seed=7)))
        modules = [encoder, Pooling(encoder.get_word_embedding_dimension(), pooling)] + ([Normalize()] if normalize else [])
        folder = tmp_path / "saved"
        SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    written = json.loads((folder / "modules.json").read_text())
    assert [m["type"].split(".")[-1] for m in written] == ["Transformer", "Pooling", "Normalize"][:len(modules)]
    model = load_model(folder)
    assert model.task == "embedding"
    reference = SentenceTransformer(str(folder), device="cpu").encode(TEXTS)
    np.testing.assert_allclose(model.predict(TEXTS), reference, atol=1e-5)


def _classifier(folder: Path, seed: int) -> None:
    from transformers import BertForSequenceClassification

    from tests.tiny_models import _bert_config, write_tokenizer

    torch.manual_seed(seed)
    config = _bert_config(num_labels=2, id2label={0: "no", 1: "yes"}, label2id={"no": 0, "yes": 1})
    BertForSequenceClassification(config).save_pretrained(str(folder), safe_serialization=True)
    write_tokenizer(folder)


def _pipeline_scores(folder: Path, text: str) -> np.ndarray:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    reference = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    with torch.no_grad():
        return torch.softmax(reference(**tokenizer(text, return_tensors="pt")).logits, -1)[0].numpy()


def test_a_folder_written_anew_is_loaded_anew(tmp_path):
    """Another model saved into the same folder: the next load_model answers with the new weights (as transformers
    on the new files does), the old load is let go, and an unchanged folder is loaded once."""
    from model.loading import load as loading
    from model.loading.operator import register_folder

    folder, text = tmp_path / "reused", "the good movie"
    _classifier(folder, seed=0)
    first = load_model(folder)
    assert load_model(folder) is first  # (unchanged: loaded once)
    np.testing.assert_allclose(first.predict([text])[0], _pipeline_scores(folder, text), atol=1e-5)
    _classifier(folder, seed=7)
    second = load_model(folder)
    assert second is not first
    new = _pipeline_scores(folder, text)
    np.testing.assert_allclose(second.predict([text])[0], new, atol=1e-5)
    assert np.abs(first.predict([text])[0] - new).max() > 1e-3  # (the weights did change)
    assert not [k for k in loading._cache if k[:1] == ("folder",) and k[1] == str(folder.resolve()) and k[-1] !=
                loading.fingerprint(folder.resolve())]
    # a folder listed by the operator (--model) is read anew too
    from model.registry import unregister_model

    spec = register_folder(folder, "classification", name="reused-listed")
    try:
        listed = load_model(spec.name)
        _classifier(folder, seed=3)
        np.testing.assert_allclose(load_model(spec.name).predict([text])[0], _pipeline_scores(folder, text), atol=1e-5)
        assert load_model(spec.name) is not listed
    finally:
        unregister_model(spec.name)


def test_a_decoder_folder_written_anew_is_loaded_anew(tmp_path):
    """The same for a decoder: another tiny GPT-2 saved into the folder, the next load scores a continuation as
    transformers does on the new files."""
    from transformers import AutoModelForCausalLM

    from model.tiny.decoders import build

    folder, prompt, continuation = tmp_path / "decoder", "the capital of france is", " paris"

    def reference(model) -> float:
        network = AutoModelForCausalLM.from_pretrained(str(folder)).eval()
        prompt_ids, tail = model.adapter.encode_content(prompt), model.continuation_ids(continuation)
        ids = torch.tensor([prompt_ids + tail])
        with torch.no_grad():
            logp = torch.log_softmax(network(ids).logits[0, :-1], -1)
        return float(logp[torch.arange(len(prompt_ids) - 1, ids.shape[1] - 1), torch.tensor(tail)].sum())

    def ours(model) -> float:
        return float(model.continuation_logprobs([model.adapter.encode_content(prompt)],
                                                 model.continuation_ids(continuation)).sum())

    build(folder, "gpt2", seed=0)
    first = load_model(folder)
    before = ours(first)
    assert before == pytest.approx(reference(first), abs=1e-4)
    build(folder, "gpt2", seed=5)
    second = load_model(folder)
    after = ours(second)
    assert second is not first and after == pytest.approx(reference(second), abs=1e-4) and abs(after - before) > 1e-3
