"""What every metric of the scorecard works on: one explained input, its words ranked by attribution,
and the perturbed inputs (token ids, never re-tokenised text) that the runner evaluates.

A metric is one class with ``NAME``, ``LOWER_IS_BETTER`` and a docstring whose first line is its
definition; ``inputs(probe, order)`` lists the token-id inputs it needs (every metric's inputs go to
the model together, each distinct one once) and ``score(probe, order, f)`` turns their outputs into
its value, where ``f(ids)`` is the explained output for an input it asked for.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from model.errors import InputError

BINS = (0.01, 0.05, 0.10, 0.20, 0.50)  # ERASER's fractions of the words
REMOVALS = ("delete", "mask")
Ids = tuple[int, ...]


def ranking(values: np.ndarray) -> list[int]:
    """Word indices by attribution, highest first; ties by position."""
    return sorted(range(len(values)), key=lambda i: (-float(values[i]), i))


@dataclass(frozen=True)
class Probe:
    """One explained input as the metrics see it."""

    ids: Ids
    special: tuple[bool, ...]
    word_tokens: tuple[tuple[int, ...], ...]  # token positions of each word
    attributions: np.ndarray  # (n_words,) for the evaluated target
    output: float  # f(x), the explained output on the full input
    removal: str  # "delete" (ERASER) or "mask"
    mask_id: int
    seed: int
    draws: int  # random rankings averaged for the control
    output_kind: str  # "probability", "score", "logit", "cosine similarity"
    references: tuple[np.ndarray, ...] = ()  # other methods' word values (the normalised metrics' best found)

    @property
    def n_words(self) -> int:
        return len(self.word_tokens)

    def top_k(self, q: float) -> int:
        return max(1, math.ceil(q * self.n_words))

    def ranking(self) -> list[int]:
        return ranking(self.attributions)

    def reordered(self, order: list[int]) -> Probe:
        """This probe with its own word values put in ``order`` (the largest to ``order[0]``): the
        random control of a metric that reads the values rather than the ranking."""
        values = np.sort(np.asarray(self.attributions, dtype=np.float64))[::-1]
        moved = np.empty_like(values)
        moved[np.asarray(order, dtype=int)] = values
        return dataclasses.replace(self, attributions=moved)

    def random_rankings(self) -> list[list[int]]:
        rng = np.random.default_rng(self.seed)
        return [list(rng.permutation(self.n_words)) for _ in range(self.draws)]

    def _positions(self, words) -> set[int]:
        return {t for w in words for t in self.word_tokens[w]}

    def without(self, words, removal: str | None = None) -> Ids:
        """The input with these words' tokens deleted (or masked); special tokens always kept."""
        hidden = self._positions(words)
        if (removal or self.removal) == "mask":
            return tuple(self.mask_id if i in hidden else t for i, t in enumerate(self.ids))
        return tuple(t for i, t in enumerate(self.ids) if i not in hidden)

    def occluded(self, word: int) -> Ids:
        """The input with one word masked (leave-one-out)."""
        return self.without([word], removal="mask")

    def occlusion_effects(self, f: Callable[[Ids], float]) -> list[float]:
        """Each word's leave-one-out effect f(x) - f(x with the word masked)."""
        return [self.output - f(self.occluded(w)) for w in range(self.n_words)]

    def only(self, words) -> Ids:
        """The input with only these words (and the special tokens) left."""
        kept = set(words)
        return self.without([w for w in range(self.n_words) if w not in kept])


def aopc_curve(probe: Probe, order: list[int], f: Callable[[Ids], float], kind: str) -> list[float]:
    """Per bin: f(x) - f(x without the top k words) ("comprehensiveness") or f(x) - f(only them)."""
    take = probe.without if kind == "comprehensiveness" else probe.only
    return [probe.output - f(take(order[: probe.top_k(q)])) for q in BINS]


def aopc_inputs(probe: Probe, order: list[int], kind: str) -> list[Ids]:
    take = probe.without if kind == "comprehensiveness" else probe.only
    return [take(order[: probe.top_k(q)]) for q in BINS]


class Metric:
    """Base of every scorecard metric; register one with ``explain.register_metric``.

    ``NAME``, ``LOWER_IS_BETTER``, and a docstring whose first line is the metric's one-line
    definition. A metric either lists the perturbed inputs it needs (``inputs``) and turns their
    outputs into its value (``score``), or, with ``RERUNS = True``, re-runs the method itself
    (``measure``: it gets the word values of the same explanation made with another seed).
    Every metric gets a random control: the same computation for a random ranking of the words
    (the explanation's own values put in a random order).
    """

    NAME: ClassVar[str] = ""
    LOWER_IS_BETTER: ClassVar[bool] = False
    NEEDS_PROBABILITY: ClassVar[bool] = False  # only for outputs that are probabilities
    RERUNS: ClassVar[bool] = False  # re-runs the method (``measure``) instead of listing inputs

    @classmethod
    def definition(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    def applies(self, probe: Probe) -> bool:
        return not self.NEEDS_PROBABILITY or probe.output_kind in ("probability", "score")

    def inputs(self, probe: Probe, order: list[int], f: Callable[[Ids], float] | None = None) -> list[Ids]:
        """The inputs this metric needs for ``order`` (the words ranked, highest first); called again
        with ``f`` (the outputs so far) for a metric whose inputs depend on outputs (a second round)."""
        return []

    def score(self, probe: Probe, order: list[int], f: Callable[[Ids], float]) -> float | dict | None:
        """The value for ``order``: a number, None where it does not apply, or ``{"value": v,
        "curve": [...]}`` for a metric with a value per bin."""
        raise NotImplementedError

    def measure(self, values: Callable[[int], np.ndarray], seed: int) -> float | None:
        """(``RERUNS`` metrics) the value from ``values(seed)``: the word attributions of the same
        explanation made with ``seed`` (the explanation's own seed included)."""
        raise NotImplementedError


@dataclass(frozen=True)
class MetricValue:
    """One metric's result: its ``value``, the same for a random ranking (``random``), the better
    direction, the value per bin where it has one, and a ``note`` on how it was computed."""

    name: str
    value: float | None
    random: float | None
    lower_is_better: bool
    curve: tuple[float, ...] | None = None
    random_curve: tuple[float, ...] | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "random": self.random,
                "lower_is_better": self.lower_is_better,
                "curve": None if self.curve is None else list(self.curve),
                "random_curve": None if self.random_curve is None else list(self.random_curve), "note": self.note}


def check_removal(removal: object) -> str:
    if removal not in REMOVALS:
        raise InputError(f"removal must be 'delete' or 'mask', not {removal!r}.")
    return removal
