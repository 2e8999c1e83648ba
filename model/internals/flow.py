"""The layers' work on one text: per layer and token, the residual stream's size, what the attention
and feed-forward blocks add to it and how many feed-forward units are active; and a layer lens, the
task's own head read after each layer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..base import TextModel
from ..validation import check_text
from .anatomy import anatomy
from .capture import base_forward, capturing, check_index, prepare
from .positions import position_similarity


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
        layer = check_index(layer, "layer", len(self.hidden))
        return position_similarity(self.hidden[layer])


def layer_flow(model: TextModel, text: str) -> LayerFlow:
    parts = anatomy(model)
    tokens, inputs, _ = prepare(model, text)
    modules = {"attention": parts.attention_output, "ffn": parts.ffn_output, "units": parts.ffn_activation}
    with capturing() as capture:
        for name, per_layer in modules.items():
            for module in dict.fromkeys(per_layer):  # (ALBERT's shared modules once: recorded per call)
                capture.record_output(f"{name}{id(module)}", module)
        hidden = base_forward(model, inputs)

    def outputs(name: str) -> list[torch.Tensor]:
        """Each layer's output of the module: a module of its own, or the layer-th call of a shared one."""
        return [capture.outputs[f"{name}{id(module)}"][i if parts.shared else 0][0].float()
                for i, module in enumerate(modules[name])]

    def norms(name: str) -> np.ndarray:
        return np.stack([tensor.norm(dim=-1).cpu().numpy() for tensor in outputs(name)])

    return LayerFlow(tuple(tokens), residual_norm=np.stack([h.norm(dim=-1).numpy() for h in hidden[:-1]]),
                     attention_norm=norms("attention"), ffn_norm=norms("ffn"),
                     active_share=np.stack([(units > 0).float().mean(-1).cpu().numpy() for units in outputs("units")]),
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
    from ..tasks import get_task

    parts = anatomy(model)
    check_text(text)
    task = get_task(model.task)
    options = task.for_text(model, text, task.options(options))  # (a decoder's lens: over its continuation)
    spec = task.spec(model, target=target, labels=labels, pair=pair, options=options)
    tokenized = task.tokenize(model, text, {**options, "long_text": "truncate"})  # one forward: read at once
    ids, mask = model.id_tensors([tokenized.ids])
    rows = []
    with torch.no_grad():
        embeds = model.input_embeddings()(ids)
        # The full model first, with no hook: anything the task computes and caches on the way (the
        # zero-shot hypotheses' embeddings, an ONNX export) is computed by the whole model.
        final = spec.score(embeds, mask, ids)[0].double().cpu().numpy()
        for depth in range(len(parts.layers)):
            with capturing() as capture:
                if parts.shared:  # one module for every layer: its calls from this depth on hand on
                    capture.pass_through(parts.layers[0], calls=set(range(depth, len(parts.layers))))
                else:
                    for layer in parts.layers[depth:]:
                        capture.pass_through(layer)
                rows.append(spec.score(embeds, mask, ids)[0].double().cpu().numpy())
    values = np.stack([*rows, final])
    final = spec.target(values[-1])
    return LayerLens(labels=tuple(spec.labels), output_name=spec.output_name, values=values,
                     explained=tuple(int(c) for c in final.columns))
