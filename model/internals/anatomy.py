"""Where each part of a Transformer lives, per architecture: the layers, each layer's query/key/value
projections, what reads the heads' outputs, the feed-forward block, the embeddings, and which kind
of positions the model uses; for decoders also the causal mask, the heads that share keys and values
(grouped-query attention) and the rotary frequencies. Everything else in ``model.internals`` reads a
model through this."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
COVERED = ("BERT, RoBERTa, XLM-RoBERTa, ELECTRA, DistilBERT, ALBERT, DeBERTa-v2/v3, MPNet, BART and ModernBERT, and "
           "the decoders GPT-2, Llama, Mistral, Qwen2, Qwen3, Phi-3 and Gemma")


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
    embedding_norm: torch.nn.Module | None  # None: decoders (the first layer reads the embeddings' sum)
    embedding_projection: torch.nn.Module | None  # ELECTRA / ALBERT / DeBERTa: embeddings -> hidden size
    position_kind: str
    heads: int
    hidden: int
    head_dim: int
    encoder: torch.nn.Module
    shared: bool = False  # ALBERT: one layer's weights used by every layer
    causal: bool = False  # decoders: each token reads itself and the tokens before it
    kv_heads: int = 0  # heads of keys and values (grouped-query attention: fewer than ``heads``); 0: ``heads``
    inv_freq: np.ndarray | None = None  # decoders with rotary positions: the model's own frequencies
    rotary_scaling: float = 1.0  # and the scale of its cos and sin
    scale: float | None = None  # the scores' scale (1/√d_k unless the architecture says otherwise)
    qk_norms: list | None = None  # per layer: (query norm, key norm) applied to each head's Q and K (Qwen3)
    window: int | None = None  # Mistral's sliding window: a token reads the ``window`` tokens up to itself

    @property
    def key_heads(self) -> int:
        return self.kv_heads or self.heads

    def key_head(self, head: int) -> int:
        """The key/value head ``head`` reads (grouped-query attention: ``heads / kv_heads`` heads share one)."""
        return head // (self.heads // self.key_heads)

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


def _gpt2(decoder, config, model_name: str) -> tuple[list, dict]:
    layers = list(decoder.h)
    if getattr(config, "scale_attn_by_inverse_layer_idx", False) or getattr(config, "reorder_and_upcast_attn", False):
        raise InputError(f"{model_name} scales its attention by the layer index; Inside the Transformer covers GPT-2's "
                         "usual attention.")
    return layers, dict(kind="gpt2", projections=[("conv1d-fused", lay.attn.c_attn) for lay in layers],
                        pre_norm=[lay.ln_1 for lay in layers], out_projection=[lay.attn.c_proj for lay in layers],
                        ffn_activation=[lay.mlp.act for lay in layers],
                        attention_output=[lay.attn.c_proj for lay in layers],
                        ffn_output=[lay.mlp.c_proj for lay in layers], word_embeddings=decoder.wte,
                        position_embeddings=decoder.wpe, type_embeddings=None, embedding_norm=None,
                        embedding_projection=None, position_kind="learned", causal=True,
                        scale=1.0 / float(layers[0].attn.head_dim) ** 0.5 if layers[0].attn.scale_attn_weights else 1.0)


def _llama(decoder, config, model_name: str) -> tuple[list, dict]:
    """Llama and the decoders built like it (Mistral, Qwen2, Qwen3 with its per-head query and key norms,
    Phi-3 with one fused projection, Gemma with its (1 + w) norms): RMSNorm before attention, rotary
    positions, grouped-query attention."""
    layers = list(decoder.layers)
    if any(t != "full_attention" for t in getattr(config, "layer_types", None) or ()):
        raise InputError(f"{model_name} has sliding-window layers; Inside the Transformer covers full attention.")
    if float(getattr(config, "partial_rotary_factor", None) or 1.0) != 1.0:
        raise InputError(f"{model_name} rotates only part of each head; Inside the Transformer covers full rotary.")
    rotary = decoder.rotary_emb
    attention = layers[0].self_attn
    if hasattr(attention, "qkv_proj"):  # Phi-3: Q, K and V from one Linear, in that order
        projections = [("fused", lay.self_attn.qkv_proj) for lay in layers]
    else:
        projections = [(lay.self_attn.q_proj, lay.self_attn.k_proj, lay.self_attn.v_proj) for lay in layers]
    qk_norms = [(lay.self_attn.q_norm, lay.self_attn.k_norm) for lay in layers] if hasattr(attention, "q_norm") \
        else None
    window = getattr(config, "sliding_window", None) if config.model_type == "mistral" else None
    return layers, dict(kind="llama", projections=projections, qk_norms=qk_norms, window=window,
                        pre_norm=[lay.input_layernorm for lay in layers],
                        out_projection=[lay.self_attn.o_proj for lay in layers],
                        ffn_activation=[getattr(lay.mlp, "act_fn", None) or lay.mlp.activation_fn for lay in layers],
                        attention_output=[lay.self_attn.o_proj for lay in layers],
                        ffn_output=[lay.mlp.down_proj for lay in layers], word_embeddings=decoder.embed_tokens,
                        position_embeddings=None, type_embeddings=None, embedding_norm=None, embedding_projection=None,
                        position_kind="rotary", causal=True, kv_heads=int(config.num_key_value_heads),
                        inv_freq=rotary.inv_freq.detach().double().cpu().numpy(),
                        rotary_scaling=float(rotary.attention_scaling), scale=float(layers[0].self_attn.scaling))


# model_type -> where its parts are (one function per architecture)
ARCHITECTURES = {"bert": _bert, "roberta": _bert, "xlm-roberta": _bert, "electra": _bert, "distilbert": _distilbert,
                 "albert": _albert, "deberta-v2": _deberta, "mpnet": _mpnet, "bart": _bart, "modernbert": _modernbert,
                 "gpt2": _gpt2, "llama": _llama, "mistral": _llama, "qwen2": _llama, "qwen3": _llama, "phi3": _llama,
                 "gemma": _llama}


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
    if parts["kind"] == "deberta":  # (DeBERTa may set its own head size)
        head_dim = int(getattr(getattr(layers[0], "attention", None), "self", None).attention_head_size)
    elif parts["kind"] == "llama":
        head_dim = int(layers[0].self_attn.head_dim)
    else:
        head_dim = hidden // heads
    return Anatomy(layers=layers, hidden=hidden, head_dim=head_dim, heads=heads, encoder=encoder, **parts)
