"""Group tokens into words with char spans of the original text.

A word is a run of word characters (``\\w+``, as LIME splits text, with combining marks) or a run
of other non-space characters (punctuation, symbols, emoji); in scripts written without spaces
(Chinese, Japanese, Thai, ...) a run is split into dictionary words (``explain.text.segment``). Tokens
join the word their span overlaps; words that one token straddles are merged, so every word's span slices the original text and
covers whole tokens (less the whitespace some tokenizers count into a token's span). A token of
whitespace alone (a decoder's " ") joins the word after it, or the one before it at the end: never a blank
word. Characters the tokenizer dropped (controls, zero-width) belong to no word.
"""
from __future__ import annotations

from .segment import candidate_spans
from .units import Word


def group_words(text: str, offsets, special) -> list[Word]:
    """Words of ``text`` covering the non-special tokens given by their ``offsets``."""
    candidates = candidate_spans(text)
    parent = list(range(len(candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    token_group: dict[int, int] = {}
    blank: list[int] = []  # tokens of whitespace alone (a decoder's " " token), waiting for the next word
    cursor = 0
    for index, ((start, end), is_special) in enumerate(zip(offsets, special)):
        if is_special or end <= start:
            continue
        if not text[start:end].strip():
            blank.append(index)
            continue
        while cursor < len(candidates) and candidates[cursor][1] <= start:
            cursor += 1
        hits = [c for c in range(cursor, len(candidates)) if candidates[c][0] < end] or []
        hits = [c for c in hits if candidates[c][1] > start]
        if not hits:  # the token covers only characters outside every candidate (rare): its own word
            candidates.append((start, end))
            parent.append(len(parent))
            hits = [len(candidates) - 1]
        for other in hits[1:]:
            parent[find(other)] = find(hits[0])
        token_group[index] = hits[0]
        token_group.update((t, hits[0]) for t in blank)  # whitespace joins the word that follows it
        blank = []
    if blank:  # at the end: the word before it, else (a text of whitespace alone) a word of its own
        last = token_group[max(token_group)] if token_group else None
        if last is None:
            candidates.append((offsets[blank[0]][0], offsets[blank[-1]][1]))
            parent.append(len(parent))
            last = len(candidates) - 1
        token_group.update((t, last) for t in blank)

    groups: dict[int, list[int]] = {}
    for index, candidate in token_group.items():
        groups.setdefault(find(candidate), []).append(index)
    members_of: dict[int, list[int]] = {}
    for c in range(len(candidates)):  # only candidates some token touched have their root in groups
        root = find(c)
        if root in groups:
            members_of.setdefault(root, []).append(c)
    words = []
    for root, tokens in groups.items():
        members = members_of[root]
        start = min([candidates[c][0] for c in members] + [offsets[t][0] for t in tokens])
        end = max([candidates[c][1] for c in members] + [offsets[t][1] for t in tokens])
        while start < end and text[start].isspace():  # a token's span may include the space before it
            start += 1  # (SentencePiece "▁word" and byte-level "Ġword" tokens of some tokenizers)
        while end > start and text[end - 1].isspace():
            end -= 1
        words.append(Word(text=text[start:end], start=start, end=end, tokens=tuple(sorted(tokens))))
    return sorted(words, key=lambda w: w.start)
