"""What an explainer hides together: tokens, words, sentences or paragraphs (``granularity``).

"auto" (the default of SHAP, LIME and occlusion) keeps each method's own unit for a text the model
reads at once (SHAP: tokens, as shap; LIME and occlusion: words) and uses sentences for a text read
as several windows, where thousands of word features would leave any budget coarse.
"""
from __future__ import annotations

import functools

import numpy as np

from model.params import Param
from model.tokens import Tokenized

from .sentences import group_sentences
from .units import Sentence, Word
from .words import group_words

GRANULARITIES = ("token", "word", "sentence", "paragraph")
# One declaration shared by SHAP, LIME and occlusion (the CLI and the app have one control per name).
GRANULARITY = Param("granularity", "choice", "auto", choices=("auto", *GRANULARITIES), label="Granularity",
                    help="what is hidden and shown together: tokens, words, sentences or paragraphs; 'auto': each "
                         "method's own unit (SHAP tokens, LIME and occlusion words) for a text the model reads at "
                         "once, sentences for a longer one")


def fits(model, tokenized: Tokenized) -> bool:
    """Whether the model reads the text at once (one window)."""
    return len(tokenized) <= model.max_length


def resolve(granularity: str, model, tokenized: Tokenized, short: str) -> str:
    """The granularity used: ``granularity``, or for "auto" ``short`` when the text fits one window,
    else "sentence"."""
    if granularity != "auto":
        return granularity
    return short if fits(model, tokenized) else "sentence"


@functools.lru_cache(maxsize=64)
def words_of(tokenized: Tokenized) -> tuple[Word, ...]:
    return tuple(group_words(tokenized.text, tokenized.offsets, tokenized.special))


@functools.lru_cache(maxsize=64)
def sentences_of(tokenized: Tokenized) -> tuple[Sentence, ...]:
    return tuple(group_sentences(tokenized.text, words_of(tokenized)))


@functools.lru_cache(maxsize=64)
def _word_index(tokenized: Tokenized) -> np.ndarray:
    """The word of every token (-1: special tokens and tokens in no word)."""
    out = np.full(len(tokenized), -1)
    for index, word in enumerate(words_of(tokenized)):
        out[list(word.tokens)] = index
    return out


def shares(tokenized: Tokenized, positions) -> np.ndarray:
    """How a unit's value is shared by its tokens: evenly by its words, then evenly by each word's
    tokens (one word: evenly by token; a sentence: each word the same, whatever its token count)."""
    positions = np.asarray(positions, dtype=int)
    words = _word_index(tokenized)[positions]
    words = np.where(words < 0, -1 - positions, words)  # a token in no word counts as a word of its own
    _, inverse, counts = np.unique(words, return_inverse=True, return_counts=True)
    return 1.0 / (len(counts) * counts[inverse])


def units(tokenized: Tokenized, granularity: str) -> list[tuple[int, ...]]:
    """Token positions hidden together, in text order: every content token, word, sentence or
    paragraph (special tokens are never hidden)."""
    if granularity == "token":
        return [(i,) for i in tokenized.content_positions]
    if granularity == "word":
        return [w.tokens for w in words_of(tokenized)]
    sentences = sentences_of(tokenized)
    if granularity == "sentence":
        return [s.tokens for s in sentences]
    paragraphs: dict[int, list[int]] = {}
    for sentence in sentences:
        paragraphs.setdefault(sentence.paragraph, []).extend(sentence.tokens)
    return [tuple(sorted(tokens)) for tokens in paragraphs.values()]
