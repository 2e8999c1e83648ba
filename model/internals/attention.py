"""Self-attention of one head of one layer, recomputed step by step from the layer's own weights in
float64 and set beside what the model itself computed.

X is the layer's input (ModernBERT: after the layer's pre-attention norm); Q = X W_q + b_q, K, V
likewise; the scores S are a sum of terms, each architecture's own: the content term Q Kᵀ/√d_k
for every model; MPNet adds a learned bias per bucket of relative distance; DeBERTa-v2/v3 scales the
content term by √(3 d_k) and adds its content-to-position and position-to-content terms read from
the relative-position embeddings; ModernBERT rotates Q and K by their positions first (rotary) and,
in its local layers, masks keys further than its window. Then P = softmax(S + mask) and A = P V. The
model's own attention probabilities and that head's slice of its attention output (captured at the
input of the output projection) come from the same forward pass, so the page can show they agree.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from ..base import TextModel
from .anatomy import Anatomy, anatomy
from .capture import base_forward, capturing, check_index, prepare

FLOAT32_EPS = float(np.finfo(np.float32).eps)
P_BOUND_FACTOR = 4.0


@dataclass(frozen=True)
class AttentionSteps:
    """One head of one layer, step by step (layer and head counted from 0); arrays (tokens x ...).
    ``terms``: the parts of the scores (their sum plus ``mask`` is S), named as the architecture names
    them; ``notes``: what this architecture does beyond Q Kᵀ/√d_k."""

    tokens: tuple[str, ...]
    layer: int
    head: int
    d_k: int
    X: np.ndarray
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    S: np.ndarray
    P: np.ndarray
    A: np.ndarray
    mask: np.ndarray  # (tokens, tokens): 0 where a query may read a key, -inf where it may not
    model_P: np.ndarray = field(repr=False)
    model_A: np.ndarray = field(repr=False)
    terms: dict = field(default_factory=dict, repr=False)
    content_scale: float = 1.0  # the content term is Q Kᵀ / content_scale
    notes: tuple[str, ...] = ()
    truncated: bool = False
    key_head: int | None = None  # grouped-query attention: the key/value head this head reads (from 0)
    sharing: tuple[int, ...] = ()  # and every query head that reads it (from 0)

    @property
    def p_difference(self) -> float:
        """Largest |P - the model's attention probabilities|."""
        return float(np.abs(self.P - self.model_P).max())

    @property
    def a_difference(self) -> float:
        """Largest |A - this head's slice of the model's attention output|."""
        return float(np.abs(self.A - self.model_A).max())

    @property
    def score_scale(self) -> float:
        """max(1, the largest |score|): float32 rounding in the model grows with it."""
        finite = self.S[np.isfinite(self.S)]
        return max(1.0, float(np.abs(finite).max()) if finite.size else 1.0)

    @property
    def p_bound(self) -> float:
        """What the model's float32 arithmetic can leave between its P and ours: 4 eps32 max(1, |S|max).

        The model computes softmax(S) in float32, so each weight carries a relative error of about
        eps32 times the size of its score; measured at most 0.92 eps32 max|S| over every layer and head
        of six texts of 8 to 38 tokens on MiniLM (a flat 1e-6 failed 4 of 432 there: 1.09e-6 at scores
        up to 5.7), so the bound has a margin of 4."""
        return P_BOUND_FACTOR * FLOAT32_EPS * self.score_scale

    @property
    def a_bound(self) -> float:
        """The same for A = P V: the bound of P scaled by max(1, |V|max) (measured at most 0.95 of it)."""
        values = np.abs(self.V)
        return self.p_bound * max(1.0, float(values.max()) if values.size else 1.0)

    def contributions(self, query: int) -> np.ndarray:
        """(keys, d_k): q_d k_d / content_scale for the chosen query token; each row sums to the content
        term of S[query, key] (the architecture's other terms are in ``terms``)."""
        query = check_index(query, "query token", len(self.tokens))
        return self.Q[query][None, :] * self.K / self.content_scale

    def to_dict(self) -> dict:
        out = {"tokens": list(self.tokens), "layer": self.layer, "head": self.head, "d_k": self.d_k,
               "key_head": self.key_head, "sharing": list(self.sharing),
               "max_abs_difference_P": self.p_difference, "max_abs_difference_A": self.a_difference,
               "float32_bound_P": self.p_bound, "float32_bound_A": self.a_bound, "notes": list(self.notes),
               "terms": {name: value.tolist() for name, value in self.terms.items()}}
        for name in ("X", "Q", "K", "V", "S", "P", "A", "mask"):
            out[name] = getattr(self, name).tolist()
        return out


def _linear(x: np.ndarray, module: torch.nn.Module) -> np.ndarray:
    weight = module.weight.detach().double().cpu().numpy()
    bias = module.bias.detach().double().cpu().numpy() if module.bias is not None else 0.0
    return x @ weight.T + bias


def _norm(x: np.ndarray, norm: torch.nn.Module) -> np.ndarray:
    """The layer's own norm: LayerNorm, or RMSNorm (x / √(mean x² + eps) × w) for the decoders built like Llama."""
    if "RMSNorm" not in type(norm).__name__:
        return _layer_norm(x, norm)
    eps = float(getattr(norm, "variance_epsilon", None) or norm.eps)
    weight = norm.weight.detach().double().cpu().numpy()
    if type(norm).__name__.startswith("Gemma"):  # (Gemma's norms scale by 1 + w: its weights start at 0)
        weight = 1.0 + weight
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight


def _layer_norm(x: np.ndarray, norm: torch.nn.Module) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    out = (x - mean) / np.sqrt(var + norm.eps)
    if norm.weight is not None:
        out = out * norm.weight.detach().double().cpu().numpy()
    if getattr(norm, "bias", None) is not None:
        out = out + norm.bias.detach().double().cpu().numpy()
    return out


def _projections(parts: Anatomy, layer: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Q, K, V of every head side by side (tokens, heads x d_k)."""
    projections = parts.projections[layer]
    if projections[0] == "conv1d-fused":  # GPT-2: one Conv1D (x W + b, W stored input-major) makes Q, K and V
        weight = projections[1].weight.detach().double().cpu().numpy()
        qkv = x @ weight + projections[1].bias.detach().double().cpu().numpy()
        width = parts.heads * parts.head_dim
        return qkv[:, :width], qkv[:, width:2 * width], qkv[:, 2 * width:]
    if projections[0] == "fused":  # ModernBERT, Phi-3: one Linear makes Q, K and V (in that order)
        qkv = _linear(x, projections[1])
        width, kv = parts.heads * parts.head_dim, parts.key_heads * parts.head_dim
        return qkv[:, :width], qkv[:, width:width + kv], qkv[:, width + kv:]
    return tuple(_linear(x, module) for module in projections)


def _rotate(x: np.ndarray, theta: float | None = None, inverse: np.ndarray | None = None,
            scaling: float = 1.0) -> np.ndarray:
    """Rotary position embedding of (tokens, d_k): dimension pairs (i, i + d/2) rotated by position times
    the frequency 1 / theta^(2i/d) (or the model's own ``inverse`` frequencies), as ModernBERT's and Llama's
    rotary modules do (``scaling``: the scale of their cos and sin)."""
    n, d = x.shape
    if inverse is None:
        inverse = 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float64) / d)
    angles = np.arange(n, dtype=np.float64)[:, None] * inverse[None, :]
    cos = np.cos(np.concatenate([angles, angles], 1)) * scaling
    sin = np.sin(np.concatenate([angles, angles], 1)) * scaling
    half = np.concatenate([-x[:, d // 2:], x[:, :d // 2]], 1)
    return x * cos + half * sin


def _deberta_terms(parts: Anatomy, layer: int, head: int, q: np.ndarray, k: np.ndarray,
                   n: int) -> tuple[dict, float, list[str]]:
    """DeBERTa-v2/v3: content, content-to-position and position-to-content, each over √(d_k x terms)."""
    from transformers.models.deberta_v2.modeling_deberta_v2 import build_relative_position

    attention = parts.layers[layer].attention.self
    kinds = list(attention.pos_att_type or [])
    scale = math.sqrt(parts.head_dim * (1 + ("c2p" in kinds) + ("p2c" in kinds)))
    terms = {"content Q Kᵀ": q @ k.T / scale}
    notes = [f"DeBERTa scales by √(d_k × {1 + len(kinds)}) = {scale:.3g} and adds "
             + " and ".join({"c2p": "content→position", "p2c": "position→content"}[t] for t in kinds)
             + " terms from its relative-position embeddings (distances in log buckets)"]
    if not attention.relative_attention:
        return terms, scale, []
    with torch.no_grad():
        relative = build_relative_position(torch.zeros(1, n, 1), torch.zeros(1, n, 1),
                                           bucket_size=attention.position_buckets,
                                           max_position=attention.max_relative_positions)[0].numpy()
        table = parts.encoder.encoder.get_rel_embedding()
    span = attention.pos_ebd_size
    table = table.detach().double().cpu().numpy()[:2 * span]
    cols = slice(head * parts.head_dim, (head + 1) * parts.head_dim)
    key_module = attention.key_proj if attention.share_att_key else getattr(attention, "pos_key_proj", None)
    query_module = attention.query_proj if attention.share_att_key else getattr(attention, "pos_query_proj", None)
    if "c2p" in kinds:
        position_keys = _linear(table, key_module)[:, cols]
        index = np.clip(relative + span, 0, 2 * span - 1)
        terms["content→position"] = np.take_along_axis(q @ position_keys.T, index, axis=1) / scale
    if "p2c" in kinds:
        position_queries = _linear(table, query_module)[:, cols]
        index = np.clip(-relative + span, 0, 2 * span - 1)
        terms["position→content"] = np.take_along_axis(k @ position_queries.T, index, axis=1).T / scale
    return terms, scale, notes


def _mpnet_bias(parts: Anatomy, head: int, n: int) -> np.ndarray:
    """MPNet's learned bias for the bucket of each relative distance (key position minus query position)."""
    encoder = parts.encoder.encoder
    relative = torch.arange(n)[None, :] - torch.arange(n)[:, None]
    buckets = encoder.relative_position_bucket(relative, num_buckets=encoder.relative_attention_bias.num_embeddings)
    return encoder.relative_attention_bias.weight.detach().double().cpu().numpy()[buckets.numpy(), head]


def _scores(parts: Anatomy, model: TextModel, layer: int, head: int, q, k, n: int):
    """(terms, the content term's scale, the mask, notes, q and k as used) for this architecture."""
    mask = np.zeros((n, n))
    scale = math.sqrt(parts.head_dim)
    notes: list[str] = []
    if parts.kind == "deberta":
        terms, scale, notes = _deberta_terms(parts, layer, head, q, k, n)
        return terms, scale, mask, notes, q, k
    if parts.kind == "modernbert":
        config = parts.encoder.config
        kind = config.layer_types[layer]
        theta = float(config.rope_parameters[kind]["rope_theta"])
        q, k = _rotate(q, theta), _rotate(k, theta)
        notes.append(f"ModernBERT rotates Q and K by their positions (rotary, θ = {theta:g}) before Q Kᵀ")
        if kind == "sliding_attention":
            window = int(config.sliding_window)
            distance = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
            mask = np.where(distance <= window, 0.0, -np.inf)
            notes.append(f"a local layer: each token reads only the tokens within {window} positions")
        else:
            notes.append("a global layer: each token reads every token")
    if parts.scale is not None:
        scale = 1.0 / parts.scale
    if parts.inv_freq is not None:
        q = _rotate(q, inverse=parts.inv_freq, scaling=parts.rotary_scaling)
        k = _rotate(k, inverse=parts.inv_freq, scaling=parts.rotary_scaling)
        notes.append("Q and K are rotated by their positions (rotary) before Q Kᵀ")
    if parts.causal:
        behind = np.arange(n)[:, None] - np.arange(n)[None, :]  # query position minus key position
        mask = np.where(behind < 0, -np.inf, 0.0)
        notes.append("a decoder: each token reads only itself and the tokens before it (the causal mask)")
        if parts.window:
            mask = np.where(behind >= parts.window, -np.inf, mask)
            notes.append(f"a sliding window: each token reads at most the {parts.window} tokens up to itself")
    if parts.key_heads < parts.heads:
        shared = parts.heads // parts.key_heads
        first = parts.key_head(head) * shared
        notes.append(f"grouped-query attention: heads {first + 1} to {first + shared} share one key and value head "
                     f"({parts.key_heads} key/value heads for {parts.heads} query heads)")
    terms = {"content Q Kᵀ": q @ k.T / scale}
    if parts.kind == "mpnet":
        terms["relative position bias"] = _mpnet_bias(parts, head, n)
        notes.append("MPNet adds a learned bias for each bucket of relative distance")
    return terms, scale, mask, notes, q, k


@dataclass(frozen=True)
class _Forward:
    """What ``attention_steps`` reads of one text's forward, for every layer and head."""

    tokens: list
    inputs: dict
    truncated: bool
    hidden: tuple  # the embeddings, then each layer's output
    model_p: np.ndarray  # the model's own attention probabilities (layers, heads, n, n)
    contexts: tuple  # each layer's input to its attention output projection (n, width)


_LAST_FORWARD: list = []  # [(model, text, _Forward)]: the Inside tab asks for one head after another of one text
_FORWARD_LOCK = threading.Lock()


def _forward(model: TextModel, parts: Anatomy, text: str) -> _Forward:
    """The text's forward with every layer's attention context captured, kept for the next head asked of the same
    text and model (each head cost two forwards; one text's 72 heads now cost two in all). Only the last text is
    kept: a large decoder's attention probabilities are hundreds of MB."""
    with _FORWARD_LOCK:
        if _LAST_FORWARD and _LAST_FORWARD[0][0] is model and _LAST_FORWARD[0][1] == text:
            return _LAST_FORWARD[0][2]
    tokens, inputs, truncated = prepare(model, text)
    with capturing() as capture:
        for module in dict.fromkeys(parts.out_projection):  # (a shared layer's module: recorded once per call)
            capture.record_input("context", module)
        hidden = base_forward(model, inputs)
    model_p = model.attentions(inputs["input_ids"][0].tolist(),
                               inputs["token_type_ids"][0].tolist() if "token_type_ids" in inputs else None)
    contexts = tuple(call[0].double().cpu().numpy() for call in capture.inputs["context"])  # (in layer order)
    forward = _Forward(tokens, inputs, truncated, hidden, model_p, contexts)
    with _FORWARD_LOCK:
        _LAST_FORWARD[:] = [(model, text, forward)]
    return forward


def attention_steps(model: TextModel, text: str, layer: int, head: int) -> AttentionSteps:
    """X, Q, K, V, the score terms, S, P, A of ``head`` in ``layer`` for ``text``, recomputed from the
    layer's weights, with the model's own P and A to compare."""
    parts = anatomy(model)
    layer = check_index(layer, "layer", len(parts.layers))
    head = check_index(head, "head", parts.heads)
    forward = _forward(model, parts, text)
    tokens, inputs, truncated, hidden, model_p = (forward.tokens, forward.inputs, forward.truncated, forward.hidden,
                                                  forward.model_p)
    d_k = parts.head_dim
    cols = slice(head * d_k, (head + 1) * d_k)
    shared = slice(parts.key_head(head) * d_k, (parts.key_head(head) + 1) * d_k)  # (its key/value head)
    x = hidden[layer].double().numpy()
    if parts.pre_norm[layer] is not None:
        x = _norm(x, parts.pre_norm[layer])
    q_all, k_all, v_all = _projections(parts, layer, x)
    q, k, v = q_all[:, cols], k_all[:, shared], v_all[:, shared]
    if parts.qk_norms is not None:  # Qwen3: each head's queries and keys normalised (RMSNorm) before rotary
        q, k = _norm(q, parts.qk_norms[layer][0]), _norm(k, parts.qk_norms[layer][1])
    n = len(tokens)
    terms, scale, mask, notes, q, k = _scores(parts, model, layer, head, q, k, n)
    padding = inputs["attention_mask"][0].cpu().numpy()
    mask = mask + np.where(padding[None, :] > 0, 0.0, -np.inf)
    scores = sum(terms.values()) + mask
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    context = forward.contexts[layer][:, cols]
    return AttentionSteps(tokens=tuple(tokens), layer=layer, head=head, d_k=d_k, X=x, Q=q, K=k, V=v, S=scores,
                          P=weights, A=weights @ v, mask=mask, model_P=model_p[layer, head].astype(np.float64),
                          model_A=context, terms=terms, content_scale=scale, notes=tuple(notes), truncated=truncated,
                          **_sharing(parts, head))


def _sharing(parts: Anatomy, head: int) -> dict:
    """Grouped-query attention: the key/value head ``head`` reads, and the query heads that share it."""
    if parts.key_heads == parts.heads:
        return {}
    key_head = parts.key_head(head)
    return {"key_head": key_head, "sharing": tuple(h for h in range(parts.heads) if parts.key_head(h) == key_head)}
