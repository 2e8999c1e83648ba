"""Sentence embeddings: a transformer, pooling, optional L2 normalisation.

Pooling follows sentence-transformers' ``Pooling`` module (mean / cls / max) so that the bundled
all-MiniLM-L6-v2 gives the same vectors as ``SentenceTransformer(path).encode``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..base import TextModel, as_id_lists, mean_pool
from ..errors import InputError
from ..windows import Reading

POOLING_MODES = ("mean", "cls", "max")


class SentenceEncoder(torch.nn.Module):
    """transformer -> pooled sentence vector (-> unit length)."""

    def __init__(self, transformer: torch.nn.Module, pooling: str = "mean", normalize: bool = True):
        super().__init__()
        if pooling not in POOLING_MODES:
            raise InputError(f"Pooling {pooling!r} is not supported; use one of {', '.join(POOLING_MODES)}.")
        self.transformer = transformer
        self.pooling = pooling
        self.normalize = normalize

    @property
    def readout(self) -> str:
        """Mean and max pooling read every position; CLS pooling the first."""
        return "first" if self.pooling == "cls" else "mean"

    def forward(self, input_ids, attention_mask, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        if inputs_embeds is not None:
            kwargs["inputs_embeds"] = inputs_embeds
        else:
            kwargs["input_ids"] = input_ids
        hidden = self.transformer(attention_mask=attention_mask, **kwargs).last_hidden_state
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        elif self.pooling == "max":
            pooled = hidden.masked_fill(attention_mask.unsqueeze(-1) == 0, -1e9).max(1).values
        else:
            pooled = mean_pool(hidden, attention_mask)
        return F.normalize(pooled, p=2, dim=-1) if self.normalize else pooled


def reject_extras(task: str, labels, options: dict) -> None:
    """Tasks without labels or options say so instead of silently ignoring them."""
    if labels is not None:
        raise InputError(f"A {task} model takes no labels; labels are for zero-shot models.")
    if options:
        raise InputError(f"A {task} model takes no option {sorted(options)[0]!r}.")


class EmbeddingModel(TextModel):
    """``predict`` returns one vector per text, shape (n, dim)."""

    kind = task = "embedding"

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        reading = Reading.pop(options)
        reject_extras(self.task, labels, options)
        return self._read(as_id_lists(id_batch), reading).astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        reading = Reading.pop(options)
        reject_extras(self.task, labels, options)
        return self._read_embeds(embeds, attention_mask, ids, reading)

    def _combine(self, outputs: torch.Tensor) -> torch.Tensor:
        """A document's vector: the normalised mean of its windows' normalised vectors."""
        return F.normalize(F.normalize(outputs, p=2, dim=-1).mean(dim=0), p=2, dim=-1)

