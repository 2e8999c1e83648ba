"""Input checks shared by every model: each failure is one InputError (a ValueError) sentence.

Validation lives here, apart from the models (like transformers' ArgumentHandler), so the
library, the CLI and the app all reject bad input the same way and before any model call.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .errors import InputError

MAX_LABELS = 20
MAX_LABEL_CHARS = 100
MAX_TEXTS = 5_000
MAX_TEXT_CHARS = 100_000
MAX_TEMPLATE_CHARS = 300
MAX_LINES = 50  # texts compared at once (one per line)
MAX_LINES_CHARS = 200_000

# Hub ids are "owner/name" (or a bare legacy "name"): letters, digits, '-', '_', '.'; never a path.
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_REVISION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """"1 row", "2 rows", "1,000 rows": a count with its noun in the right number."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def check_whole(name: str, value: object, low: int, high: int) -> int:
    """A whole number (not a bool) from ``low`` to ``high``, else one InputError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise InputError(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.")
    return int(value)


def check_seconds(value: object, high: float, *, what: str = "seconds") -> float | None:
    """A time budget: a number above 0 and at most ``high``, or None for no budget."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 < value <= high:
        raise InputError(f"{what} must be a number above 0 and at most {high:g}, or None; got {value!r}.")
    return float(value)


def check_text(text: object, *, what: str = "text") -> str:
    """Return ``text`` if it is a non-blank string of bounded size, else raise one InputError."""
    if text is None:
        raise InputError(f"The {what} is missing: give a non-empty string.")
    if not isinstance(text, str):
        raise InputError(f"The {what} must be a string, not {type(text).__name__}.")
    if not text.strip():
        raise InputError(f"The {what} is empty: give at least one word.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"The {what} has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}."
        )
    return text


def check_texts(texts: object) -> list[str]:
    """Accept one string or a non-empty list of strings; return a list of checked strings."""
    if isinstance(texts, str):
        return [check_text(texts)]
    if texts is None:
        raise InputError("The texts are missing: give a string or a list of strings.")
    if not isinstance(texts, Sequence) or isinstance(texts, (bytes, bytearray)):
        raise InputError(f"The texts must be a string or a list of strings, not {type(texts).__name__}.")
    if len(texts) == 0:
        raise InputError("The list of texts is empty: give at least one text.")
    if len(texts) > MAX_TEXTS:
        raise InputError(f"{len(texts):,} texts were given; the limit is {MAX_TEXTS:,} per call.")
    return [check_text(t, what=f"text at position {i}") for i, t in enumerate(texts)]


def text_lines(texts: object, *, least: int = 2, most: int = MAX_LINES, max_chars: int = MAX_LINES_CHARS) -> list[str]:
    """One text per line of a box (blank lines dropped): ``least`` to ``most`` of them, at most
    ``max_chars`` characters together (the Embeddings tab's list of texts)."""
    if texts is not None and not isinstance(texts, str):
        raise InputError("The texts must be text, one per line.")
    if len(texts or "") > max_chars:
        raise InputError(f"The texts have {len(texts):,} characters together; the limit is {max_chars:,}.")
    lines = [line.strip() for line in (texts or "").splitlines() if line.strip()]
    if len(lines) < least:
        raise InputError(f"Give at least {least} texts, one per line.")
    if len(lines) > most:
        raise InputError(f"{len(lines)} texts were given; the limit is {most}.")
    return lines


def check_labels(labels: object, *, max_labels: int = MAX_LABELS) -> list[str]:
    """Zero-shot candidate labels: 1..max_labels distinct, non-blank strings.

    One string is refused rather than guessed at ("a, b" may be one label or two): the UI
    splits its comma-separated box itself, via ``split_labels``.
    """
    if labels is None:
        raise InputError("Zero-shot classification needs candidate labels; none were given.")
    if isinstance(labels, str):
        raise InputError("Give the labels as a list of strings, not one string (split 'a, b' into ['a', 'b']).")
    if not isinstance(labels, (list, tuple)):  # a set or dict has no stable order
        raise InputError(f"The labels must be a list of strings, not {type(labels).__name__}.")
    labels = list(labels)
    for label in labels:
        if not isinstance(label, str):
            raise InputError(f"Every label must be a string; got {type(label).__name__}.")
    cleaned = [label.strip() for label in labels]
    if not cleaned or any(not label for label in cleaned):
        raise InputError("The labels must be non-empty: give at least one, none of them blank.")
    if len(cleaned) > max_labels:
        raise InputError(f"{len(cleaned)} labels were given; the limit is {max_labels}.")
    too_long = [label for label in cleaned if len(label) > MAX_LABEL_CHARS]
    if too_long:
        raise InputError(f"A label has {len(too_long[0])} characters; the limit is {MAX_LABEL_CHARS}.")
    seen: set[str] = set()
    for label in cleaned:
        if label in seen:
            raise InputError(f"The label {label!r} is given twice; labels must be distinct.")
        seen.add(label)
    return cleaned


TEXT_SLOT = "{text}"  # where a prompted decoder's template puts the text (instructions may come before it)


def check_template(template: object, text_slot: bool = True) -> str:
    """A hypothesis template must be a string holding exactly one ``{}`` placeholder (the label), and at most one
    ``{text}`` before it where ``text_slot`` allows one (a prompted decoder: the text goes there, not first)."""
    if not isinstance(template, str) or not template.strip():
        raise InputError("The hypothesis template must be a non-empty string such as 'This text is about {}.'.")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InputError(f"The hypothesis template has {len(template):,} characters; the limit is {MAX_TEMPLATE_CHARS}.")
    if TEXT_SLOT in template and not text_slot:
        raise InputError("'{text}' in a template is for a decoder prompted to classify (it says where the text goes); "
                         "an NLI or similarity model reads the text and the hypothesis side by side.")
    rest = template.replace(TEXT_SLOT, "", 1)
    if rest.count("{}") != 1 or rest.replace("{}", "").count("{") or rest.replace("{}", "").count("}"):
        raise InputError("The hypothesis template must contain exactly one '{}' where the label goes (and at most "
                         "one '{text}' before it, for a prompted decoder), and no other braces.")
    if TEXT_SLOT in template and template.index(TEXT_SLOT) > template.index("{}"):
        raise InputError("In a prompt template the text comes before the label: put '{text}' before '{}'.")
    return template


def check_hub_id(model_id: object) -> str:
    """A Hugging Face Hub id ("owner/name"), never a filesystem path or URL."""
    if not isinstance(model_id, str) or not _HUB_ID.match(model_id) or ".." in model_id:
        raise InputError(
            f"{model_id!r} is neither a known model name nor a Hugging Face Hub id like 'owner/name'."
        )
    return model_id


def check_revision(revision: object) -> str | None:
    """A branch, tag or commit hash; no path tricks."""
    if revision is None:
        return None
    if not isinstance(revision, str) or not _REVISION.match(revision) or ".." in revision:
        raise InputError(f"{revision!r} is not a valid revision (a branch, tag or commit hash).")
    return revision


def split_labels(text: str) -> list[str]:
    """Split a comma-separated label box into labels (blanks kept, so check_labels can name them)."""
    if not isinstance(text, str):
        raise InputError("The labels must be text separated by commas.")
    parts = [part.strip() for part in text.split(",")]
    return [] if parts == [""] else parts
