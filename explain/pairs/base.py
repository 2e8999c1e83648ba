"""What a word-pair method is: ``NAME``, ``LABEL``, ``DESCRIPTION``, ``PARAMS`` and
``explain(model, a, b, params=..., budget=..., progress=...)`` returning a ``PairResult`` (the matrix,
what it adds up to and why). One file per method, one ``register_pair_method`` call, as for methods."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from model.base import as_float64
from model.budget import Budget
from model.params import Param
from model.tasks.embedding import cosine

from .sides import Side

Progress = Callable[[int, int], None] | None


@dataclass
class PairResult:
    matrix: np.ndarray  # (units of A, units of B)
    expected_sum: float
    note: str
    terms: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


class PairMethod:
    NAME: str = ""
    LABEL: str = ""
    DESCRIPTION: str = ""
    PARAMS: tuple[Param, ...] = ()

    def planned(self, model, a: Side, b: Side, params: dict) -> int:
        """Model evaluations (sequences read, or differentiated) the explanation plans: its progress bar."""
        raise NotImplementedError

    def explain(self, model, a: Side, b: Side, *, params: dict, budget: Budget, progress: Progress) -> PairResult:
        raise NotImplementedError


def similarities(model, seqs_a: list, seqs_b: list) -> np.ndarray:
    """Cosine similarity (float64) of every sequence of token ids in ``seqs_a`` with every one in ``seqs_b``;
    each side read in one batched call of its own (so explaining (b, a) reads exactly the same batches)."""
    vectors_a = as_float64(model.predict_ids(seqs_a))
    vectors_b = as_float64(model.predict_ids(seqs_b))
    return cosine(vectors_a, vectors_b).numpy()
