"""The one model API: ``load_model(name)`` returns a model with ``task``, ``predict``,
``tokenize``, ``predict_ids``, ``attentions`` and ``input_embeddings``."""
from .base import TASKS, TextModel
from .registry import REGISTRY, ModelSpec, list_models, load_model
from .tokens import Tokenized

__all__ = ["TASKS", "REGISTRY", "ModelSpec", "TextModel", "Tokenized", "list_models", "load_model"]
