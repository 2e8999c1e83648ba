"""Inside the Transformer: each step of the model's own computation, recomputed and checked.

``attention_steps`` takes one layer's input X and the layer's own weights and recomputes
Q = X W_q + b_q, K, V, S = Q K^T / sqrt(d_k) (+ the padding mask), P = softmax(S) and A = P V for
one head, in float64, beside what the model itself computed (its attention probabilities and
that head's slice of its attention output), so the page can show the two agree. The other
functions: the sinusoidal encoding from its formula, the model's learned position embeddings,
the embedding sum (token + position + type, then LayerNorm) against the model's embedding output,
per-layer norms of the residual stream, the attention and feed-forward outputs, and a layer lens
(the task's own head applied after each layer).

Architectures: BERT-style encoders (BERT, MiniLM, RoBERTa, ELECTRA: ``encoder.layer[i]``) and
DistilBERT. Others get one sentence. Every hook here acts only for the thread that set it, so
the app's other requests running through the same modules are untouched.
"""
from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from .base import TextModel
from .errors import InputError
from .tasks.embedding import cosine_matrix
from .validation import check_text, check_whole


@dataclass(frozen=True)
class Anatomy:
    """Where each part of one architecture lives (modules, per layer)."""

    kind: str
    layers: list
    query: list
    key: list
    value: list
    out_projection: list  # its input is the heads' outputs side by side: A of every head
    ffn_activation: list  # its output: the feed-forward units after the activation
    attention_output: list  # its output is what the attention block adds to the residual stream
    ffn_output: list  # its output is what the feed-forward block adds
    word_embeddings: torch.nn.Module
    position_embeddings: torch.nn.Module | None
    type_embeddings: torch.nn.Module | None
    embedding_norm: torch.nn.Module
    heads: int
    hidden: int


def anatomy(model: TextModel) -> Anatomy:
    """The parts of ``model``'s encoder, or one InputError for an architecture not covered."""
    base = getattr(model.transformer, "base_model", model.transformer)
    config = base.config
    encoder = getattr(base, "encoder", None)
    if encoder is not None and hasattr(encoder, "layer") and hasattr(encoder.layer[0].attention, "self"):
        layers = list(encoder.layer)
        embeddings = base.embeddings
        return Anatomy(
            kind="bert", layers=layers, query=[layer.attention.self.query for layer in layers],
            key=[layer.attention.self.key for layer in layers], value=[layer.attention.self.value for layer in layers],
            out_projection=[layer.attention.output.dense for layer in layers],
            ffn_activation=[layer.intermediate for layer in layers],
            attention_output=[layer.attention.output.dense for layer in layers], ffn_output=[layer.output.dense for layer in layers],
            word_embeddings=embeddings.word_embeddings, position_embeddings=embeddings.position_embeddings,
            type_embeddings=getattr(embeddings, "token_type_embeddings", None), embedding_norm=embeddings.LayerNorm,
            heads=config.num_attention_heads, hidden=config.hidden_size)
    stack = getattr(base, "transformer", None)
    if stack is not None and hasattr(stack, "layer") and hasattr(stack.layer[0].attention, "q_lin"):
        layers = list(stack.layer)
        return Anatomy(
            kind="distilbert", layers=layers, query=[layer.attention.q_lin for layer in layers],
            key=[layer.attention.k_lin for layer in layers], value=[layer.attention.v_lin for layer in layers],
            out_projection=[layer.attention.out_lin for layer in layers], ffn_activation=[layer.ffn.activation for layer in layers],
            attention_output=[layer.attention.out_lin for layer in layers], ffn_output=[layer.ffn.lin2 for layer in layers],
            word_embeddings=base.embeddings.word_embeddings, position_embeddings=base.embeddings.position_embeddings,
            type_embeddings=None, embedding_norm=base.embeddings.LayerNorm, heads=config.n_heads, hidden=config.dim)
    raise InputError(f"{model.name} is a {config.model_type} model; Inside the Transformer covers BERT-style "
                     "encoders (BERT, MiniLM, RoBERTa, ELECTRA) and DistilBERT.")


# ----------------------------------------------------------------------------- running with hooks
class _Capture:
    """Forward hooks that record (or replace) module inputs/outputs for the calling thread only."""

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self.inputs: dict[str, torch.Tensor] = {}
        self.outputs: dict[str, torch.Tensor] = {}
        self.handles = []

    def record_input(self, name: str, module: torch.nn.Module) -> None:
        def hook(_module, args):
            if threading.get_ident() == self.owner:
                self.inputs[name] = args[0].detach()
        self.handles.append(module.register_forward_pre_hook(hook))

    def record_output(self, name: str, module: torch.nn.Module) -> None:
        def hook(_module, _args, output):
            if threading.get_ident() == self.owner:
                self.outputs[name] = (output[0] if isinstance(output, tuple) else output).detach()
        self.handles.append(module.register_forward_hook(hook))

    def pass_through(self, module: torch.nn.Module) -> None:
        """The layer hands its input on unchanged (the layer lens stops the stack there)."""
        def hook(_module, args, kwargs, output):
            if threading.get_ident() != self.owner:
                return None
            hidden = args[0] if args else kwargs["hidden_states"]
            return (hidden, *output[1:]) if isinstance(output, tuple) else hidden
        self.handles.append(module.register_forward_hook(hook, with_kwargs=True))

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


@contextlib.contextmanager
def _capturing():
    capture = _Capture()
    try:
        yield capture
    finally:
        capture.close()


def _prepare(model: TextModel, text: str) -> tuple[list[str], dict[str, torch.Tensor]]:
    check_text(text)
    tokenized = model.tokenize(text)
    ids, mask = model.id_tensors([tokenized.ids])
    inputs = {"input_ids": ids, "attention_mask": mask}
    if model.adapter.uses_token_types:
        inputs["token_type_ids"] = torch.zeros_like(ids)
    return list(tokenized.tokens), inputs


def _base_forward(model: TextModel, inputs: dict) -> tuple:
    """The encoder (base model) on one text: every hidden state, in float32 on the CPU."""
    base = getattr(model.transformer, "base_model", model.transformer)
    with model._attention_switch.shared(), torch.inference_mode():
        out = base(**inputs, output_hidden_states=True)
    return tuple(h[0].float().cpu() for h in out.hidden_states)


def _check_index(value, name: str, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
        raise InputError(f"The {name} must be a whole number from 0 to {count - 1} (counted from 0); got {value!r}.")
    return int(value)


# ----------------------------------------------------------------------------- self-attention
FLOAT32_EPS = float(np.finfo(np.float32).eps)
P_BOUND_FACTOR = 4.0


@dataclass(frozen=True)
class AttentionSteps:
    """One head of one layer, step by step (layer and head counted from 0); arrays (tokens x ...)."""

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
    mask: np.ndarray
    model_P: np.ndarray = field(repr=False)
    model_A: np.ndarray = field(repr=False)

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
        finite = np.abs(self.V)
        return self.p_bound * max(1.0, float(finite.max()) if finite.size else 1.0)

    def contributions(self, query: int) -> np.ndarray:
        """(keys, d_k): q_d k_d / sqrt(d_k) for the chosen query token; each row sums to S[query, key]."""
        query = _check_index(query, "query token", len(self.tokens))
        return self.Q[query][None, :] * self.K / math.sqrt(self.d_k)

    def to_dict(self) -> dict:
        out = {"tokens": list(self.tokens), "layer": self.layer, "head": self.head, "d_k": self.d_k,
               "max_abs_difference_P": self.p_difference, "max_abs_difference_A": self.a_difference,
               "float32_bound_P": self.p_bound, "float32_bound_A": self.a_bound}
        for name in ("X", "Q", "K", "V", "S", "P", "A", "mask"):
            out[name] = getattr(self, name).tolist()
        return out


def attention_steps(model: TextModel, text: str, layer: int, head: int) -> AttentionSteps:
    """X, Q, K, V, S, P, A of ``head`` in ``layer`` for ``text``, recomputed from the layer's
    weights, with the model's own P and A to compare."""
    parts = anatomy(model)
    layer = _check_index(layer, "layer", len(parts.layers))
    head = _check_index(head, "head", parts.heads)
    tokens, inputs = _prepare(model, text)
    with _capturing() as capture:
        capture.record_input("context", parts.out_projection[layer])
        hidden = _base_forward(model, inputs)
    model_p = model.attentions(inputs["input_ids"][0].tolist(),
                               inputs["token_type_ids"][0].tolist() if "token_type_ids" in inputs else None)
    d_k = parts.hidden // parts.heads
    cols = slice(head * d_k, (head + 1) * d_k)
    x = hidden[layer].double().numpy()

    def project(linear: torch.nn.Linear) -> np.ndarray:
        weight = linear.weight.detach().double().cpu().numpy()
        bias = linear.bias.detach().double().cpu().numpy()
        return (x @ weight.T + bias)[:, cols]

    q, k, v = project(parts.query[layer]), project(parts.key[layer]), project(parts.value[layer])
    mask = inputs["attention_mask"][0].cpu().numpy().astype(np.float64)
    scores = q @ k.T / math.sqrt(d_k) + np.where(mask[None, :] > 0, 0.0, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    context = capture.inputs["context"][0].double().cpu().numpy()[:, cols]
    return AttentionSteps(tokens=tuple(tokens), layer=layer, head=head, d_k=d_k, X=x, Q=q, K=k, V=v, S=scores,
                          P=weights, A=weights @ v, mask=mask, model_P=model_p[layer, head].astype(np.float64),
                          model_A=context)


# ----------------------------------------------------------------------------- positions
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
    """The model's learned position embeddings (max positions, hidden)."""
    table = anatomy(model).position_embeddings
    if table is None:
        raise InputError(f"{model.name} has no learned position embeddings.")
    return table.weight.detach().float().cpu().numpy().astype(np.float64)


@dataclass(frozen=True)
class EmbeddingSum:
    """X = LayerNorm(token + position (+ type)) for one text, and the model's own embedding output."""

    tokens: tuple[str, ...]
    token: np.ndarray
    position: np.ndarray
    type: np.ndarray | None
    summed: np.ndarray
    normalised: np.ndarray
    model_output: np.ndarray

    @property
    def difference(self) -> float:
        return float(np.abs(self.normalised - self.model_output).max())


def embedding_sum(model: TextModel, text: str) -> EmbeddingSum:
    parts = anatomy(model)
    tokens, inputs = _prepare(model, text)
    ids = inputs["input_ids"]
    positions = torch.arange(ids.shape[1], device=ids.device)[None, :]
    if parts.kind == "bert":  # RoBERTa-style models count positions from padding_idx + 1
        offset = getattr(getattr(model.transformer, "base_model", model.transformer).embeddings, "padding_idx", None)
        if offset is not None and getattr(model.transformer.config, "model_type", "") in ("roberta", "xlm-roberta"):
            positions = positions + offset + 1
    with torch.inference_mode():
        token = parts.word_embeddings(ids)[0].double()
        position = parts.position_embeddings(positions)[0].double()
        types = parts.type_embeddings(inputs["token_type_ids"])[0].double() if parts.type_embeddings is not None \
            and "token_type_ids" in inputs else None
        summed = token + position + (types if types is not None else 0)
        norm = parts.embedding_norm
        normalised = torch.nn.functional.layer_norm(summed, norm.normalized_shape, norm.weight.double(),
                                                    norm.bias.double(), norm.eps)
    model_output = _base_forward(model, inputs)[0].double().numpy()
    return EmbeddingSum(tuple(tokens), token.cpu().numpy(), position.cpu().numpy(),
                        types.cpu().numpy() if types is not None else None, summed.cpu().numpy(),
                        normalised.cpu().numpy(), model_output)


# ----------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class LayerFlow:
    """Per layer (rows) and token (columns): the norms of the residual stream entering the layer,
    of what the attention block and the feed-forward block add, and the share of feed-forward
    units active (> 0) after the activation; ``hidden`` = every hidden state (layers + 1, tokens, hidden)."""

    tokens: tuple[str, ...]
    residual_norm: np.ndarray
    attention_norm: np.ndarray
    ffn_norm: np.ndarray
    active_share: np.ndarray
    hidden: np.ndarray

    @property
    def last_hidden_state_shape(self) -> tuple[int, int, int]:
        """The shape ``last_hidden_state`` has for this text: (1, tokens, hidden)."""
        return (1, *self.hidden.shape[1:])

    def token_similarity(self, layer: int) -> np.ndarray:
        """Cosine similarity between the tokens' hidden states after ``layer`` (0: the embeddings)."""
        layer = _check_index(layer, "layer", len(self.hidden))
        return position_similarity(self.hidden[layer])


def layer_flow(model: TextModel, text: str) -> LayerFlow:
    parts = anatomy(model)
    tokens, inputs = _prepare(model, text)
    with _capturing() as capture:
        for i in range(len(parts.layers)):
            capture.record_output(f"attention{i}", parts.attention_output[i])
            capture.record_output(f"ffn{i}", parts.ffn_output[i])
            capture.record_output(f"units{i}", parts.ffn_activation[i])
        hidden = _base_forward(model, inputs)
    layers = range(len(parts.layers))

    def norms(name: str) -> np.ndarray:
        return np.stack([capture.outputs[f"{name}{i}"][0].float().norm(dim=-1).cpu().numpy() for i in layers])

    return LayerFlow(tuple(tokens), residual_norm=np.stack([h.norm(dim=-1).numpy() for h in hidden[:-1]]),
                     attention_norm=norms("attention"), ffn_norm=norms("ffn"),
                     active_share=np.stack([(capture.outputs[f"units{i}"][0] > 0).float().mean(-1).cpu().numpy()
                                            for i in layers]),
                     hidden=np.stack([h.numpy() for h in hidden]))


@dataclass(frozen=True)
class LayerLens:
    """The task's output after each layer (row 0: the embeddings, row L: the model's answer)."""

    labels: tuple[str, ...]
    output_name: str
    values: np.ndarray  # (layers + 1, len(labels))
    explained: tuple[int, ...]  # the columns the task explains by default (the predicted class, ...)


def layer_lens(model: TextModel, text: str, *, target=None, labels=None, pair=None, **options) -> LayerLens:
    """The task's own head read after every layer: the layers above are made to hand their input
    on unchanged, so the pooling, head and task maths are the model's own; the last row is the
    model's prediction (same torch computation as ``predict_embeds``)."""
    from .tasks import get_task

    parts = anatomy(model)
    spec = get_task(model.task).spec(model, target=target, labels=labels, pair=pair, options=options)
    check_text(text)
    tokenized = model.tokenize(text)
    ids, mask = model.id_tensors([tokenized.ids])
    rows = []
    with torch.no_grad():
        embeds = model.input_embeddings()(ids)
        # The full model first, with no hook: anything the task computes and caches on the way (the
        # zero-shot hypotheses' embeddings, an ONNX export) is computed by the whole model.
        final = spec.score(embeds, mask, ids)[0].double().cpu().numpy()
        for depth in range(len(parts.layers)):
            with _capturing() as capture:
                for layer in parts.layers[depth:]:
                    capture.pass_through(layer)
                rows.append(spec.score(embeds, mask, ids)[0].double().cpu().numpy())
    values = np.stack([*rows, final])
    final = spec.target(values[-1])
    return LayerLens(labels=tuple(spec.labels), output_name=spec.output_name, values=values,
                     explained=tuple(int(c) for c in final.columns))
