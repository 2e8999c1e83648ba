"""Text classifiers: probabilities over a fixed label set, shape (n, n_labels)."""
from __future__ import annotations

import numpy as np
import torch

from .base import TextModel, as_id_lists
from .embedding import SentenceEncoder, reject_extras


class IntentNetwork(torch.nn.Module):
    """A sentence encoder followed by a linear head: one differentiable module, logits out.

    The bundled intent model's scikit-learn LogisticRegression becomes this ``Linear`` (its
    ``coef_`` and ``intercept_``), so softmax(logits) equals its ``predict_proba``.
    """

    def __init__(self, encoder: SentenceEncoder, head: torch.nn.Linear):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        return self.head(self.encoder(input_ids, attention_mask, token_type_ids))


class SequenceLogits(torch.nn.Module):
    """A Hugging Face ``...ForSequenceClassification`` returning bare logits."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).logits


class ClassifierModel(TextModel):
    """Softmax over labels (sigmoid per label for multi-label heads)."""

    task = "classification"

    def __init__(self, *args, labels: list[str], multi_label: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = list(labels)
        self.multi_label = multi_label

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        reject_extras(self.task, labels, options)
        logits = self._run(as_id_lists(id_batch))
        return probabilities(logits, self.multi_label)

    def label_index(self, label: str) -> int:
        """Column of a label name, or one ValueError sentence."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise ValueError(f"{label!r} is not one of this model's {len(self.labels)} labels.") from None


def probabilities(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Numerically stable softmax in float64 (or elementwise sigmoid), returned as float32."""
    logits = logits.astype(np.float64)
    if multi_label:
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)
