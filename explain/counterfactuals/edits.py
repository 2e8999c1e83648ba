"""Edits of a text: character spans of the original and what each became. A counterfactual's edits
cover exactly what changed, so applying them to the original rebuilds the counterfactual's text."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """``text[start:end]`` of the original, ``before``, became ``after`` ("" for a deletion)."""

    start: int
    end: int
    before: str
    after: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "before": self.before, "after": self.after}


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with non-overlapping edits applied, exactly as they say."""
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[cursor:edit.start])
        out.append(edit.after)
        cursor = edit.end
    out.append(text[cursor:])
    return "".join(out)


def exact(text: str, edits: Sequence[Edit]) -> tuple[Edit, ...]:
    """Word-level edits made exact: a deleted word takes the whitespace that separated it from its
    neighbours with it (the space after it, or before it at the end of a line or the text), so the
    words left keep one separator and no space is left at either end; words deleted side by side
    are one run. Replacements stay as they are. Sorted by position."""
    edits = sorted(edits, key=lambda e: e.start)
    out: list[Edit] = []
    i = 0
    while i < len(edits):
        if edits[i].after:
            out.append(edits[i])
            i += 1
            continue
        run = [edits[i]]  # deletions separated from the next only by whitespace
        while i + len(run) < len(edits) and not edits[i + len(run)].after \
                and not text[run[-1].end:edits[i + len(run)].start].strip():
            run.append(edits[i + len(run)])
        out += _delete_run(text, run)
        i += len(run)
    return tuple(out)


def _delete_run(text: str, run: list[Edit]) -> list[Edit]:
    """One run of deleted words as exact edits (one per word, with the whitespace each takes)."""
    start, end = run[0].start, run[-1].end
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    at_line_start = before == 0 or text[before - 1] == "\n"
    trailing = after > end and (at_line_start or before < start) and after < len(text) and text[after] != "\n"
    pieces = []
    for k, word in enumerate(run):
        if trailing:  # each word takes the whitespace after it
            stop = run[k + 1].start if k + 1 < len(run) else after
            pieces.append((word.start, stop))
        else:  # each word takes the whitespace before it (the last words of a line or of the text)
            begin = run[k - 1].end if k else before
            pieces.append((begin, word.end))
    return [Edit(a, b, text[a:b], "") for a, b in pieces]


def overlapping(edits: Sequence[Edit]) -> bool:
    spans = sorted((e.start, e.end) for e in edits)
    return any(a[1] > b[0] for a, b in zip(spans, spans[1:]))


def same_case(original: str, replacement: str) -> str:
    """The replacement in the original word's case (GOOD -> BAD, Good -> Bad)."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
