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
from model.params import Param
from model.tasks import TargetSpec, Task
from model.tokens import Tokenized

from ..units import Word
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


GENERATORS: dict[str, type[Generator]] = {}


def register_generator(cls: type[Generator]) -> type[Generator]:
    """Add a generator class (usable as a decorator); its NAME must be new and its PARAMS ``Param``s."""
    if not (isinstance(cls, type) and issubclass(cls, Generator)):
        raise InputError("register_generator takes a subclass of explain.counterfactuals.Generator.")
    name = cls.NAME
    if not isinstance(name, str) or not name.replace("_", "").isalnum() or not name[:1].isalpha():
        raise InputError(f"A generator NAME must be a short word of letters, digits or '_', not {name!r}.")
    if not isinstance(cls.DESCRIPTION, str) or not cls.DESCRIPTION.strip():
        raise InputError(f"Generator {name!r} needs a one-sentence DESCRIPTION.")
    names = [p.name for p in cls.PARAMS]
    if not all(isinstance(p, Param) for p in cls.PARAMS) or len(set(names)) != len(names):
        raise InputError(f"Generator {name!r}: PARAMS must be a tuple of Param with distinct names.")
    if name in GENERATORS and GENERATORS[name] is not cls:
        raise InputError(f"A generator named {name!r} is already registered.")
    GENERATORS[name] = cls
    return cls


def unregister_generator(name: str) -> None:
    GENERATORS.pop(name, None)


def get_generator(name: object) -> type[Generator]:
    if not isinstance(name, str) or name not in GENERATORS:
        raise InputError(f"generator must be one of {', '.join(GENERATORS)}; got {name!r}.")
    return GENERATORS[name]


def generator_params() -> dict[str, Param]:
    """Every registered generator's parameters by name (the CLI's flags, the page's controls)."""
    out: dict[str, Param] = {}
    for cls in GENERATORS.values():
        for p in cls.PARAMS:
            out.setdefault(p.name, p)
    return out
