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

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from model.errors import InputError
from model.tasks import Target
from model.tokens import Tokenized

Steps = Generator["list[tuple[int, ...]] | Computed", "np.ndarray | None", "MethodResult"]
KINDS = ("int", "float", "choice", "bool")


@dataclass(frozen=True)
class Param:
    """One parameter of a method.

    ``kind``: "int" or "float" (``low``..``high`` inclusive), "choice" (one of ``choices``) or
    "bool". ``also``: strings a number parameter accepts besides numbers (e.g. "auto").
    ``budget``: this parameter bounds the method's model evaluations (the progress plan uses it
    and the app shows it among the budget controls). ``ui_high``/``step``: the app slider's
    maximum and step when the library's range is too wide for a slider.
    """

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    help: str = ""
    choices: tuple = ()
    also: tuple[str, ...] = ()
    budget: bool = False
    label: str = ""
    ui_high: float | None = None
    step: float | None = None

    def __post_init__(self):
        if not self.name.isidentifier():
            raise InputError(f"A parameter name must be a Python identifier, not {self.name!r}.")
        if self.kind not in KINDS:
            raise InputError(f"Parameter {self.name}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")
        if self.kind in ("int", "float") and (self.low is None or self.high is None or self.low > self.high):
            raise InputError(f"Parameter {self.name}: a number parameter needs low <= high.")
        if self.kind == "choice" and not self.choices:
            raise InputError(f"Parameter {self.name}: a choice parameter needs its choices.")
        try:
            self.check(self.default)
        except InputError:
            raise InputError(f"Parameter {self.name}: its default {self.default!r} is not {self.describe()}.") from None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def describe(self) -> str:
        """The allowed values in words: "10 to 20,000", "'word' or 'token'"."""
        if self.kind == "int":
            text = f"a whole number from {self.low:,} to {self.high:,}"
        elif self.kind == "float":
            text = f"a number from {self.low:g} to {self.high:g}"
        elif self.kind == "bool":
            return "True or False"
        else:
            return " or ".join(repr(c) for c in self.choices)
        return text + "".join(f" or {a!r}" for a in self.also)

    def check(self, value: Any) -> Any:
        """The value, validated (numbers normalised to int/float), or one InputError sentence."""
        if isinstance(value, str) and value in self.also:
            return value
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
        elif self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
        elif not isinstance(value, (bool, np.bool_)):
            if self.kind == "int" and isinstance(value, (int, np.integer)) and self.low <= value <= self.high:
                return int(value)
            if self.kind == "float" and isinstance(value, (int, float, np.integer, np.floating)) \
                    and math.isfinite(value) and self.low <= value <= self.high:
                return float(value)
        raise InputError(f"{self.name} must be {self.describe()}; got {value!r}.")

    def parse(self, value: Any) -> Any:
        """Like ``check``, but first reads text and whole floats (CLI flags, UI sliders) as the kind."""
        if isinstance(value, str) and value not in self.also and self.kind in ("int", "float", "bool"):
            text = value.strip()
            try:
                value = {"true": True, "false": False}[text.lower()] if self.kind == "bool" else float(text)
            except (KeyError, ValueError):
                raise InputError(f"{self.name} must be {self.describe()}; got {text!r}.") from None
        if self.kind == "int" and isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        return self.check(value)


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

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        """Model evaluations this explanation will need at most (the progress bar's total):
        the value of the budget parameter, or 1."""
        budget = [p.name for p in self.PARAMS if p.budget and isinstance(params.get(p.name), (int, float))]
        return int(params[budget[0]]) if budget else 1
