"""Attention weights as explanations: raw attention and attention rollout.

Both come from one eager forward pass that returns every layer and head (kept in the
Explanation for heatmaps). A token's score is the attention it receives from the positions the
model's output reads, as the model declares (``model.readout``):

* "mean" (mean-pooled encoders: the bundled MiniLM models, sentence-transformers encoders): the
  pooled vector averages every position, so the score averages the attention rows of all positions;
* "first" (classifiers and NLI cross-encoders with a [CLS]-style head): the row of position 0;
* "last" (BART-style heads, which read the last EOS token): the row of the last token.

``attention``: last layer, heads averaged. ``rollout`` (Abnar & Zuidema, 2020): per layer, heads
averaged, identity added for the residual stream (0.5 A + 0.5 I), rows re-normalised, then the
layers multiplied (first layer rightmost). Attention needs no target: for single-text models it is
the same for every label; a cross-encoder (``model.pair_input``) reads the text with each label's
hypothesis, so each label gets its own forward pass.
"""
from __future__ import annotations

import numpy as np

from model.errors import InputError
from model.tasks import Target
from model.tokens import Tokenized

from .base import Method, MethodResult
from .explanation import received


def rollout(attention: np.ndarray) -> np.ndarray:
    """(layers, heads, n, n) -> (n, n): how much each position draws on each input position."""
    n = attention.shape[-1]
    result = np.eye(n)
    for layer in attention.astype(np.float64):
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(n)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


class _AttentionBase(Method):
    KIND = "attention"
    NEEDS_TARGET = False
    use_rollout = False

    def explain(self, model, tokenized: Tokenized, target: Target | None, *, params: dict,
                seed: int) -> MethodResult:
        n = len(tokenized)
        names = target.names if target is not None else ()
        template = (target.options if target is not None else {}).get("hypothesis_template")
        pairs = [model.pair_input(tokenized.ids, name, template) for name in names]
        if pairs and pairs[0] is not None:  # a cross-encoder: the text read with each label's hypothesis
            if any(tuple(ids[:n]) != tokenized.ids for ids, _ in pairs):
                raise InputError("Attention is not supported for this model's text-pair layout.")
            matrices = [model.attentions(ids, types) for ids, types in pairs]
        else:
            matrices = [model.attentions(tokenized.ids)]
        attributions = np.zeros((n, len(names)))
        mixed = []
        for column, attention in enumerate(matrices):
            matrix = rollout(attention) if self.use_rollout else attention[-1].astype(np.float64).mean(axis=0)
            mixed.append(matrix)
            if column < len(names):
                attributions[:, column] = received(matrix, model.readout)[:n]
        if len(matrices) == 1 and names:  # one pass serves every label
            attributions[:] = attributions[:, :1]
        meta = {"readout": model.readout, "layers": int(matrices[0].shape[0]), "heads": int(matrices[0].shape[1]),
                "text_pair": bool(pairs and pairs[0] is not None)}
        return MethodResult(attributions=attributions, base_values=np.zeros(len(names)), meta=meta,
                            attention=matrices[0][:, :, :n, :n],
                            rollout=mixed[0][:n, :n] if self.use_rollout else None)


class AttentionMethod(_AttentionBase):
    NAME = "attention"
    LABEL = "Attention"
    DESCRIPTION = ("Attention: how strongly the model's last layer looks at each token (heads averaged). "
                   "A view of what the model reads, not a measure of cause.")
    COLOUR = "#2ec4b6"
    COMPARE_DEFAULT = False  # rollout stands for the attention family in Compare


class RolloutMethod(_AttentionBase):
    NAME = "rollout"
    LABEL = "Rollout"
    use_rollout = True
    DESCRIPTION = ("Attention rollout: attention traced back through every layer (with the residual "
                   "connection), showing which input tokens each position draws on overall.")
    COLOUR = "#3a86ff"
