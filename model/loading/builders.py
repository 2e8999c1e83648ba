"""Build a model of the one model API from a checkpoint folder's files (``save_pretrained`` or a
sentence-transformers folder), through transformers' Auto classes.

Locked down: safetensors weights only, never ``trust_remote_code``, local files only (a Hub model's
files are already in the Hub cache when this runs). ``model.loading.checkpoint`` decides what a
folder may be loaded as before anything here runs.
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from ..base import ModelInfo
from ..errors import ModelUnavailable
from ..kinds.classifier import ClassifierModel, SequenceLogits
from ..kinds.embedding import EmbeddingModel, SentenceEncoder
from ..kinds.generation import CausalLM
from ..kinds.prompt_zero_shot import PromptZeroShot
from ..kinds.token_classification import TokenClassifier, TokenLogits
from ..kinds.zero_shot import NLIZeroShot

_IMPORTS = threading.Lock()
# One ``from_pretrained`` at a time: transformers builds a model on the meta device and then fills its weights,
# and two loads in two threads at once (the page's first events) once left a model with meta tensors ("Cannot copy
# out of meta tensor"). Loading is disk- and CPU-bound anyway: nothing is lost by taking turns.
LOADING = threading.Lock()


def transformers_classes(*names: str) -> tuple:
    """transformers' classes by name, imported under one lock: its lazy module is not safe when two threads
    ask for the same class for the first time at once (seen here: "cannot import name 'AutoModel'" when the
    page's first events loaded two models together)."""
    with _IMPORTS:
        import transformers

        return tuple(getattr(transformers, name) for name in names)


def attention_impl() -> str:
    """Eager attention on CPU (as fast as SDPA there, and attentions need it); SDPA on GPUs."""
    return "sdpa" if torch.cuda.is_available() else "eager"


def _max_length(tokenizer, config, preferred: int | None = None) -> int:
    """The shortest of the tokenizer's limit, the position table, and a preferred cap."""
    limits = [getattr(config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None), preferred]
    usable = [int(v) for v in limits if isinstance(v, (int, np.integer)) and 0 < v < 1_000_000]
    return min(usable) if usable else 512


def _pretrained_kwargs() -> dict:
    """Every from_pretrained of a folder: its files only, safetensors only, never code from it."""
    return {"use_safetensors": True, "trust_remote_code": False, "local_files_only": True}


def _load(cls, folder, what: str):
    """``cls.from_pretrained(folder)`` with the attention the device wants (eager where SDPA is not offered)."""
    try:
        try:
            with LOADING:
                return cls.from_pretrained(str(folder), attn_implementation=attention_impl(), **_pretrained_kwargs())
        except ValueError as err:
            if "attn_implementation" not in str(err) and "attention" not in str(err).lower():
                raise
            with LOADING:
                return cls.from_pretrained(str(folder), attn_implementation="eager", **_pretrained_kwargs())
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise ModelUnavailable(f"{what} could not be loaded: {str(err).splitlines()[0][:200]}") from err


def _folder_tokenizer(folder, what: str):
    (AutoTokenizer,) = transformers_classes("AutoTokenizer")  # noqa: N806 - a class

    try:
        return AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False, local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError, ImportError) as err:
        raise ModelUnavailable(f"{what}'s tokenizer could not be loaded: {str(err).splitlines()[0][:200]}") from err


def config_labels(config) -> list[str]:
    """The labels of a head's outputs, in order, as its config names them (LABEL_i where it names none)."""
    return [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]


def classifier_from_folder(info: ModelInfo, checkpoint) -> ClassifierModel:
    (AutoModelForSequenceClassification,) = transformers_classes("AutoModelForSequenceClassification")  # noqa: N806

    model = _load(AutoModelForSequenceClassification, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    config = model.config
    network = SequenceLogits(model)
    classifier = ClassifierModel(info, network, tokenizer, _max_length(tokenizer, config), model, labels=config_labels(config),
                                 multi_label=config.problem_type == "multi_label_classification")
    if network.decoder:
        # Its head finds the last token by the config's pad id: the batches are padded with that id.
        if config.pad_token_id is None:
            raise ModelUnavailable(f"{info.name!r} is a decoder classifier without a pad token id in its config, so "
                                   "its last token cannot be found in a batch (transformers refuses it too).")
        classifier.adapter.pad_id = int(config.pad_token_id)
        classifier.runtime = "torch"  # (PyTorch: the ONNX export is for the encoders' heads)
    return classifier


def token_classifier_from_folder(info: ModelInfo, checkpoint) -> TokenClassifier:
    """A ``...ForTokenClassification`` (named entities, part of speech, PII): a label per token."""
    (AutoModelForTokenClassification,) = transformers_classes("AutoModelForTokenClassification")  # noqa: N806

    model = _load(AutoModelForTokenClassification, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    return TokenClassifier(info, TokenLogits(model), tokenizer, _max_length(tokenizer, model.config), model.base_model,
                           labels=config_labels(model.config))


def entailment_index(label2id: dict) -> int:
    """The entailment column, found the way transformers' zero-shot pipeline finds it."""
    for label, index in label2id.items():
        if str(label).lower().startswith("entail"):
            return int(index)
    raise ModelUnavailable("This model is not an NLI model: none of its labels starts with 'entail'.")


def nli_from_folder(info: ModelInfo, checkpoint) -> NLIZeroShot:
    (AutoModelForSequenceClassification,) = transformers_classes("AutoModelForSequenceClassification")  # noqa: N806

    model = _load(AutoModelForSequenceClassification, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    return NLIZeroShot(info, SequenceLogits(model), tokenizer, _max_length(tokenizer, model.config), model,
                       entailment_id=entailment_index(model.config.label2id))


def embedding_from_folder(info: ModelInfo, checkpoint) -> EmbeddingModel:
    """A sentence-transformers folder (its pooling, and Normalize if listed) or a bare encoder (mean pooling,
    not normalised)."""
    (AutoModel,) = transformers_classes("AutoModel")  # noqa: N806 - a class

    transformer = _load(AutoModel, checkpoint.transformer, repr(info.name))
    if getattr(transformer.config, "is_encoder_decoder", False):  # (BART: the encoder reads the text)
        transformer = transformer.get_encoder()
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    encoder = SentenceEncoder(transformer, checkpoint.pooling or "mean", checkpoint.normalize)
    max_length = _max_length(tokenizer, transformer.config, checkpoint.max_seq_length)
    return EmbeddingModel(info, encoder, tokenizer, max_length, transformer)


def causal_lm_from_folder(info: ModelInfo, checkpoint) -> CausalLM:
    """A decoder-only language model (``...ForCausalLM``): generation, its continuations explained."""
    (AutoModelForCausalLM,) = transformers_classes("AutoModelForCausalLM")  # noqa: N806 - a class

    model = _load(AutoModelForCausalLM, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    return CausalLM(info, model, tokenizer, _max_length(tokenizer, model.config), model.base_model)


def prompt_zero_shot_from_folder(info: ModelInfo, checkpoint) -> PromptZeroShot:
    """A causal language model serving zero-shot classification by prompting (``model.kinds.prompt_zero_shot``)."""
    (AutoModelForCausalLM,) = transformers_classes("AutoModelForCausalLM")  # noqa: N806 - a class

    model = _load(AutoModelForCausalLM, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    return PromptZeroShot(info, model, tokenizer, _max_length(tokenizer, model.config), model.base_model)


PROBE_TEXT = "The quick brown fox jumps over the lazy dog."


def check_tokenizer(checkpoint, shown: str) -> None:
    """The folder's tokenizer loads, is a fast one, has a learnable special-token template and reads
    tokens in an ordinary sentence: checked when the operator names the folder, not on first use."""
    from ..tokens import TokenizerAdapter

    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(shown))
    if not tokenizer(PROBE_TEXT, add_special_tokens=False)["input_ids"]:
        raise ModelUnavailable(f"{shown!r}: its tokenizer reads no tokens in an ordinary sentence ({PROBE_TEXT!r}); "
                               "its tokenizer files may be incomplete or of another model.")
    TokenizerAdapter(tokenizer, _max_length(tokenizer, None, checkpoint.max_seq_length))  # (its template, learnt)
