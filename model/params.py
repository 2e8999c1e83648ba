"""``Param``: one declared parameter, of a method (``explain.Method.PARAMS``) or of a task
(``model.tasks.Task.OPTIONS``). Everything that takes one — validation, defaults, cache keys, CLI
flags, the app's controls — is derived from the declaration, so nothing else spells its name.
It lives here, below both ``model`` and ``explain``, because tasks declare options with it.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError

KINDS = ("int", "float", "choice", "bool", "text")


@dataclass(frozen=True)
class Param:
    """One parameter.

    ``kind``: "int" or "float" (``low``..``high`` inclusive), "choice" (one of ``choices``),
    "bool", or "text" (a string of at most ``high`` characters). A default of None means "not given"
    (the model's or task's own default) and None is then allowed. ``also``: strings a number parameter accepts
    besides numbers (e.g. "auto"). ``budget``: this parameter bounds the method's model
    evaluations (the progress plan uses it and the app shows it among the budget controls).
    ``ui_high``/``step``: the app slider's maximum and step when the library's range is too wide
    for a slider. ``validate``: an extra check of a value (for "text": e.g. a template's braces).
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
    validate: Callable[[Any], Any] | None = None

    def __post_init__(self):
        if not self.name.isidentifier():
            raise InputError(f"A parameter name must be a Python identifier, not {self.name!r}.")
        if self.kind not in KINDS:
            raise InputError(f"Parameter {self.name}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")
        if self.kind in ("int", "float") and (self.low is None or self.high is None or self.low > self.high):
            raise InputError(f"Parameter {self.name}: a number parameter needs low <= high.")
        if self.kind == "text" and (self.high is None or self.high < 1):
            raise InputError(f"Parameter {self.name}: a text parameter needs its longest length as high.")
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
        elif self.kind == "text":
            return f"a string of at most {int(self.high):,} characters"
        else:
            return " or ".join(repr(c) for c in self.choices)
        return text + "".join(f" or {a!r}" for a in self.also)

    def check(self, value: Any) -> Any:
        """The value, validated (numbers normalised to int/float), or one InputError sentence. None is
        allowed where the default is None ("not given": the task's or model's own default)."""
        if isinstance(value, str) and value in self.also:
            return value
        if value is None and self.default is None:
            return None
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
        elif self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
        elif self.kind == "text":
            if isinstance(value, str) and len(value) <= self.high:
                return self.validate(value) if self.validate is not None else value
        elif not isinstance(value, (bool, np.bool_)):
            if self.kind == "int" and isinstance(value, (int, np.integer)) and self.low <= value <= self.high:
                return int(value)
            if self.kind == "float" and isinstance(value, (int, float, np.integer, np.floating)) \
                    and math.isfinite(value) and self.low <= value <= self.high:
                return float(value)
        raise InputError(f"{self.name} must be {self.describe()}; got {_short_repr(value)}.")

    def parse(self, value: Any) -> Any:
        """Like ``check``, but first reads text and whole floats (CLI flags, UI sliders) as the kind."""
        if isinstance(value, str) and not value.strip() and self.default is None:
            return None  # an empty box: the model's own default
        if isinstance(value, str) and value not in self.also and self.kind in ("int", "float", "bool"):
            text = value.strip()
            try:
                value = {"true": True, "false": False}[text.lower()] if self.kind == "bool" else float(text)
            except (KeyError, ValueError):
                raise InputError(f"{self.name} must be {self.describe()}; got {_short_repr(text)}.") from None
        if self.kind == "int" and isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        return self.check(value)


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_declared(owner: str, params) -> None:
    """``params`` as a method or generator declares them: ``Param``s with names of their own, or one sentence
    naming ``owner`` ("Method 'x'")."""
    names = [getattr(p, "name", None) for p in params]
    if not all(isinstance(p, Param) for p in params) or len(set(names)) != len(names):
        raise InputError(f"{owner}: PARAMS must be a tuple of Param with distinct names.")
