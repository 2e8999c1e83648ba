"""Tiny random-weight checkpoints of every architecture the studio loads from a folder, written by
``save_pretrained(safe_serialization=True)`` with a tokenizer of the architecture's own kind:
WordPiece (BERT, DistilBERT, ELECTRA, MPNet), byte-level BPE (RoBERTa, BART, ModernBERT) and a
SentencePiece-style unigram (ALBERT, XLM-RoBERTa, DeBERTa-v2/v3). Each builds in well under a second.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .vocab import VOCAB, WORDS, byte_level_vocab

ARCHITECTURES = ("bert", "roberta", "distilbert", "electra", "albert", "xlm-roberta", "deberta-v2", "mpnet", "bart",
                 "modernbert")
SENTIMENT = {0: "NEGATIVE", 1: "POSITIVE"}
NLI = {0: "contradiction", 1: "neutral", 2: "entailment"}
ENTITIES = dict(enumerate(("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")))
MAX_POSITIONS = 64
SIZE = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 48}


# ----------------------------------------------------------------------------- tokenizers
def _unigram_vocab(specials: list[str]) -> list[tuple[str, float]]:
    """A SentencePiece-style vocabulary: the specials, "▁word" pieces and single characters."""
    pieces = [(s, 0.0) for s in specials] + [("▁", -3.0)]
    pieces += [("▁" + w, -float(len(w))) for w in WORDS]
    pieces += [(c, -8.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'$-"]
    pieces += [("▁" + c, -9.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'$-"]
    return pieces


def _wordpiece(folder: Path, kind: str):
    from transformers import BertTokenizer, ElectraTokenizer, MPNetTokenizer

    vocab = {token: index for index, token in enumerate(VOCAB)}
    if kind == "mpnet":  # MPNet's own specials first and <mask> last, as in its released vocabulary
        tokens = ["<s>", "<pad>", "</s>", "<unk>", *[t for t in VOCAB if t != "[PAD]"], "<mask>"]
        vocab = {token: index for index, token in enumerate(tokens)}
        return MPNetTokenizer(vocab=vocab, do_lower_case=True, model_max_length=MAX_POSITIONS, unk_token="[UNK]")
    cls = ElectraTokenizer if kind == "electra" else BertTokenizer
    return cls(vocab=vocab, do_lower_case=True, model_max_length=MAX_POSITIONS)


def _byte_level_merges(vocab: dict[str, int]) -> list[tuple[str, str]]:
    """BPE merges that make each word of ``WORDS`` one token, with and without its leading space ("Ġthe",
    "the"), as a trained byte-level tokenizer does for frequent words; the pieces join the vocabulary."""
    merges: list[tuple[str, str]] = []
    for word in WORDS:
        for start in ("Ġ", ""):
            piece = start + word[0] if start else word[0]
            if start:
                merges.append(("Ġ", word[0]))
            for char in word[1:]:
                merges.append((piece, char))
                piece += char
                vocab.setdefault(piece, len(vocab))
            vocab.setdefault(start + word[0], len(vocab))
    return list(dict.fromkeys(merges))


def _byte_level(folder: Path, kind: str):
    from transformers import BartTokenizer, RobertaTokenizer

    vocab = byte_level_vocab()
    if kind == "modernbert":  # ModernBERT: byte-level BPE with [CLS] ... [SEP], as its released tokenizer
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
        from transformers import PreTrainedTokenizerFast

        vocab = {token: index for index, token in enumerate(
            ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", *[t for t in byte_level_vocab() if not t.startswith("<")]])}
        merges = _byte_level_merges(vocab)
        backend = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="[UNK]"))
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        backend.decoder = decoders.ByteLevel()
        backend.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
        return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                                       pad_token="[PAD]", mask_token="[MASK]", model_max_length=MAX_POSITIONS)
    merges = _byte_level_merges(vocab)
    cls = BartTokenizer if kind == "bart" else RobertaTokenizer
    return cls(vocab=vocab, merges=merges, model_max_length=MAX_POSITIONS)


def _unigram(folder: Path, kind: str):
    from transformers import AlbertTokenizer, DebertaV2Tokenizer, XLMRobertaTokenizer

    if kind == "xlm-roberta":
        return XLMRobertaTokenizer(vocab=_unigram_vocab(["<s>", "<pad>", "</s>", "<unk>", "<mask>"]),
                                   model_max_length=MAX_POSITIONS)
    if kind == "albert":
        return AlbertTokenizer(vocab=_unigram_vocab(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]),
                               model_max_length=MAX_POSITIONS)
    return DebertaV2Tokenizer(vocab=_unigram_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]),
                              model_max_length=MAX_POSITIONS)


TOKENIZERS = {"bert": _wordpiece, "distilbert": _wordpiece, "electra": _wordpiece, "mpnet": _wordpiece,
              "roberta": _byte_level, "bart": _byte_level, "modernbert": _byte_level,
              "albert": _unigram, "xlm-roberta": _unigram, "deberta-v2": _unigram}


# ----------------------------------------------------------------------------- configs
def _config(kind: str, tokenizer, size: dict | None = None, **extra):
    """A tiny config of the architecture (``size``: hidden_size, num_hidden_layers, num_attention_heads,
    intermediate_size; default ``SIZE``), sized to the tokenizer, its ids taken from it."""
    import transformers

    vocab = max(len(tokenizer), max(tokenizer.all_special_ids) + 1)  # (room for every special id the tokenizer uses)
    ids = {"pad_token_id": tokenizer.pad_token_id}
    size = {**SIZE, **(size or {})}
    hidden, layers, heads, inner = (size[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                                      "intermediate_size"))
    init = size.pop("initializer_range", 0.2)  # (large for the tests' tiny models: visible differences)
    if kind == "distilbert":
        return transformers.DistilBertConfig(vocab_size=vocab, dim=hidden, n_layers=layers, n_heads=heads,
                                             hidden_dim=inner, max_position_embeddings=MAX_POSITIONS,
                                             initializer_range=init, **ids, **extra)
    if kind == "bart":
        small = hidden == SIZE["hidden_size"]  # (the tests' BART is smaller still)
        return transformers.BartConfig(vocab_size=vocab, d_model=16 if small else hidden, encoder_layers=layers,
                                       decoder_layers=1, encoder_attention_heads=heads, decoder_attention_heads=heads,
                                       encoder_ffn_dim=32 if small else inner, decoder_ffn_dim=32 if small else inner,
                                       max_position_embeddings=MAX_POSITIONS,
                                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                       decoder_start_token_id=tokenizer.eos_token_id, init_std=init, **ids, **extra)
    if kind == "modernbert":
        return transformers.ModernBertConfig(vocab_size=vocab, hidden_size=hidden,
                                             num_hidden_layers=3 if hidden == SIZE["hidden_size"] else layers,
                                             num_attention_heads=heads, intermediate_size=inner,
                                             max_position_embeddings=MAX_POSITIONS, global_attn_every_n_layers=2,
                                             local_attention=8, initializer_range=init,
                                             cls_token_id=tokenizer.cls_token_id, sep_token_id=tokenizer.sep_token_id,
                                             bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
                                             **ids, **extra)
    common = {**size, "vocab_size": vocab, "initializer_range": init, **ids, **extra}
    if kind in ("roberta", "xlm-roberta"):
        cls = transformers.RobertaConfig if kind == "roberta" else transformers.XLMRobertaConfig
        return cls(max_position_embeddings=MAX_POSITIONS + 2, bos_token_id=tokenizer.bos_token_id,
                   eos_token_id=tokenizer.eos_token_id, type_vocab_size=1, **common)
    if kind == "mpnet":
        return transformers.MPNetConfig(max_position_embeddings=MAX_POSITIONS + 2,  # (32 buckets: the model's own)
                                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                        **common)
    if kind == "electra":
        return transformers.ElectraConfig(embedding_size=hidden // 2, max_position_embeddings=MAX_POSITIONS, **common)
    if kind == "albert":
        return transformers.AlbertConfig(embedding_size=hidden // 2, max_position_embeddings=MAX_POSITIONS,
                                         num_hidden_groups=1, inner_group_num=1, **common)
    if kind == "deberta-v2":  # as DeBERTa-v3: relative attention with log buckets, c2p and p2c, shared keys
        return transformers.DebertaV2Config(max_position_embeddings=MAX_POSITIONS, relative_attention=True,
                                            position_buckets=8, max_relative_positions=-1, pos_att_type=["p2c", "c2p"],
                                            position_biased_input=False, share_att_key=True, norm_rel_ebd="layer_norm",
                                            type_vocab_size=0, **common)
    return transformers.BertConfig(max_position_embeddings=MAX_POSITIONS, **common)


def trained_unigram(kind: str = "xlm-roberta"):
    """A SentencePiece-style Unigram tokenizer trained (``tokenizers``) on a few hundred sentences, as a small
    real one is: a lone letter can be two tokens ("a" -> "▁", "a"). XLM-R's specials and template."""
    import random

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import XLMRobertaTokenizerFast

    rng = random.Random(0)
    corpus = [" ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(300)]
    backend = Tokenizer(models.Unigram())
    backend.normalizer = normalizers.NFKC()
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    backend.train_from_iterator(corpus, trainers.UnigramTrainer(
        vocab_size=60, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], unk_token="<unk>"))
    start, end = backend.token_to_id("<s>"), backend.token_to_id("</s>")
    backend.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                           special_tokens=[("<s>", start), ("</s>", end)])
    return XLMRobertaTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                                   cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                                   model_max_length=MAX_POSITIONS)


def build(folder: Path, kind: str, head: str = "classifier", seed: int = 0, size: dict | None = None,
          tokenizer=None) -> Path:
    """Write a tiny ``kind`` checkpoint to ``folder``: a sequence classifier over ``SENTIMENT`` ("classifier"),
    over ``NLI`` labels ("nli"), a token classifier over ``ENTITIES`` ("tokens"), or the bare encoder ("encoder");
    ``size`` overrides ``SIZE``; ``tokenizer`` replaces the architecture's own test tokenizer."""
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = tokenizer if tokenizer is not None else TOKENIZERS[kind](folder, kind)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    if head == "encoder":
        model = AutoModel.from_config(_config(kind, tokenizer, size))
    elif head == "tokens":
        config = _config(kind, tokenizer, size, num_labels=len(ENTITIES), id2label=ENTITIES,
                         label2id={v: k for k, v in ENTITIES.items()})
        model = AutoModelForTokenClassification.from_config(config)
        with torch.no_grad():  # (a head of random weights this small labels nearly every token "O": spread its logits)
            model.classifier.weight.mul_(25.0)
    else:
        labels = NLI if head == "nli" else SENTIMENT
        config = _config(kind, tokenizer, size, num_labels=len(labels), id2label=labels,
                         label2id={v: k for k, v in labels.items()})
        model = AutoModelForSequenceClassification.from_config(config)
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def sentence_transformers_folder(folder: Path, kind: str = "mpnet", pooling: str = "mean",
                                 normalize: bool = True, tokenizer=None) -> Path:
    """A sentence-transformers folder (modules.json: Transformer, Pooling, Normalize) around a tiny encoder."""
    build(folder, kind, head="encoder", seed=5, tokenizer=tokenizer)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 32, "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_cls_token": pooling == "cls", "pooling_mode_max_tokens": pooling == "max"}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 48, "do_lower_case": False}))
    if normalize:
        (folder / "2_Normalize").mkdir(exist_ok=True)
    return folder
