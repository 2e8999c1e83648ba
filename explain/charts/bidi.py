"""Right-to-left text (Arabic, Hebrew, ...) in its own order on charts, alone or mixed with left-to-right
words: the word grid of a text heatmap is laid out by the Unicode Bidirectional Algorithm's rules for
resolved levels and reordering (UAX #9, W1-W7, N1-N2, I1-I2, L2), applied to words (each word is one
unit: its letters are drawn by the browser, which orders them itself), and a label with right-to-left
letters is wrapped in a first-strong isolate (U+2068 ... U+2069) so the number after it ("مرحبا (2)")
and the labels around it keep their place. Only the drawing changes: words, CSVs and JSON keep the
text's own (logical) order.
"""
from __future__ import annotations

import unicodedata

FSI, PDI = "\u2068", "\u2069"
_RTL = {"R", "AL"}
_NUMBER = {"EN", "AN"}


def strong(text: str) -> str | None:
    """"R" or "L" for the first strong letter of ``text``; None when it has none (digits, punctuation)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _RTL:
            return "R"
        if kind == "L":
            return "L"
    return None


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _RTL for c in text)


def paragraph_rtl(words: list[str]) -> bool:
    """Whether the paragraph is right-to-left: its first strong letter is (P2-P3)."""
    for word in words:
        kind = strong(word)
        if kind is not None:
            return kind == "R"
    return False


def levels(words: list[str], rtl: bool) -> list[int]:
    """Each word's embedding level (0/2 left-to-right, 1 right-to-left) in a paragraph of base level 1
    (``rtl``) or 0: strong words take their direction, numbers are left-to-right inside right-to-left text,
    and neutral words (punctuation) take their neighbours' direction where both sides agree, else the
    paragraph's."""
    base = 1 if rtl else 0
    kinds = []
    for word in words:
        kind = strong(word)
        if kind is None and any(unicodedata.bidirectional(c) in _NUMBER for c in word):
            kind = "N#"  # a number
        kinds.append(kind)
    # Numbers take the direction of the strong text before them for neutral resolution (W2/W7 at word level)
    resolved: list[str | None] = []
    last = "R" if rtl else "L"
    for kind in kinds:
        if kind in ("L", "R"):
            last = kind
            resolved.append(kind)
        elif kind == "N#":
            resolved.append("R" if last == "R" else "L")
        else:
            resolved.append(None)
    # Neutrals between two words of one direction take it (N1), else the paragraph's (N2)
    out_dirs: list[str] = []
    for i, kind in enumerate(resolved):
        if kind is not None:
            out_dirs.append(kind)
            continue
        before = next((resolved[k] for k in range(i - 1, -1, -1) if resolved[k] is not None), "R" if rtl else "L")
        after = next((resolved[k] for k in range(i + 1, len(resolved)) if resolved[k] is not None),
                     "R" if rtl else "L")
        out_dirs.append(before if before == after else ("R" if rtl else "L"))
    result = []
    for kind, direction in zip(kinds, out_dirs):
        if base == 0:  # I1: R goes up one level; numbers after R too
            result.append(1 if direction == "R" else 0)
        else:  # I2: L and numbers go up one level
            result.append(2 if direction == "L" or kind == "N#" else 1)
    return result


def visual_order(words: list[str], rtl: bool | None = None) -> list[int]:
    """The indices of ``words`` (one line, in text order) from left to right as they are drawn (L2: from the
    highest level down to the lowest odd level, reverse every run at that level or higher)."""
    if not words:
        return []
    rtl = paragraph_rtl(words) if rtl is None else rtl
    level = levels(words, rtl)
    order = list(range(len(words)))
    lowest_odd = min((lv for lv in level if lv % 2), default=None)
    if lowest_odd is None:
        return order
    for target in range(max(level), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if level[order[i]] >= target:
                j = i
                while j < len(order) and level[order[j]] >= target:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def isolate(label: str) -> str:
    """``label`` as its own bidirectional unit where it has right-to-left letters (drawn as itself next to
    other text); unchanged otherwise."""
    return f"{FSI}{label}{PDI}" if has_rtl(label) else label
