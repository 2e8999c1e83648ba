"""The method contract: adding a method is one file (a ``Method`` subclass) and one
``register_method`` line.

A method declares ``NAME``, ``DESCRIPTION`` and ``PARAMS`` (a tuple of ``Param``); validation,
defaults, the cache key, the progress plan, the CLI flags and the app's controls are all derived
from ``PARAMS``, so nothing else names a method. ``explain`` returns a ``MethodResult``, or (for
perturbation methods) is a generator that yields batches of token-id tuples, receives their target
outputs ``(len(batch), n_targets)`` and returns the ``MethodResult``; ``explain.runner`` evaluates
the batches (see there why). Gradient methods differentiate ``target.score`` (the task's
differentiable output) and may yield ``Computed(rows)`` between their passes for progress.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from model.params import Param
from model.tasks import Target
from model.tokens import Tokenized

Steps = Generator["list[tuple[int, ...]] | Computed", "np.ndarray | None", "MethodResult"]


@dataclass(frozen=True)
class Computed:
    """Yielded by a method that runs model passes itself (gradients): ``rows`` forward and backward
    rows were done, so the runner counts them and reports progress. The method gets None back."""

    rows: int


@dataclass
class MethodResult:
    """What a method computes for one text: ``attributions`` (n_tokens, n_targets), ``base_values``
    (n_targets,), method-specific ``meta``; attention methods also return the weights they read."""

    attributions: np.ndarray
    base_values: np.ndarray
    meta: dict = field(default_factory=dict)
    attention: np.ndarray | None = None  # (layers, heads, n, n)
    rollout: np.ndarray | None = None  # (n, n)


class Method:
    """Base class of every explanation method (captum's ``attribute()``, ferret's ``BaseExplainer``)."""

    NAME: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""  # how charts name it ("SHAP"); default NAME
    DESCRIPTION: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    # "attribution": signed contributions to the explained output; "attention": non-negative
    # weights the model reads, the same for every label (charts draw them differently).
    KIND: ClassVar[str] = "attribution"
    NEEDS_TARGET: ClassVar[bool] = True  # False: runs without labels / pair (``target`` is then None)
    SEEDED: ClassVar[bool] = False  # the seed changes the result
    ADDITIVE: ClassVar[bool] = False  # attributions + base values = outputs (charts then show the base)
    COLOUR: ClassVar[str | None] = None  # its colour in charts (None: one from the palette)
    COMPARE_DEFAULT: ClassVar[bool] = True  # ticked in the app's Compare view unless the user unticks it

    def explain(self, model, tokenized: Tokenized, target: Target | None, *, params: dict,
                seed: int) -> MethodResult | Steps:
        raise NotImplementedError

    @classmethod
    def seed_dependent(cls, explanation) -> bool:
        """Whether another seed could have given this explanation other values (the scorecard's stability)."""
        return cls.SEEDED

    @classmethod
    def note(cls, explanation, target: int) -> str:
        """One line a chart shows beside this method's result for one target (e.g. LIME's R²)."""
        return ""

    @classmethod
    def most_evaluations(cls, params: dict, default: float) -> float:
        """The model evaluations this method's budget parameter allows at most (GPU time is sized from it):
        its value in ``params`` (else its default; a word such as "auto" counts as the slider's top);
        ``default`` for a method without a budget parameter."""
        for param in cls.PARAMS:
            if param.budget:
                value = params.get(param.name)
                value = param.default if value is None else value
                if isinstance(value, str) and value not in param.also:
                    try:
                        value = float(value)
                    except ValueError:
                        return default
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    return float(param.ui_high or param.high)
                return float(value) if value > 0 and value == value and value != float("inf") else default
        return default

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        """Model evaluations this explanation will need at most (the progress bar's total):
        the value of the budget parameter, or 1."""
        budget = [p.name for p in self.PARAMS if p.budget and isinstance(params.get(p.name), (int, float))]
        return int(params[budget[0]]) if budget else 1
