"""The layer-0 input, recomputed: each token's embedding, plus what the architecture adds to it (learned
positions, token types), normalised, and projected to the hidden size where the embeddings are
narrower, set beside the model's own embedding output."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..base import TextModel
from .anatomy import anatomy
from .attention import _layer_norm
from .capture import base_forward, prepare


@dataclass(frozen=True)
class EmbeddingSum:
    """X = LayerNorm(token + position (+ type)) (then a projection) for one text, and the model's own
    embedding output. ``position`` is None where positions are not added here (relative, rotary)."""

    tokens: tuple[str, ...]
    token: np.ndarray
    position: np.ndarray | None
    type: np.ndarray | None
    summed: np.ndarray
    normalised: np.ndarray
    model_output: np.ndarray
    steps: str = "LayerNorm(token + position + type)"

    @property
    def difference(self) -> float:
        return float(np.abs(self.normalised - self.model_output).max())


def _positions(model: TextModel, kind: str, n: int) -> torch.Tensor:
    """The position ids the model's embeddings use: RoBERTa-style models (and MPNet) count from the pad
    id + 1, BART's learned positions from an offset of 2."""
    config = model.transformer.config
    positions = torch.arange(n)[None, :]
    if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "mpnet"):
        return positions + config.pad_token_id + 1
    if kind == "bart":
        return positions + 2
    return positions


def embedding_sum(model: TextModel, text: str) -> EmbeddingSum:
    parts = anatomy(model)
    tokens, inputs, _ = prepare(model, text)
    ids = inputs["input_ids"]
    uses_positions = parts.position_embeddings is not None and getattr(
        getattr(parts.encoder, "embeddings", None), "position_biased_input", True)
    with torch.inference_mode():
        token = parts.word_embeddings(ids)[0].double().cpu().numpy()  # (BART's scales itself where it should)
        position = None
        if uses_positions:
            table = parts.position_embeddings.weight.detach().double().cpu().numpy()
            position = table[_positions(model, parts.kind, ids.shape[1])[0].numpy()]
        types = None
        if parts.type_embeddings is not None:  # (added even where the tokenizer gives no types: row 0 then)
            type_ids = inputs.get("token_type_ids", torch.zeros_like(ids))
            types = parts.type_embeddings(type_ids)[0].double().cpu().numpy()
    summed = token + (position if position is not None else 0) + (types if types is not None else 0)
    steps = " + ".join(["token", *(["position"] if position is not None else []), *(["type"] if types is not None
                                                                                   else [])])
    if parts.embedding_norm is None:  # decoders: the first layer reads the sum itself (its own norm comes first)
        normalised = summed
    elif parts.kind == "deberta" and parts.embedding_projection is not None:  # DeBERTa projects, then normalises
        normalised = _layer_norm(_apply(summed, parts.embedding_projection), parts.embedding_norm)
        steps = f"LayerNorm(W ({steps}))"
    else:
        normalised = _layer_norm(summed, parts.embedding_norm)
        steps = f"LayerNorm({steps})"
        if parts.embedding_projection is not None:  # ELECTRA and ALBERT project the normalised sum
            normalised = _apply(normalised, parts.embedding_projection)
            steps = f"W {steps} + b"
    model_output = base_forward(model, inputs)[0].double().numpy()
    return EmbeddingSum(tuple(tokens), token, position, types, summed, normalised, model_output, steps)


def _apply(x: np.ndarray, linear: torch.nn.Module) -> np.ndarray:
    weight = linear.weight.detach().double().cpu().numpy()
    bias = linear.bias.detach().double().cpu().numpy() if linear.bias is not None else 0.0
    return x @ weight.T + bias
