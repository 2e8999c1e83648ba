"""Words in every script: where a script writes no spaces between its words (Chinese, Japanese, Thai,
Lao, Khmer, Myanmar), a run of word characters is split into dictionary words by ICU's word break
iterator (``icu4py``, which bundles ICU and its dictionaries: one dependency for all six scripts).

Chosen by measurement (``python -m bench.segmenters``, README "Every language"): on 30 hand-segmented
sentences ICU's word F1 is 0.848 in Chinese (jieba 0.812), 0.971 in Thai (PyThaiNLP's newmm 0.837) and
0.881 in Japanese (SudachiPy 0.983, but with a 207 MB dictionary); ICU is 44 MB installed and covers
all six scripts, where the alternatives are one package and dictionary per language.

Only runs that contain such characters are touched: text in spaced scripts keeps exactly the words
it had (``refine`` returns the same spans). A word character here is ``\\w`` or a combining mark
(Thai and Devanagari vowel signs are marks, which ``\\w`` alone cuts out of their word).
"""
from __future__ import annotations

import functools
import re

import regex

# The scripts ICU breaks with a dictionary (they put no spaces between words).
UNSPACED = re.compile(
    "["
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"  # Myanmar
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b"  # CJK iteration and numeral marks
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana (and half-width)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\U00020000-\U0003134f"  # Han, extensions B to H
    "]")

# Words: runs of word characters and combining marks; other runs: punctuation and symbols.
WORD_OR_SYMBOLS = regex.compile(r"[\w\p{M}]+|[^\w\p{M}\s]+")


def has_unspaced(text: str) -> bool:
    """True when ``text`` has a character of a script written without spaces between words."""
    return bool(UNSPACED.search(text))


@functools.lru_cache(maxsize=4096)
def dictionary_words(run: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each word ICU finds in ``run`` (no whitespace in it), relative to the run."""
    from icu4py.breakers import WordBreaker
    from icu4py.locale import Locale

    # The root locale: ICU picks the dictionary by each character's script, whatever the locale.
    return tuple((a, b) for a, b in WordBreaker(run, Locale("root")).segments() if b > a)


def refine(text: str, spans) -> list[tuple[int, int]]:
    """``spans`` of ``text`` with each span that holds unspaced-script characters split into its
    dictionary words (a span without them is kept as it is)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        piece = text[start:end]
        if not UNSPACED.search(piece):
            out.append((start, end))
            continue
        out.extend((start + a, start + b) for a, b in dictionary_words(piece) if piece[a:b].strip())
    return out


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """Words and runs of other non-space characters of ``text``, dictionary words in unspaced scripts."""
    return refine(text, [m.span() for m in WORD_OR_SYMBOLS.finditer(text)])


def word_spans(text: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    """The spans ``pattern`` finds in ``text``, those in unspaced scripts split into dictionary words."""
    return refine(text, [m.span() for m in pattern.finditer(text)])


def on_boundaries(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` begins and ends at word boundaries of ``text`` (as dictionary words
    count them where the script writes no spaces, as ``\\w`` does elsewhere)."""
    if start >= end:
        return False
    bounds = {b for span in candidate_spans(text) for b in span}
    left_ok = start == 0 or start in bounds or not _word_char(text[start - 1]) or not _word_char(text[start])
    right_ok = end == len(text) or end in bounds or not _word_char(text[end]) or not _word_char(text[end - 1])
    return left_ok and right_ok


def _word_char(char: str) -> bool:
    return bool(_WORD_CHAR.match(char))


_WORD_CHAR = regex.compile(r"[\w\p{M}]")
