"""Paragraphs and sentences of a text, each with the tokens it covers.

Paragraphs are separated by blank lines (in a text without any, by line breaks). Sentences are
found inside each paragraph by ``sentencex`` (Wikimedia's rule-based segmenter: abbreviations such
as "Mr." or "e.g.", decimals and ellipses do not end a sentence), so no sentence crosses a
paragraph. A sentence is made of whole words (``explain.text.words``): a word belongs to the sentence
its first character is in, so every token of a word is in exactly one sentence and sentence
values are sums of word values, just as word values are sums of token values.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .units import Sentence, Word

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
LANGUAGE = "en"  # sentencex's rules for English also split most European text at . ! ? and quotes


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: the text between blank lines (or between line breaks, when
    there is no blank line), without the surrounding whitespace; never empty."""
    breaks = _BLANK_LINE if _BLANK_LINE.search(text) else _LINE_BREAK
    spans, start = [], 0
    for match in breaks.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def sentence_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of each sentence, in text order."""
    from sentencex import segment  # (imported here: only long texts and sentence views need it)

    out = []
    for paragraph, (a, b) in enumerate(paragraph_spans(text)):
        chunk, cursor = text[a:b], 0
        starts = []
        for piece in segment(LANGUAGE, chunk):
            piece = piece.strip()
            at = chunk.find(piece, cursor) if piece else -1
            if at >= 0:
                starts.append(at)
                cursor = at + len(piece)
        starts = sorted(set([0] + starts))
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(chunk)
            out.append((a + start, a + end, paragraph))
    return out


def group_sentences(text: str, words: Sequence[Word]) -> list[Sentence]:
    """The sentences of ``text``, each made of the ``words`` whose first character is in it
    (sentences without a word are dropped)."""
    spans = sentence_spans(text) if words else []
    if not spans:
        return []
    starts = [s for s, _, _ in spans]
    members: dict[int, list[Word]] = {}
    for word in words:
        members.setdefault(max(0, bisect.bisect_right(starts, word.start) - 1), []).append(word)
    sentences = []
    for index in sorted(members):
        group = members[index]
        start, end = group[0].start, max(w.end for w in group)
        sentences.append(Sentence(text=text[start:end], start=start, end=end,
                                  tokens=tuple(sorted(t for w in group for t in w.tokens)),
                                  paragraph=spans[index][2]))
    return sentences
