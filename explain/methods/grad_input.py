"""Gradient x Input through captum (``InputXGradient`` on the input embeddings).

One forward and one backward pass per explained output: a token's score is the dot product of its
embedding with the gradient of the output (the task's differentiable score) with respect to it.
Cheap and exact for models that are linear in the embeddings; elsewhere a first-order view that
need not add up to the output.

Why ``InputXGradient`` on the embeddings rather than ``LayerGradientXActivation`` on the embedding layer
(the same numbers: tests/explain/test_gradients.py): the layer variant hooks the model's embedding module,
and a hook is seen by every thread, so a request running the same model meanwhile (the app serves two at
once, and warms up in the background) had its forward captured and the attribution failed ("The
differentiated Tensor ... appears to not have been used in the graph"); on the embeddings nothing is hooked.
"""
from __future__ import annotations

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from ..base import Computed, Method, MethodResult, Steps


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
        import torch
        from captum.attr import InputXGradient

        ids, mask = model.id_tensors([tokenized.ids])
        with torch.no_grad():
            embeds = model.input_embeddings()(ids)
        embeds.requires_grad_(True)  # (a leaf asking for its gradient: captum otherwise sets it, with a warning)
        attributions = np.zeros((len(tokenized), len(target.names)))
        for j, column in enumerate(target.columns):
            result = InputXGradient(target.score_of(column)).attribute(embeds, additional_forward_args=(mask, ids))
            attributions[:, j] = result.detach().double().sum(-1)[0].cpu().numpy()
            yield Computed(1)
        return MethodResult(attributions=attributions, base_values=np.zeros(len(target.names)))
