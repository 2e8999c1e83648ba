"""Do explanations agree: with each word's own effect (leave-one-out), and with each other."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.errors import InputError

from ..explanation import Explanation, thaw
from .base import Metric, ranking


def _tau(a, b) -> float | None:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None  # a constant ranking agrees with nothing and disagrees with nothing
    from scipy.stats import kendalltau  # (imported when used: scipy.stats costs about a second at start-up)

    return float(kendalltau(a, b).statistic)


def _rho(a, b) -> float | None:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def top_overlap(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Share of the k highest-ranked words (ties by position) two attributions have in common."""
    return len(set(ranking(a)[:k]) & set(ranking(b)[:k])) / k


class LeaveOneOutTau(Metric):
    """Kendall's tau between the word attributions and each word's occlusion effect f(x) - f(x with the word masked)."""

    NAME = "loo_tau"

    def inputs(self, probe, order, f=None):
        return [probe.occluded(w) for w in range(probe.n_words)]

    def score(self, probe, order, f):
        return _tau(probe.attributions, np.array(probe.occlusion_effects(f))) if probe.n_words > 1 else None


@dataclass(frozen=True)
class Agreement:
    """Pairwise agreement of several methods' word attributions on one input (first target each):
    Kendall's tau, Spearman's rho, and the overlap of their top 3 and top 20% words."""

    methods: tuple[str, ...]
    kendall: tuple[tuple[float | None, ...], ...]
    spearman: tuple[tuple[float | None, ...], ...]
    top3: tuple[tuple[float, ...], ...]
    top20: tuple[tuple[float, ...], ...]
    k_top20: int

    def to_dict(self) -> dict:
        return {"methods": list(self.methods), "kendall": thaw(self.kendall), "spearman": thaw(self.spearman),
                "top3": thaw(self.top3), "top20": thaw(self.top20), "k_top20": self.k_top20}


def compare(explanations: list[Explanation], target: int | str = 0) -> Agreement:
    """The agreement table of explanations of the same text (one per method)."""
    if len(explanations) < 2:
        raise InputError("Comparing needs at least two explanations.")
    words = [w.text for w in explanations[0].words]
    if any([w.text for w in e.words] != words for e in explanations):
        raise InputError("Only explanations of the same text can be compared.")
    if any(not e.targets for e in explanations):
        raise InputError("Every explanation must explain an output (attention without labels has none).")
    values = [e.word_attributions[:, e.target_index(target) if isinstance(target, str) else target]
              for e in explanations]
    k20 = max(1, math.ceil(0.2 * len(words)))
    k3 = min(3, len(words))

    def table(fn):
        return tuple(tuple(fn(a, b) for b in values) for a in values)

    return Agreement(methods=tuple(e.method for e in explanations), kendall=table(_tau), spearman=table(_rho),
                     top3=table(lambda a, b: top_overlap(a, b, k3)), top20=table(lambda a, b: top_overlap(a, b, k20)),
                     k_top20=k20)
