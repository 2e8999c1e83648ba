"""Stability: how much a seeded method's word attributions move when only the seed changes."""
from __future__ import annotations

import numpy as np

from .base import Metric


class Stability(Metric):
    """Mean over words of the standard deviation of a word's attribution across seeds (the given one and 3 more); lower is better.

    Only for explanations whose result depends on the seed (LIME; SHAP when max_evals truncates its
    tree): the method is run again with the other seeds, everything else equal.
    """

    NAME = "stability"
    LOWER_IS_BETTER = True
    RANKED = False
    SEEDS = 3

    def inputs(self, probe, order, f=None):
        return []  # it re-runs the explanation instead (see ``measure``)

    def measure(self, explanation, target: int, rerun) -> float:
        """``rerun(seed)`` explains the same input (only ``target``) again with another seed."""
        seed = int(explanation.meta.get("seed", 0))
        runs = [explanation.word_attributions[:, target]]
        runs += [rerun(seed + i + 1).word_attributions[:, 0] for i in range(self.SEEDS)]
        return float(np.std(np.stack(runs), axis=0).mean())
