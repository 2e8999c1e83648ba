"""What every explainer receives and returns; adding a method = one file + one registry entry."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from model.tokens import Tokenized

from .evaluator import CachedEvaluator
from .targets import Target


@dataclass
class MethodResult:
    attributions: np.ndarray  # (n_tokens, n_targets)
    base_values: np.ndarray  # (n_targets,)
    meta: dict = field(default_factory=dict)
    attention: np.ndarray | None = None


class Explainer(Protocol):
    NAME: str
    DESCRIPTION: str

    def explain(self, model, tokenized: Tokenized, target: Target, evaluator: CachedEvaluator, *,
                params: dict, seed: int) -> MethodResult: ...
