"""Positions: the sinusoidal encoding from its formula, and what each model really uses — a learned
table of absolute positions, learned biases per bucket of relative distance (MPNet), relative-position
embeddings read by content-to-position and position-to-content terms (DeBERTa-v2/v3), or rotary angles
with local windows (ModernBERT)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..base import TextModel
from ..errors import InputError
from ..tasks.embedding import cosine_matrix
from ..validation import check_whole
from .anatomy import anatomy


def sinusoidal_encoding(length: int, d_model: int) -> np.ndarray:
    """(length, d_model): PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(...)."""
    length, d_model = check_whole("length", length, 1, 100_000), check_whole("d_model", d_model, 1, 100_000)
    positions = np.arange(length, dtype=np.float64)[:, None]
    even = np.arange(0, d_model, 2, dtype=np.float64)
    angles = positions / np.power(10000.0, even / d_model)
    encoding = np.zeros((length, d_model))
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return encoding


def position_similarity(matrix: np.ndarray, cosine: bool = True) -> np.ndarray:
    """(positions, positions): cosine similarity (or the plain dot product) between position vectors."""
    if cosine:
        return cosine_matrix(matrix)
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix @ matrix.T


def position_embeddings(model: TextModel) -> np.ndarray:
    """The model's learned absolute position embeddings (max positions, embedding size)."""
    parts = anatomy(model)
    if parts.position_embeddings is None or parts.position_kind != "learned":
        raise InputError(f"{model.name} has no learned absolute position embeddings ({parts.position_description}).")
    return parts.position_embeddings.weight.detach().float().cpu().numpy().astype(np.float64)


@dataclass(frozen=True)
class PositionView:
    """What a model uses for word order, ready to draw: ``kind`` (learned, relative buckets,
    disentangled, rotary) and the numbers of that kind."""

    kind: str
    description: str
    table: np.ndarray | None = None  # learned absolute positions, or DeBERTa's relative-position embeddings
    distances: np.ndarray | None = None  # relative distances shown (key position - query position)
    buckets: np.ndarray | None = None  # the bucket of each distance
    bias: np.ndarray | None = None  # MPNet: (heads, distances) the learned bias of each
    angles: dict = field(default_factory=dict)  # rotary: layer type -> (positions, d_k/2) angles
    window: int | None = None  # ModernBERT's local window (each side)
    layer_types: tuple[str, ...] = ()


def position_view(model: TextModel, length: int = 64) -> PositionView:
    """The positions ``model`` really uses, over ``length`` positions (or distances -length..length)."""
    parts = anatomy(model)
    length = check_whole("length", length, 2, 4096)
    distances = np.arange(-length + 1, length)
    if parts.position_kind == "learned":
        return PositionView(parts.position_kind, parts.position_description, table=position_embeddings(model))
    if parts.position_kind == "relative buckets":
        encoder = parts.encoder.encoder
        buckets = encoder.relative_position_bucket(torch.from_numpy(distances),
                                                   num_buckets=encoder.relative_attention_bias.num_embeddings).numpy()
        bias = encoder.relative_attention_bias.weight.detach().double().cpu().numpy()[buckets].T
        return PositionView(parts.position_kind, parts.position_description, distances=distances, buckets=buckets,
                            bias=bias)
    if parts.position_kind == "disentangled":
        from transformers.models.deberta_v2.modeling_deberta_v2 import make_log_bucket_position

        attention = parts.layers[0].attention.self
        relative = torch.from_numpy(-distances)  # query - key, as DeBERTa counts
        buckets = relative.numpy() if attention.position_buckets <= 0 else make_log_bucket_position(
            relative, attention.position_buckets, attention.max_relative_positions).long().numpy()
        with torch.no_grad():
            table = parts.encoder.encoder.get_rel_embedding().detach().double().cpu().numpy()
        return PositionView(parts.position_kind, parts.position_description, table=table, distances=distances,
                            buckets=buckets)
    if parts.inv_freq is not None:  # rotary decoders: the model's own frequencies, every layer alike
        angles = {"full_attention": np.arange(length, dtype=np.float64)[:, None] * parts.inv_freq[None, :]}
        return PositionView(parts.position_kind, parts.position_description, angles=angles,
                            layer_types=("full_attention",) * len(parts.layers))
    config = parts.encoder.config  # rotary (ModernBERT)
    angles = {}
    for kind in dict.fromkeys(config.layer_types):
        theta = float(config.rope_parameters[kind]["rope_theta"])
        inverse = 1.0 / theta ** (np.arange(0, parts.head_dim, 2, dtype=np.float64) / parts.head_dim)
        angles[kind] = np.arange(length, dtype=np.float64)[:, None] * inverse[None, :]
    return PositionView(parts.position_kind, parts.position_description, angles=angles,
                        window=int(config.sliding_window), layer_types=tuple(config.layer_types))
