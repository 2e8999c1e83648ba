"""A method from outside the project: registered by importing this module (``STUDIO_PLUGINS``).

Leave-one-token-out, scaled: token i's attribution is ``toy_scale`` x (f(x) - f(x with token i
masked)). On the synthetic additive model that is exactly ``toy_scale`` x the token's weight.
"""
from __future__ import annotations

import numpy as np

from explain import Method, MethodResult, Param, register_method


class ToyMethod(Method):
    NAME = "toy"
    DESCRIPTION = "Leave-one-token-out, scaled: the output change when each token is masked."
    PARAMS = (Param("toy_scale", "float", 1.0, 0.0, 10.0, "multiplies every attribution"),
              Param("toy_budget", "int", 100, 1, 1000, "ignored; a budget for the progress plan", budget=True))

    def explain(self, model, tokenized, target, *, params, seed):
        ids = list(tokenized.ids)
        positions = tokenized.content_positions
        batch = [tuple(model.mask_token_id if j == i else t for j, t in enumerate(ids)) for i in positions]
        outputs = yield batch
        attributions = np.zeros((len(ids), len(target.names)))
        for row, i in enumerate(positions):
            attributions[i] = params["toy_scale"] * (target.output - outputs[row])
        return MethodResult(attributions, np.zeros(len(target.names)), {"toy": True})


register_method(ToyMethod)
