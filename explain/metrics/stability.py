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
    RERUNS = True
    SEEDS = 3

    def measure(self, values, seed: int) -> float:
        runs = [values(seed + i) for i in range(self.SEEDS + 1)]
        return float(np.std(np.stack(runs), axis=0).mean())
