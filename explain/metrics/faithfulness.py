"""Faithfulness: does removing what the explanation ranks highest change the output (ERASER's
comprehensiveness and sufficiency, DeYoung et al. 2020), normalised between a random ranking and
the best ranking found (Edin et al. 2024), and DIG's log-odds (Sanyal & Ren 2021)."""
from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations

import numpy as np

from .base import BINS, Ids, Metric, Probe, aopc_curve, aopc_inputs, ranking

EXACT_LIMIT = 256  # distinct inputs the exact search of the best ranking may take
GREEDY_POOL = 100  # words the greedy search of long texts chooses among
LOG_ODDS_FRACTION = 0.2

Lookup = Callable[[Ids], "float | None"]  # an output, or None while it is not evaluated yet


class Comprehensiveness(Metric):
    """AOPC over q in 1, 5, 10, 20, 50% of f(x) - f(x without the top ceil(q n) words); higher is better."""

    NAME = "comprehensiveness"

    def inputs(self, probe, order, f=None):
        return aopc_inputs(probe, order, self.NAME)

    def score(self, probe, order, f):
        curve = aopc_curve(probe, order, f, self.NAME)
        return {"value": float(np.mean(curve)), "curve": curve}


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


def _take(probe: Probe, kind: str):
    return probe.without if kind == "comprehensiveness" else probe.only


def _exact_inputs(probe: Probe, kind: str) -> list[Ids] | None:
    """Every word set the bins can use, if few enough for the exact search (else None)."""
    levels = _levels(probe)
    if sum(math.comb(probe.n_words, k) for k, _ in levels) > EXACT_LIMIT:
        return None
    take = _take(probe, kind)
    return [take(subset) for k, _ in levels for subset in combinations(range(probe.n_words), k)]


def _exact_best(probe: Probe, f: Callable[[Ids], float], kind: str) -> float:
    """The best AOPC over every nested choice of the bins' word sets (dynamic programming over the
    levels): the highest comprehensiveness, or the lowest sufficiency."""
    take = _take(probe, kind)
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


def _greedy(probe: Probe, f: Lookup, kind: str, pool: list[int]) -> tuple[list[int] | None, list[Ids]]:
    """A greedy search for the best nested word sets, one round per bin level: from the words chosen
    so far, each word of ``pool`` is tried as the next one, and the level is filled with the words
    that helped most (removing them lowers the output most, or keeping only them keeps it highest).

    Returns the ranking found (None while outputs are missing) and the inputs still needed."""
    take = _take(probe, kind)
    chosen: list[int] = []
    for k, _ in _levels(probe):
        if len(chosen) >= k:
            continue
        trials = {w: take(chosen + [w]) for w in pool if w not in chosen}
        missing = [ids for ids in trials.values() if f(ids) is None]
        if missing:
            return None, missing
        # comprehensiveness: the lowest output without the set; sufficiency: the highest with only it
        sign = 1.0 if kind == "comprehensiveness" else -1.0
        best = sorted(trials, key=lambda w: (sign * f(trials[w]), w))
        chosen += best[: k - len(chosen)]
    rest = [w for w in range(probe.n_words) if w not in chosen]
    return chosen + rest, []


def _occlusion_order(probe: Probe, f: Lookup) -> list[int] | None:
    effects = [f(probe.occluded(w)) for w in range(probe.n_words)]
    return None if any(e is None for e in effects) else ranking([probe.output - e for e in effects])


class NormalisedComprehensiveness(Metric):
    """(AOPC - random AOPC) / (best AOPC - random AOPC) of comprehensiveness: 0 = random, 1 = the best ranking found.

    The best is exact for short texts (every nested choice of the bins' word sets, at most 256
    inputs: up to about 9 words). Longer, it is the best found: the highest AOPC among this
    method's ranking, every reference ranking given (the other methods of a comparison), the
    ranking by each word's occlusion effect, and a greedy search (one round per bin level). It is
    no bound (a better ranking may exist), but no ranking it saw scores above it, so the value is
    at most 1 and no method is 1 by construction.
    """

    NAME = "normalised_comprehensiveness"
    KIND = "comprehensiveness"

    def _candidates(self, probe: Probe, order: list[int], f: Lookup | None) -> tuple[list[list[int]], list[Ids]]:
        """The rankings compared for the best found, and the inputs still needed to know them all."""
        rankings = [order, *(ranking(r) for r in probe.references)]
        needed = [probe.occluded(w) for w in range(probe.n_words)]
        if f is None:
            return rankings, needed
        occlusion = _occlusion_order(probe, f)
        if occlusion is not None:
            rankings.append(occlusion)
        k_max = max(k for k, _ in _levels(probe))
        pool = list(range(probe.n_words))
        if len(pool) > GREEDY_POOL:  # the words the candidates rank highest
            pool = list(dict.fromkeys(w for depth in range(probe.n_words) for r in rankings
                                      for w in r[depth:depth + 1]))[:max(GREEDY_POOL, k_max)]
        greedy, missing = _greedy(probe, f, self.KIND, pool)
        if greedy is not None:
            rankings.append(greedy)
        return rankings, needed + missing

    def inputs(self, probe, order, f=None):
        needed = aopc_inputs(probe, order, self.KIND)
        for random_order in probe.random_rankings():
            needed += aopc_inputs(probe, random_order, self.KIND)
        exact = _exact_inputs(probe, self.KIND)
        if exact is not None:
            return needed + exact
        rankings, missing = self._candidates(probe, order, f)
        return needed + missing + [ids for r in rankings for ids in aopc_inputs(probe, r, self.KIND)]

    def _aopc(self, probe, order, f) -> float:
        return float(np.mean(aopc_curve(probe, order, f, self.KIND)))

    def best(self, probe: Probe, order: list[int], f) -> tuple[float, str]:
        """The best AOPC (highest comprehensiveness, lowest sufficiency) and how it was found."""
        if _exact_inputs(probe, self.KIND) is not None:
            return _exact_best(probe, f, self.KIND), "best: exact, over every nested choice of the bins' word sets"
        rankings, _ = self._candidates(probe, order, f)
        values = [self._aopc(probe, r, f) for r in rankings]
        best = max(values) if self.KIND == "comprehensiveness" else min(values)
        others = len(probe.references)
        return best, (f"best found: the best of {len(rankings)} rankings (this method's"
                      + (f", {others} other method{'s' if others != 1 else ''}'" if others else "")
                      + ", occlusion's and a greedy search); not a bound")

    def score(self, probe, order, f):
        ours = self._aopc(probe, order, f)
        chance = float(np.mean([self._aopc(probe, r, f) for r in probe.random_rankings()]))
        best, how = self.best(probe, order, f)
        if abs(best - chance) < 1e-12:
            return {"value": None, "note": "every ranking scores the same"}
        return {"value": (ours - chance) / (best - chance), "note": how}


class NormalisedSufficiency(NormalisedComprehensiveness):
    """(random AOPC - AOPC) / (random AOPC - best AOPC) of sufficiency: 0 = random, 1 = the best ranking found (higher is better)."""

    NAME = "normalised_sufficiency"
    KIND = "sufficiency"
