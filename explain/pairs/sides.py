"""The two texts of a word-pair explanation as the units it pairs: tokens, words or sentences of each
text, with their char spans. Special tokens are never a unit (they are kept as they are, like every
single-text method keeps them), so the matrix has no row or column for them."""
from __future__ import annotations

from dataclasses import dataclass

from model.errors import InputError
from model.tokens import Tokenized
from model.validation import check_text

from ..text import features

GRANULARITIES = ("word", "token", "sentence")


@dataclass(frozen=True)
class PairUnit:
    """One row (text A) or column (text B) of the matrix: its text, its char span, its token positions."""

    text: str
    start: int
    end: int
    tokens: tuple[int, ...]


@dataclass(frozen=True)
class Side:
    """One text as the model reads it, and its units."""

    tokenized: Tokenized
    units: tuple[PairUnit, ...]

    @property
    def positions(self) -> list[tuple[int, ...]]:
        return [u.tokens for u in self.units]


def unit_of(tokenized: Tokenized, positions: tuple[int, ...]) -> PairUnit:
    """A unit's span runs from its first token's start to its last token's end; a token with no span of its
    own (a tokenizer's bare "▁") is named by the token itself."""
    spans = [tokenized.offsets[i] for i in positions if tokenized.offsets[i][1] > tokenized.offsets[i][0]]
    if not spans:
        return PairUnit(" ".join(tokenized.tokens[i] for i in positions), 0, 0, tuple(positions))
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return PairUnit(tokenized.text[start:end], start, end, tuple(positions))


def side(model, text: str, granularity: str, what: str) -> Side:
    """``text`` tokenized by ``model`` (a long text: every window, as the model reads it) and cut into units of
    ``granularity`` (one of ``GRANULARITIES``, checked by ``explain_pair``)."""
    check_text(text, what=what)
    tokenized = model.tokenize(text)
    positions = features.units(tokenized, granularity)
    if not positions:
        raise InputError(f"The {what} has no {granularity} the model reads (only characters its tokenizer drops).")
    return Side(tokenized, tuple(unit_of(tokenized, p) for p in positions))
