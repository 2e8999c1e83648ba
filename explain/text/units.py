"""The pieces of an explained text: tokens, words and sentences (each a frozen row with char spans of
the text), and the frozen containers an Explanation is made of. Below ``explanation``, ``words`` and
``sentences``, which all build or read them."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

_HAS_WORD_CHAR = re.compile(r"\w")


class FrozenDict(Mapping):
    """A read-only mapping (``meta``): ``meta["x"] = 1`` raises TypeError."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | None = None):
        self._data = dict(data or {})

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __reduce__(self):
        return FrozenDict, (self._data,)


def freeze(value: Any) -> Any:
    """Dicts become FrozenDicts, lists and arrays tuples, NumPy scalars Python numbers."""
    if isinstance(value, Mapping):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, np.ndarray):
        return freeze(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def thaw(value: Any) -> Any:
    """The JSON-ready copy of a frozen value: dicts and lists again."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


class _Row:
    """Read access by key, for code written when tokens and words were dicts."""

    def __getitem__(self, key: str):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self) -> dict:
        return {f.name: thaw(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class Token(_Row):
    """One token as the model read it; ``text[start:end]`` of the explained text (special: (0, 0))."""

    text: str
    start: int
    end: int
    special: bool


@dataclass(frozen=True)
class Word(_Row):
    """A word of the explained text (``text[start:end]``) and the indices of its tokens."""

    text: str
    start: int
    end: int
    tokens: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "tokens", tuple(int(t) for t in self.tokens))

    @property
    def is_word(self) -> bool:
        """True for words with a letter or digit (LIME's features); False for pure punctuation."""
        return bool(_HAS_WORD_CHAR.search(self.text))


@dataclass(frozen=True)
class Sentence(_Row):
    """A sentence of the explained text (``text[start:end]``): its tokens (those of its words) and
    the paragraph it belongs to (0, 1, ...; paragraphs are separated by blank lines)."""

    text: str
    start: int
    end: int
    tokens: tuple[int, ...]
    paragraph: int = 0

    def __post_init__(self):
        object.__setattr__(self, "tokens", tuple(int(t) for t in self.tokens))
