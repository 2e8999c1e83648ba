"""Attention weights as explanations: raw attention and attention rollout.

Both come from one eager forward pass that returns every layer and head (kept in the
Explanation for heatmaps). A token's score is the attention it receives from the positions the
model's output reads:

* mean-pooled encoders (the bundled MiniLM models, sentence-transformers encoders): the pooled
  vector averages every position, so the score averages the attention rows of *all* positions;
* classifiers and NLI cross-encoders with a [CLS]-style head: the row of position 0.

``attention``: last layer, heads averaged. ``rollout`` (Abnar & Zuidema, 2020): per layer, heads
averaged, identity added for the residual stream (0.5 A + 0.5 I), rows re-normalised, then the
layers multiplied (first layer rightmost). Attention is not target-specific for single-text
models, so every target gets the same column; for NLI zero-shot each label is its own forward.
"""
from __future__ import annotations

import numpy as np

from model.tokens import Tokenized

from .base import MethodResult
from .targets import Target


def rollout(attention: np.ndarray) -> np.ndarray:
    """(layers, heads, n, n) -> (n, n): how much each position draws on each input position."""
    n = attention.shape[-1]
    result = np.eye(n)
    for layer in attention.astype(np.float64):
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(n)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


def query_rows(model) -> str:
    """'all' for mean/max-pooled encoders, 'first' for [CLS]-style heads."""
    network = model.network
    encoder = getattr(network, "encoder", network)
    return "all" if getattr(encoder, "pooling", "cls") in ("mean", "max") else "first"


def _scores(matrix: np.ndarray, rows: str) -> np.ndarray:
    return matrix.mean(axis=0) if rows == "all" else matrix[0]


class _AttentionBase:
    use_rollout = False

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> MethodResult:
        rows = query_rows(model)
        n, n_targets = len(tokenized), len(target.names)
        if model.task == "zero-shot" and hasattr(model, "entailment_id"):
            matrices = [self._pair_attention(model, tokenized, name, target.options) for name in target.names]
        else:
            matrices = [model.attentions(tokenized.ids)]
        attributions = np.zeros((n, n_targets))
        rolled = []
        for column in range(n_targets):
            attention = matrices[min(column, len(matrices) - 1)]
            matrix = rollout(attention) if self.use_rollout else attention[-1].astype(np.float64).mean(axis=0)
            rolled.append(matrix)
            attributions[:, column] = _scores(matrix, rows)[:n]
        meta = {"query_rows": rows, "layers": int(matrices[0].shape[0]), "heads": int(matrices[0].shape[1])}
        if self.use_rollout:
            meta["rollout"] = rolled[0][:n, :n].round(6).tolist()
        return MethodResult(attributions=attributions, base_values=np.zeros(n_targets), meta=meta,
                            attention=matrices[0][:, :, :n, :n])

    @staticmethod
    def _pair_attention(model, tokenized: Tokenized, label: str, options: dict) -> np.ndarray:
        """Attention over the (text, hypothesis) pair the NLI model reads for one label."""
        template = options.get("hypothesis_template") or model.default_template
        content = model.adapter.content_ids(tokenized.ids)
        ids, types = model.adapter.build_pair(content, model.adapter.encode_content(template.format(label)))
        if tuple(ids[: len(tokenized)]) != tokenized.ids:
            raise ValueError("Attention is not supported for this NLI model's pair layout.")
        return model.attentions(ids, types)


class AttentionExplainer(_AttentionBase):
    NAME = "attention"
    DESCRIPTION = ("Attention: how strongly the model's last layer looks at each token (heads averaged). "
                   "A view of what the model reads, not a measure of cause.")


class RolloutExplainer(_AttentionBase):
    NAME = "rollout"
    use_rollout = True
    DESCRIPTION = ("Attention rollout: attention traced back through every layer (with the residual "
                   "connection), showing which input tokens each position draws on overall.")
