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


def text_positions(tokenized: Tokenized, pair_ids) -> list[int | None]:
    """Where each token of the text alone sits in a (text, hypothesis) pair: the same position for
    the leading special tokens and the text's tokens the pair kept, the pair's separator for the
    text's closing special tokens, None for tokens the pair dropped (the hypothesis took their room)."""
    ids, n = tokenized.ids, len(tokenized.ids)
    closing = n - max(i for i, special in enumerate(tokenized.special) if not special) - 1 if not all(
        tokenized.special) else 0
    positions: list[int | None] = []
    kept = 0
    for i in range(n - closing):
        if i < len(pair_ids) and pair_ids[i] == ids[i] and kept == i:
            positions.append(i)
            kept += 1
        else:
            positions.append(None)
    for j, i in enumerate(range(n - closing, n)):
        at = kept + j
        positions.append(at if at < len(pair_ids) and pair_ids[at] == ids[i] else None)
    return positions


def _on_text(matrices: np.ndarray, positions: list[int | None]) -> np.ndarray:
    """The rows and columns of the text's tokens (zeros for tokens the pair dropped)."""
    n = len(positions)
    out = np.zeros((*matrices.shape[:-2], n, n), dtype=matrices.dtype)
    kept = [i for i, p in enumerate(positions) if p is not None]
    at = [positions[i] for i in kept]
    out[..., np.ix_(kept, kept)[0], np.ix_(kept, kept)[1]] = matrices[..., np.ix_(at, at)[0], np.ix_(at, at)[1]]
    return out


class _AttentionBase(Method):
    KIND = "attention"
    NEEDS_TARGET = False
    use_rollout = False

    def explain(self, model, tokenized: Tokenized, target: Target | None, *, params: dict,
                seed: int) -> MethodResult:
        n = len(tokenized)
        names = target.names if target is not None else ()
        options = target.options if target is not None else {}
        pairs = [model.pair_input(tokenized.ids, name, **options) for name in names]
        meta: dict = {}
        if pairs and pairs[0] is not None:  # a cross-encoder: the text read with each label's hypothesis
            positions = [text_positions(tokenized, ids) for ids, _ in pairs]
            if any(all(p is None for p in pos[1:]) for pos in positions):
                raise InputError("Attention is not supported for this model's text-pair layout.")
            matrices = [model.attentions(ids, types) for ids, types in pairs]
            dropped = max(sum(p is None for p in pos) for pos in positions)
            if dropped:
                meta["note"] = (f"With a label's hypothesis beside it, the model reads only part of the text: "
                                f"{dropped} of its {n} tokens were cut, and have no attention here.")
        else:
            positions = None
            matrices = [model.attentions(tokenized.ids)]
        attributions = np.zeros((n, len(names)))
        mixed = []
        for column, attention in enumerate(matrices):
            matrix = rollout(attention) if self.use_rollout else attention[-1].astype(np.float64).mean(axis=0)
            read = received(matrix, model.readout)
            if positions is not None:
                mixed.append(_on_text(matrix, positions[column]))
                values = np.array([read[p] if p is not None else 0.0 for p in positions[column]])
            else:
                mixed.append(matrix[:n, :n])
                values = read[:n]
            if column < len(names):
                attributions[:, column] = values
        if len(matrices) == 1 and names:  # one pass serves every label
            attributions[:] = attributions[:, :1]
        stored = _on_text(matrices[0], positions[0]) if positions is not None else matrices[0][:, :, :n, :n]
        meta.update({"readout": model.readout, "layers": int(matrices[0].shape[0]),
                     "heads": int(matrices[0].shape[1]), "text_pair": positions is not None})
        return MethodResult(attributions=attributions, base_values=np.zeros(len(names)), meta=meta,
                            attention=stored, rollout=mixed[0] if self.use_rollout else None)


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
    COLOUR = "#4d908e"  # (not the diverging blue: rollout is not a signed value)
