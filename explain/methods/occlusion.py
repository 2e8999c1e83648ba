"""Occlusion, leave-one-out: each word's (token's, sentence's, paragraph's) effect is the output
change when it alone is hidden with the mask token. Exact and cheap (one model input per unit,
through the runner: token ids, batched, each distinct input once), a useful reference beside SHAP.
A unit's effect is shared evenly by its words, then by each word's tokens, so a sentence's value is
exactly the output minus the output without that sentence. Masking keeps the text's length, so on a text read as windows
hiding one sentence changes only the one or two windows that hold it: the others are reused.
"""
from __future__ import annotations

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from ..base import Method, MethodResult, Steps
from ..text import features as granularity_


class OcclusionMethod(Method):
    NAME = "occlusion"
    LABEL = "Occlusion"
    DESCRIPTION = ("Occlusion (leave-one-out): the change in the output when each word alone is hidden with the "
                   "mask token; exact and cheap, one model input per word.")
    PARAMS = (granularity_.GRANULARITY,)
    COLOUR = "#6a4c93"

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        return max(1, len(granularity_.units(tokenized, granularity_.resolve(params["granularity"], model,
                                                                              tokenized, "word"))))

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        granularity = granularity_.resolve(params["granularity"], model, tokenized, "word")
        units = granularity_.units(tokenized, granularity)
        ids = np.array(tokenized.ids)
        attributions = np.zeros((len(tokenized), len(target.names)))
        if units:
            inputs = []
            for positions in units:
                hidden = ids.copy()
                hidden[list(positions)] = model.mask_token_id
                inputs.append(tuple(hidden.tolist()))
            outputs = yield inputs
            for positions, row in zip(units, outputs):
                attributions[list(positions)] = (np.asarray(target.output) - row) * granularity_.shares(
                    tokenized, positions)[:, None]
        return MethodResult(attributions=attributions, base_values=np.zeros(len(target.names)),
                            meta={"granularity": granularity, "occluded": len(units)})
