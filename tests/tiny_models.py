"""Tiny, randomly initialised Hugging Face models built by the tests, laid out as a Hub cache.

They exercise the hub code paths offline: ``load_model("tiny/...", task=..., cache_dir=cache)``
goes through the same ``from_pretrained`` calls as a real Hub model, with HF_HUB_OFFLINE=1.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from model.tiny.vocab import VOCAB, byte_level_vocab

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write_tokenizer(folder: Path):
    from transformers import BertTokenizer

    vocab = {token: index for index, token in enumerate(VOCAB)}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=64)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def _bert_config(**extra):
    from transformers import BertConfig

    return BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=48, max_position_embeddings=64, initializer_range=0.2, **extra)


def build_nli(folder: Path) -> None:
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    config = _bert_config(num_labels=3, id2label={0: "contradiction", 1: "neutral", 2: "entailment"},
                          label2id={"contradiction": 0, "neutral": 1, "entailment": 2})
    BertForSequenceClassification(config).save_pretrained(str(folder), safe_serialization=True)
    write_tokenizer(folder)


def build_distilbert_classifier(folder: Path) -> None:
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(1)
    config = DistilBertConfig(vocab_size=len(VOCAB), dim=32, n_layers=2, n_heads=2, hidden_dim=48,
                              max_position_embeddings=64, num_labels=2, initializer_range=0.2,
                              id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1})
    DistilBertForSequenceClassification(config).save_pretrained(str(folder), safe_serialization=True)
    write_tokenizer(folder)


def build_sentence_encoder(folder: Path) -> None:
    from transformers import BertModel

    torch.manual_seed(2)
    BertModel(_bert_config()).save_pretrained(str(folder), safe_serialization=True)
    write_tokenizer(folder)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 32, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
        "pooling_mode_max_tokens": False}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 48, "do_lower_case": False}))


def _bart_tokenizer(folder: Path):
    from transformers import BartTokenizerFast

    tokenizer = BartTokenizerFast(vocab=byte_level_vocab(), merges=[], model_max_length=64)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def _build_bart(folder: Path, labels: dict[int, str], seed: int) -> None:
    """A BART sequence classifier: the head reads the decoder state at the last EOS token."""
    from transformers import BartConfig, BartForSequenceClassification

    torch.manual_seed(seed)
    config = BartConfig(vocab_size=len(byte_level_vocab()), d_model=16, encoder_layers=2, decoder_layers=1,
                        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                        max_position_embeddings=64, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                        decoder_start_token_id=2, num_labels=len(labels), id2label=labels,
                        label2id={v: k for k, v in labels.items()}, init_std=0.2)
    BartForSequenceClassification(config).save_pretrained(str(folder), safe_serialization=True)
    _bart_tokenizer(folder)


def build_bart_classifier(folder: Path) -> None:
    _build_bart(folder, {0: "NEGATIVE", 1: "POSITIVE"}, seed=3)


def build_bart_nli(folder: Path) -> None:
    _build_bart(folder, {0: "contradiction", 1: "neutral", 2: "entailment"}, seed=4)


def build_pickle_only(folder: Path) -> None:
    """A classifier whose weights exist only as a pickle: must be refused."""
    build_distilbert_classifier(folder)
    from transformers import DistilBertForSequenceClassification

    model = DistilBertForSequenceClassification.from_pretrained(str(folder))
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()


def build_decoder(folder: Path) -> None:
    """A tiny random GPT-2 with its trained byte-level tokenizer (``model.tiny.decoders``)."""
    from model.tiny.decoders import build

    build(folder, "gpt2")


REPOS = {
    "tiny/bert-nli": build_nli,
    "tiny/distilbert-sst": build_distilbert_classifier,
    "tiny/bert-embed": build_sentence_encoder,
    "tiny/pickle-only": build_pickle_only,
    "tiny/bart-sst": build_bart_classifier,
    "tiny/bart-nli": build_bart_nli,
    "tiny/gpt2-lm": build_decoder,
}


def build_hub_cache(root: Path) -> Path:
    """Write every tiny repo as ``models--tiny--X/snapshots/<commit>`` with ``refs/main``."""
    cache = root / "hub"
    for repo_id, build in REPOS.items():
        repo_dir = cache / ("models--" + repo_id.replace("/", "--"))
        snapshot = repo_dir / "snapshots" / COMMIT
        snapshot.mkdir(parents=True)
        build(snapshot)
        (repo_dir / "refs").mkdir()
        (repo_dir / "refs" / "main").write_text(COMMIT)
    return cache


def snapshot_dir(cache: Path, repo_id: str) -> Path:
    return cache / ("models--" + repo_id.replace("/", "--")) / "snapshots" / COMMIT


def copy_snapshot(cache: Path, repo_id: str, dest: Path) -> Path:
    shutil.copytree(snapshot_dir(cache, repo_id), dest)
    return dest
