"""Training examples: pasted ``text, label`` lines or a file's rows, checked (empty texts and duplicates
dropped and counted, caps on rows, labels and characters, at least two labels of two examples each)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..errors import InputError
from ..validation import MAX_LABEL_CHARS

MAX_ROWS = 5_000
MAX_LABELS = 100
MAX_CHARS = 2_000


@dataclass(frozen=True)
class Examples:
    """Checked training data: texts, their label indices, the label names, and what was left out."""

    texts: tuple[str, ...]
    targets: tuple[int, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        counts = Counter(self.targets)
        return {label: counts[i] for i, label in enumerate(self.labels)}


def parse_pasted(text: str) -> tuple[list[str], list[str], list[str]]:
    """``text, label`` (or ``text<TAB>label``) per line, split at the last separator (texts may
    contain commas). Returns texts, labels and a sentence per line that has no label."""
    if not isinstance(text, str):
        raise InputError("The examples must be text: one 'text, label' per line.")
    texts, labels, problems = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cut = line.rfind("\t") if "\t" in line else line.rfind(",")
        if cut <= 0 or not line[cut + 1:].strip():
            problems.append(f"line {number}: no label after a comma")
            continue
        texts.append(line[:cut].strip())
        labels.append(line[cut + 1:].strip())
    return texts, labels, problems


def left_out(problems: list[str]) -> tuple[str, ...]:
    """The note on lines that had no usable text and label (counted, the first quoted)."""
    if not problems:
        return ()
    return (f"{len(problems)} line{'s' if len(problems) > 1 else ''} without a text and a label left out "
            f"(first: {problems[0]})",)


def examples_from_rows(rows, **caps) -> Examples:
    """Examples from a file's rows (``explain.dataset.read_rows``): rows that could not be read or have
    no label are left out, and a note says so."""
    rows = list(rows)
    problems = [r.error for r in rows if r.error] + [f"line {r.line}: no label" for r in rows
                                                     if not r.error and r.label is None]
    good = [r for r in rows if not r.error and r.label is not None]
    return prepare_examples([r.text for r in good], [r.label for r in good], notes=left_out(problems), **caps)


def prepare_examples(texts, labels, *, max_rows: int = MAX_ROWS, max_labels: int = MAX_LABELS,
                     max_chars: int = MAX_CHARS, notes: tuple[str, ...] = ()) -> Examples:
    """Drop empty texts and duplicates (saying how many), then check the caps: at least 2 labels,
    2 examples per label, at most ``max_rows`` rows, ``max_labels`` labels, ``max_chars`` characters."""
    if not isinstance(texts, (list, tuple)) or not isinstance(labels, (list, tuple)) or len(texts) != len(labels):
        raise InputError("Give two lists of the same length: the texts and their labels.")
    if len(texts) > max_rows:
        raise InputError(f"{len(texts):,} examples were given; the limit is {max_rows:,}.")
    kept_texts, kept_labels, seen = [], [], {}
    empty = duplicates = conflicts = 0
    for number, (text, label) in enumerate(zip(texts, labels), start=1):
        if not isinstance(text, str) or not isinstance(label, str):
            raise InputError(f"Example {number}: the text and the label must be strings.")
        text, label = text.strip(), label.strip()
        if not text:
            empty += 1
            continue
        if not label:
            raise InputError(f"Example {number} has no label.")
        if len(text) > max_chars:
            raise InputError(f"Example {number} has {len(text):,} characters; the limit is {max_chars:,}.")
        if len(label) > MAX_LABEL_CHARS:
            raise InputError(f"Example {number}'s label has {len(label)} characters; the limit is {MAX_LABEL_CHARS}.")
        if text in seen:
            if seen[text] != label:
                conflicts += 1
            duplicates += 1
            continue
        seen[text] = label
        kept_texts.append(text)
        kept_labels.append(label)
    names = sorted(set(kept_labels))
    if len(names) < 2:
        found = "this data has one" if names else "no example has a text"
        raise InputError(f"Training needs at least 2 different labels; {found}.")
    if len(names) > max_labels:
        raise InputError(f"{len(names)} different labels were given; the limit is {max_labels}.")
    counts = Counter(kept_labels)
    few = [n for n in names if counts[n] < 2]
    if few:
        raise InputError(f"Every label needs at least 2 examples; {len(few)} ha{'s' if len(few) == 1 else 've'} "
                         f"one (first: {few[0]!r}).")
    notes = list(notes)
    if empty:
        notes.append(f"{empty} empty text{'s' if empty > 1 else ''} left out")
    if duplicates:
        notes.append(f"{duplicates} duplicate text{'s' if duplicates > 1 else ''} left out (the first kept"
                     + (f"; {conflicts} of them with a different label" if conflicts else "") + ")")
    index = {n: i for i, n in enumerate(names)}
    return Examples(tuple(kept_texts), tuple(index[label] for label in kept_labels), tuple(names), tuple(notes))
