"""Where each part of an encoder lives, per architecture: the layers, each layer's query/key/value
projections, what reads the heads' outputs, the feed-forward block, the embeddings, and which kind
of positions the model uses. Everything else in ``model.internals`` reads a model through this."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..base import TextModel, layers_and_heads
from ..errors import InputError
from .capture import encoder_of

POSITION_KINDS = {
    "learned": "learned absolute positions: a vector per position added to each token's embedding",
    "relative buckets": "a learned bias per head for each bucket of relative distance, added to the scores",
    "disentangled": "relative positions with their own embeddings: content-to-position and position-to-content "
                    "terms added to the scores",
    "rotary": "rotary position embeddings: queries and keys rotated by an angle that grows with the position",
}
COVERED = "BERT, RoBERTa, XLM-RoBERTa, ELECTRA, DistilBERT, ALBERT, DeBERTa-v2/v3, MPNet, BART and ModernBERT"


@dataclass(frozen=True)
class Anatomy:
    """The parts of one architecture (lists have one entry per layer; ALBERT's repeat its shared layer)."""

    kind: str  # bert, distilbert, albert, deberta, mpnet, bart, modernbert
    layers: list
    projections: list  # per layer: (query, key, value) Linear modules, or ("fused", Wqkv) for ModernBERT
    pre_norm: list  # per layer: the norm applied to the layer input before the projections (None: none)
    out_projection: list  # its input is the heads' outputs side by side: A of every head
    ffn_activation: list  # its output: the feed-forward units after the activation
    attention_output: list  # its output is what the attention block adds to the residual stream
    ffn_output: list  # its output is what the feed-forward block adds
    word_embeddings: torch.nn.Module
    position_embeddings: torch.nn.Module | None  # learned absolute positions; None where positions are relative
    type_embeddings: torch.nn.Module | None
    embedding_norm: torch.nn.Module
    embedding_projection: torch.nn.Module | None  # ELECTRA / ALBERT / DeBERTa: embeddings -> hidden size
    position_kind: str
    heads: int
    hidden: int
    head_dim: int
    encoder: torch.nn.Module
    shared: bool = False  # ALBERT: one layer's weights used by every layer

    @property
    def position_description(self) -> str:
        return POSITION_KINDS[self.position_kind]


def _bert(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.encoder.layer)
    embeddings = encoder.embeddings
    projection = getattr(encoder, "embeddings_project", None)  # (ELECTRA with a smaller embedding)
    return layers, dict(kind="bert", projections=[(lay.attention.self.query, lay.attention.self.key,
                                                   lay.attention.self.value) for lay in layers],
                        out_projection=[lay.attention.output.dense for lay in layers],
                        ffn_activation=[lay.intermediate for lay in layers],
                        attention_output=[lay.attention.output.dense for lay in layers],
                        ffn_output=[lay.output.dense for lay in layers], word_embeddings=embeddings.word_embeddings,
                        position_embeddings=embeddings.position_embeddings,
                        type_embeddings=getattr(embeddings, "token_type_embeddings", None),
                        embedding_norm=embeddings.LayerNorm, embedding_projection=projection, position_kind="learned")


def _distilbert(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.transformer.layer)
    embeddings = encoder.embeddings
    return layers, dict(kind="distilbert", projections=[(lay.attention.q_lin, lay.attention.k_lin,
                                                         lay.attention.v_lin) for lay in layers],
                        out_projection=[lay.attention.out_lin for lay in layers],
                        ffn_activation=[lay.ffn.activation for lay in layers],
                        attention_output=[lay.attention.out_lin for lay in layers],
                        ffn_output=[lay.ffn.lin2 for lay in layers], word_embeddings=embeddings.word_embeddings,
                        position_embeddings=embeddings.position_embeddings, type_embeddings=None,
                        embedding_norm=embeddings.LayerNorm, embedding_projection=None, position_kind="learned")


def _albert(encoder, config, model_name: str) -> tuple[list, dict]:
    shared = encoder.encoder.albert_layer_groups[0].albert_layers[0]
    if config.num_hidden_groups != 1 or config.inner_group_num != 1:
        raise InputError(f"{model_name} is an ALBERT with {config.num_hidden_groups} layer groups of "
                         f"{config.inner_group_num}; Inside the Transformer covers one shared layer.")
    n = layers_and_heads(config)[0]
    embeddings = encoder.embeddings
    attention = shared.attention
    return [shared] * n, dict(kind="albert", projections=[(attention.query, attention.key, attention.value)] * n,
                              out_projection=[attention.dense] * n, ffn_activation=[shared.activation] * n,
                              attention_output=[attention.dense] * n, ffn_output=[shared.ffn_output] * n,
                              word_embeddings=embeddings.word_embeddings,
                              position_embeddings=embeddings.position_embeddings,
                              type_embeddings=embeddings.token_type_embeddings, embedding_norm=embeddings.LayerNorm,
                              embedding_projection=encoder.encoder.embedding_hidden_mapping_in,
                              position_kind="learned", shared=True)


def _deberta(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.encoder.layer)
    embeddings = encoder.embeddings
    return layers, dict(kind="deberta", projections=[(lay.attention.self.query_proj, lay.attention.self.key_proj,
                                                      lay.attention.self.value_proj) for lay in layers],
                        out_projection=[lay.attention.output.dense for lay in layers],
                        ffn_activation=[lay.intermediate for lay in layers],
                        attention_output=[lay.attention.output.dense for lay in layers],
                        ffn_output=[lay.output.dense for lay in layers], word_embeddings=embeddings.word_embeddings,
                        position_embeddings=embeddings.position_embeddings,
                        type_embeddings=embeddings.token_type_embeddings, embedding_norm=embeddings.LayerNorm,
                        embedding_projection=embeddings.embed_proj,
                        position_kind="disentangled" if getattr(config, "relative_attention", False) else "learned")


def _mpnet(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.encoder.layer)
    embeddings = encoder.embeddings
    return layers, dict(kind="mpnet", projections=[(lay.attention.attn.q, lay.attention.attn.k, lay.attention.attn.v)
                                                   for lay in layers],
                        out_projection=[lay.attention.attn.o for lay in layers],
                        ffn_activation=[lay.intermediate for lay in layers],
                        attention_output=[lay.attention.attn.o for lay in layers],
                        ffn_output=[lay.output.dense for lay in layers], word_embeddings=embeddings.word_embeddings,
                        position_embeddings=embeddings.position_embeddings, type_embeddings=None,
                        embedding_norm=embeddings.LayerNorm, embedding_projection=None,
                        position_kind="relative buckets")


def _bart(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.layers)
    return layers, dict(kind="bart", projections=[(lay.self_attn.q_proj, lay.self_attn.k_proj, lay.self_attn.v_proj)
                                                  for lay in layers],
                        out_projection=[lay.self_attn.out_proj for lay in layers],
                        ffn_activation=[lay.activation_fn for lay in layers],
                        attention_output=[lay.self_attn.out_proj for lay in layers],
                        ffn_output=[lay.fc2 for lay in layers], word_embeddings=encoder.embed_tokens,
                        position_embeddings=encoder.embed_positions, type_embeddings=None,
                        embedding_norm=encoder.layernorm_embedding, embedding_projection=None,
                        position_kind="learned")


def _modernbert(encoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(encoder.layers)
    embeddings = encoder.embeddings
    return layers, dict(kind="modernbert", projections=[("fused", lay.attn.Wqkv) for lay in layers],
                        pre_norm=[None if isinstance(lay.attn_norm, torch.nn.Identity) else lay.attn_norm
                                  for lay in layers],
                        out_projection=[lay.attn.Wo for lay in layers], ffn_activation=[lay.mlp.act for lay in layers],
                        attention_output=[lay.attn.Wo for lay in layers], ffn_output=[lay.mlp.Wo for lay in layers],
                        word_embeddings=embeddings.tok_embeddings, position_embeddings=None, type_embeddings=None,
                        embedding_norm=embeddings.norm, embedding_projection=None, position_kind="rotary")


# model_type -> where its parts are (one function per architecture)
ARCHITECTURES = {"bert": _bert, "roberta": _bert, "xlm-roberta": _bert, "electra": _bert, "distilbert": _distilbert,
                 "albert": _albert, "deberta-v2": _deberta, "mpnet": _mpnet, "bart": _bart, "modernbert": _modernbert}


def anatomy(model: TextModel) -> Anatomy:
    """The parts of ``model``'s encoder, or one InputError for an architecture not covered."""
    encoder = encoder_of(model)
    config = encoder.config
    kind = getattr(config, "model_type", "")
    if kind not in ARCHITECTURES:
        raise InputError(f"{model.name} is a {kind or 'model of unknown'} model; Inside the Transformer covers {COVERED}.")
    layers, parts = ARCHITECTURES[kind](encoder, config, model.name)
    parts.setdefault("pre_norm", [None] * len(layers))
    heads = layers_and_heads(config)[1]
    hidden = int(getattr(config, "hidden_size", None) or getattr(config, "d_model", None) or config.dim)
    head_dim = int(getattr(getattr(layers[0], "attention", None), "self", None).attention_head_size) \
        if parts["kind"] == "deberta" else hidden // heads  # (DeBERTa may set its own head size)
    return Anatomy(layers=layers, hidden=hidden, head_dim=head_dim, heads=heads, encoder=encoder, **parts)
