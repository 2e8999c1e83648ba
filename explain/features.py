"""What an explainer hides together: tokens, words, sentences or paragraphs (``granularity``).

"auto" (the default of SHAP, LIME and occlusion) keeps each method's own unit for a text the model
reads at once (SHAP: tokens, as shap; LIME and occlusion: words) and uses sentences for a text read
as several windows, where thousands of word features would leave any budget coarse.
"""
from __future__ import annotations

import functools

from model.params import Param
from model.tokens import Tokenized

from .explanation import Sentence, Word
from .sentences import group_sentences
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
