"""Occlusion, leave-one-out: each word's (or token's) effect is the output change when it alone is
hidden with the mask token. Exact and cheap (one model input per word, through the runner: token
ids, batched, each distinct input once), a useful reference beside SHAP. A word's effect is shared
evenly by its tokens, so word-level values are the effects themselves.
"""
from __future__ import annotations

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from .base import Method, MethodResult, Param, Steps
from .lime_words import FEATURES_HELP
from .words import group_words


def occluded_units(tokenized: Tokenized, features: str) -> list[list[int]]:
    """Token positions hidden together: every word, or every content token."""
    if features == "token":
        return [[i] for i in tokenized.content_positions]
    return [list(w.tokens) for w in group_words(tokenized.text, tokenized.offsets, tokenized.special)]


class OcclusionMethod(Method):
    NAME = "occlusion"
    LABEL = "Occlusion"
    DESCRIPTION = ("Occlusion (leave-one-out): the change in the output when each word alone is hidden with the "
                   "mask token; exact and cheap, one model input per word.")
    PARAMS = (Param("features", "choice", "word", help=FEATURES_HELP, choices=("word", "token"), label="Features"),)
    COLOUR = "#6a4c93"

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        return max(1, len(occluded_units(tokenized, params["features"])))

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        units = occluded_units(tokenized, params["features"])
        ids = np.array(tokenized.ids)
        attributions = np.zeros((len(tokenized), len(target.names)))
        if units:
            inputs = []
            for positions in units:
                hidden = ids.copy()
                hidden[positions] = model.mask_token_id
                inputs.append(tuple(hidden.tolist()))
            outputs = yield inputs
            for positions, row in zip(units, outputs):
                attributions[positions] = (np.asarray(target.output) - row) / len(positions)
        return MethodResult(attributions=attributions, base_values=np.zeros(len(target.names)),
                            meta={"features": params["features"], "occluded": len(units)})
