"""What every explainer receives and returns; adding a method = one file + one registry entry.

``explain`` returns a ``MethodResult``, or (for perturbation methods) is a generator that yields
batches of token-id tuples, receives their target outputs ``(len(batch), n_targets)`` and returns
the ``MethodResult``; ``explain.runner`` evaluates the batches (see there why).
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from model.tokens import Tokenized

from .targets import Target

Steps = Generator[list[tuple[int, ...]], np.ndarray, "MethodResult"]


@dataclass
class MethodResult:
    attributions: np.ndarray  # (n_tokens, n_targets)
    base_values: np.ndarray  # (n_targets,)
    meta: dict = field(default_factory=dict)
    attention: np.ndarray | None = None


class Explainer(Protocol):
    NAME: str
    DESCRIPTION: str

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict,
                seed: int) -> MethodResult | Steps: ...
