"""Evaluate perturbed inputs: each distinct id sequence once, in big batches, under a budget."""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


class BudgetExceeded(ValueError):
    """The explanation ran past its time budget (a ValueError: one clear sentence for users)."""


class CachedEvaluator:
    """Memoises ``evaluate`` per id tuple; counts distinct model evaluations; enforces a deadline.

    Explainers hand over whole frontiers of perturbations; only unseen ones reach the model,
    in one call, which the model batches by its own batch size.
    """

    def __init__(self, evaluate: Callable[[list[list[int]]], np.ndarray], *, seconds: float | None = None,
                 progress: Callable[[int], None] | None = None):
        self._evaluate = evaluate
        self._cache: dict[tuple[int, ...], np.ndarray] = {}
        self.evaluations = 0
        self.requests = 0
        self._deadline = time.perf_counter() + seconds if seconds else None
        self._seconds = seconds
        self._progress = progress

    def seed(self, ids, output: np.ndarray) -> None:
        """Record an output already computed elsewhere (the unperturbed text) so it is not re-run."""
        self._cache[tuple(int(i) for i in ids)] = np.asarray(output, dtype=np.float64)

    def __call__(self, batch: list[tuple[int, ...]]) -> np.ndarray:
        self.requests += len(batch)
        keys = [tuple(int(i) for i in row) for row in batch]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            if self._deadline is not None and time.perf_counter() > self._deadline:
                raise BudgetExceeded(
                    f"The explanation ran out of its {self._seconds:g}-second time budget; "
                    "lower max_evals or num_samples, or shorten the text.")
            outputs = np.asarray(self._evaluate([list(k) for k in missing]), dtype=np.float64)
            self._cache.update(zip(missing, outputs))
            self.evaluations += len(missing)
            if self._progress is not None:
                self._progress(self.evaluations)
        return np.stack([self._cache[k] for k in keys])
