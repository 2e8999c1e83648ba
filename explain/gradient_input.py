"""Gradient x Input through captum (``LayerGradientXActivation`` on the input-embedding layer).

One forward and one backward pass per explained output: a token's score is the dot product of its
embedding with the gradient of the output (the task's differentiable score) with respect to it.
Cheap and exact for models that are linear in the embeddings; elsewhere a first-order view that
need not add up to the output.
"""
from __future__ import annotations

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from .base import Computed, Method, MethodResult, Steps


class GradientInputMethod(Method):
    NAME = "grad_input"
    LABEL = "Gradient × Input"
    DESCRIPTION = ("Gradient x Input: how fast the output changes along each token's own embedding (the gradient "
                   "times the embedding), from one backward pass; a quick first-order view.")
    COLOUR = "#8ac926"
    COMPARE_DEFAULT = False

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        return n_targets

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        from captum.attr import LayerGradientXActivation

        layer = model.input_embeddings()
        ids, mask = model.id_tensors([tokenized.ids])
        attributions = np.zeros((len(tokenized), len(target.names)))
        for j, column in enumerate(target.columns):
            def on_ids(input_ids, attention_mask, score=target.score_of(column)):
                return score(layer(input_ids), attention_mask, input_ids)

            result = LayerGradientXActivation(on_ids, layer).attribute(ids, additional_forward_args=(mask,))
            attributions[:, j] = result.detach().double().sum(-1)[0].cpu().numpy()
            yield Computed(1)
        return MethodResult(attributions=attributions, base_values=np.zeros(len(target.names)))
