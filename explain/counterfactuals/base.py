"""The generator contract and registry: adding a counterfactual generator is one file (a
``Generator`` subclass) and one ``register_generator`` line, like a method. A generator proposes
candidate edits; the search (``explain.counterfactuals.search``) combines them, runs the model on
every candidate text and keeps only those whose answer changed.

A generator declares ``NAME``, ``LABEL`` (the page's words), ``DESCRIPTION`` and ``PARAMS`` (a tuple of
``Param``): the what-if editor's controls and the CLI's flags come from them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from model.errors import InputError
from model.params import Param, check_declared
from model.registries import Registry
from model.tasks import TargetSpec, Task
from model.tokens import Tokenized

from ..text.units import Word
from .edits import Edit


@dataclass
class Context:
    """What a generator works from: the original text and its words, the request's spec (the task's
    outputs: ``spec.score`` is differentiable), the explained ``column`` and which ``direction`` changes
    the answer (+1: lowering it), the original's full output, the model calls (``scores``: full output
    rows of texts), a seeded random generator for ties."""

    model: object
    task: Task
    spec: TargetSpec
    text: str
    tokenized: Tokenized
    words: list[Word]
    original: np.ndarray
    column: int
    direction: float
    scores: Callable[[list[str]], np.ndarray]
    rng: np.random.Generator
    notes: list[str] = field(default_factory=list)


class Generator:
    """Base of every counterfactual generator."""

    NAME: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()

    def candidates(self, context: Context, params: dict) -> list[list[Edit]]:
        """Places to edit, most promising first: each a list of alternative word-level edits there."""
        raise NotImplementedError


def _check_generator(cls: type[Generator], generators: Registry) -> None:
    name = cls.NAME
    if not isinstance(cls.DESCRIPTION, str) or not cls.DESCRIPTION.strip():
        raise InputError(f"Generator {name!r} needs a one-sentence DESCRIPTION.")
    check_declared(f"Generator {name!r}", cls.PARAMS)


GENERATORS: Registry[type[Generator]] = Registry("generator", check=_check_generator)


def register_generator(cls: type[Generator], *, built_in: bool = False) -> type[Generator]:
    """Add a generator class (usable as a decorator); its NAME must be new and its PARAMS ``Param``s."""
    if not (isinstance(cls, type) and issubclass(cls, Generator)):
        raise InputError("register_generator takes a subclass of explain.counterfactuals.Generator.")
    return GENERATORS.register(cls, built_in=built_in)


def unregister_generator(name: str) -> None:
    """Remove a generator registered from outside; built-in ones stay."""
    GENERATORS.unregister(name)


def get_generator(name: object) -> type[Generator]:
    return GENERATORS.named(name)


def generator_params() -> dict[str, Param]:
    """Every registered generator's parameters by name (the CLI's flags, the page's controls)."""
    out: dict[str, Param] = {}
    for cls in GENERATORS.values():
        for p in cls.PARAMS:
            out.setdefault(p.name, p)
    return out
