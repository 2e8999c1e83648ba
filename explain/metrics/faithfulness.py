"""Faithfulness: does removing what the explanation ranks highest change the output (ERASER's
comprehensiveness and sufficiency, DeYoung et al. 2020), normalised between a random ranking and
the best reachable one (Edin et al. 2024), and DIG's log-odds (Sanyal & Ren 2021)."""
from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations

import numpy as np

from .base import BINS, Ids, Metric, Probe, aopc_curve, aopc_inputs, ranking

EXACT_LIMIT = 256  # distinct inputs the exact search of the best ranking may take
LOG_ODDS_FRACTION = 0.2


class Comprehensiveness(Metric):
    """AOPC over q in 1, 5, 10, 20, 50% of f(x) - f(x without the top ceil(q n) words); higher is better."""

    NAME = "comprehensiveness"

    def inputs(self, probe, order, f=None):
        return aopc_inputs(probe, order, self.NAME)

    def score(self, probe, order, f):
        curve = aopc_curve(probe, order, f, self.NAME)
        return {"aopc": float(np.mean(curve)), "curve": curve}


class Sufficiency(Comprehensiveness):
    """AOPC over q in 1, 5, 10, 20, 50% of f(x) - f(x with only the top ceil(q n) words); lower is better."""

    NAME = "sufficiency"
    LOWER_IS_BETTER = True


class LogOdds(Metric):
    """log f(x with the top 20% of the words masked) - log f(x), for probability outputs; lower is better."""

    NAME = "log_odds"
    LOWER_IS_BETTER = True
    NEEDS_PROBABILITY = True

    def _masked(self, probe, order) -> Ids:
        return probe.without(order[: max(1, math.ceil(LOG_ODDS_FRACTION * probe.n_words))], removal="mask")

    def inputs(self, probe, order, f=None):
        return [self._masked(probe, order)]

    def score(self, probe, order, f):
        return math.log(max(f(self._masked(probe, order)), 1e-12)) - math.log(max(probe.output, 1e-12))


def _levels(probe: Probe) -> list[tuple[int, float]]:
    """The distinct k of the bins, each with the share of bins that use it."""
    ks = [probe.top_k(q) for q in BINS]
    return [(k, ks.count(k) / len(ks)) for k in sorted(set(ks))]


def _exact_inputs(probe: Probe, kind: str) -> list[Ids] | None:
    """Every word set the bins can use, if few enough for the exact search (else None)."""
    levels = _levels(probe)
    if sum(math.comb(probe.n_words, k) for k, _ in levels) > EXACT_LIMIT:
        return None
    take = probe.without if kind == "comprehensiveness" else probe.only
    return [take(subset) for k, _ in levels for subset in combinations(range(probe.n_words), k)]


def _exact_best(probe: Probe, f: Callable[[Ids], float], kind: str) -> float:
    """The best AOPC over every nested choice of the bins' word sets (dynamic programming over the
    levels): the highest comprehensiveness, or the lowest sufficiency."""
    take = probe.without if kind == "comprehensiveness" else probe.only
    sign = 1.0 if kind == "comprehensiveness" else -1.0  # search for a maximum either way
    best: dict[frozenset, float] = {frozenset(): 0.0}
    previous_k = 0
    for k, weight in _levels(probe):
        current = {}
        for subset in combinations(range(probe.n_words), k):
            value = sign * weight * (probe.output - f(take(subset)))
            inner = max(best[frozenset(t)] for t in combinations(subset, previous_k))
            current[frozenset(subset)] = value + inner
        best, previous_k = current, k
    return sign * max(best.values())


def _occlusion_order(probe: Probe, f: Callable[[Ids], float]) -> list[int]:
    return ranking(probe.occlusion_effects(f))


class NormalisedComprehensiveness(Metric):
    """(AOPC - random AOPC) / (best AOPC - random AOPC) of comprehensiveness: 0 = random, 1 = best reachable.

    The best is exact (every nested choice of the bins' word sets, at most 256 inputs: texts of up
    to about 9 words); for longer texts it is the AOPC of the ranking by each word's occlusion effect,
    an estimate of the best (not a bound), so the score can exceed 1 there.
    """

    NAME = "normalised_comprehensiveness"
    RANKED = False
    KIND = "comprehensiveness"

    def inputs(self, probe, order, f=None):
        needed = aopc_inputs(probe, order, self.KIND)
        for random_order in probe.random_rankings():
            needed += aopc_inputs(probe, random_order, self.KIND)
        exact = _exact_inputs(probe, self.KIND)
        if exact is not None:
            return needed + exact
        needed += [probe.occluded(w) for w in range(probe.n_words)]
        if f is not None:
            needed += aopc_inputs(probe, _occlusion_order(probe, f), self.KIND)
        return needed

    def _aopc(self, probe, order, f) -> float:
        return float(np.mean(aopc_curve(probe, order, f, self.KIND)))

    def best(self, probe, f) -> float:
        if _exact_inputs(probe, self.KIND) is not None:
            return _exact_best(probe, f, self.KIND)
        return self._aopc(probe, _occlusion_order(probe, f), f)

    def score(self, probe, order, f):
        ours = self._aopc(probe, order, f)
        chance = float(np.mean([self._aopc(probe, r, f) for r in probe.random_rankings()]))
        best = self.best(probe, f)
        if abs(best - chance) < 1e-12:
            return None  # nothing to separate: every ranking scores the same
        return (ours - chance) / (best - chance)


class NormalisedSufficiency(NormalisedComprehensiveness):
    """(random AOPC - AOPC) / (random AOPC - best AOPC) of sufficiency: 0 = random, 1 = best reachable (higher is better)."""

    NAME = "normalised_sufficiency"
    KIND = "sufficiency"
