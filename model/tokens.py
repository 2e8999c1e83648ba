"""Tokenisation with char offsets, truncation and special-token templates.

Explainers perturb token ids, so every model exposes the same view of a text: the full id
sequence (special tokens included), each token's char span in the original text, and which
positions are special. Pairs (NLI premise + hypothesis) are assembled from ids with a template
learnt from the tokenizer itself, so no masked text is ever re-tokenised.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError, ModelUnavailable
from .validation import check_text


@dataclass(frozen=True)
class Tokenized:
    """One text as the model sees it. ``offsets[i]`` slices ``text``; special tokens get (0, 0)."""

    text: str
    ids: tuple[int, ...]
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]
    special: tuple[bool, ...]
    truncated: bool

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def content_positions(self) -> list[int]:
        """Indices of the non-special tokens: the features an explainer may perturb."""
        return [i for i, is_special in enumerate(self.special) if not is_special]


@dataclass(frozen=True)
class _Template:
    """Special ids around one or two segments, with their token type ids."""

    prefix: tuple[int, ...]
    middle: tuple[int, ...]
    suffix: tuple[int, ...]
    types: tuple[int, int, int, int, int]  # type id of prefix, a, middle, b, suffix


PROBES = (("a", "b"), ("hello", "world"), ("1", "2"), ("x", "y"))


def _find(seq: list[int], part: list[int], start: int = 0) -> int:
    """Where ``part`` first occurs in ``seq`` at or after ``start`` (-1: nowhere)."""
    for i in range(start, len(seq) - len(part) + 1):
        if seq[i:i + len(part)] == part:
            return i
    return -1


def _learn_template(tokenizer, pair: bool) -> _Template:
    """Encode short probes with and without the special tokens and read off what the tokenizer puts
    around them. A probe may be several tokens (a SentencePiece tokenizer trained on a small corpus
    writes "b" as "▁", "b"): its tokens are found as a run inside the encoding with special tokens."""
    for probe_a, probe_b in PROBES:
        id_a = list(tokenizer(probe_a, add_special_tokens=False)["input_ids"])
        id_b = list(tokenizer(probe_b, add_special_tokens=False)["input_ids"])
        if not id_a or not id_b:
            continue
        enc = tokenizer(probe_a, probe_b, return_token_type_ids=True) if pair else \
            tokenizer(probe_a, return_token_type_ids=True)
        ids = list(enc["input_ids"])
        types = list(enc.get("token_type_ids") or [0] * len(ids))
        ia = _find(ids, id_a)
        if ia < 0:
            continue
        ea = ia + len(id_a)  # (the end of the first segment)
        if not pair:
            return _Template(prefix=tuple(ids[:ia]), middle=(), suffix=tuple(ids[ea:]),
                             types=(types[0] if ia else 0, types[ia], 0, 0, types[ea] if ea < len(ids) else types[ia]))
        ib = _find(ids, id_b, ea)
        if ib < 0:
            continue
        eb = ib + len(id_b)
        return _Template(prefix=tuple(ids[:ia]), middle=tuple(ids[ea:ib]), suffix=tuple(ids[eb:]),
                         types=(types[0] if ia else 0, types[ia], types[ea] if ib > ea else types[ia], types[ib],
                                types[eb] if eb < len(ids) else types[ib]))
    raise ModelUnavailable("This tokenizer's special tokens could not be told apart from the text: encoding short "
                           "probe texts with and without them gave no common run of tokens.")


class TokenizerAdapter:
    """A thin, model-independent layer over a Hugging Face fast tokenizer."""

    def __init__(self, tokenizer, max_length: int):
        if not getattr(tokenizer, "is_fast", True):
            raise ModelUnavailable("Only fast (Rust) tokenizers are supported, since char offsets are needed.")
        self.tokenizer = tokenizer
        self.max_length = int(max_length)
        self.single = _learn_template(tokenizer, pair=False)
        self._pair: _Template | None = None
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.mask_id = tokenizer.mask_token_id
        self.uses_token_types = "token_type_ids" in getattr(tokenizer, "model_input_names", [])
        # Long texts are tokenized whole on purpose (the model reads them as windows): silence the
        # tokenizer's "longer than the specified maximum sequence length" warning, said once per tokenizer.
        warned = getattr(tokenizer, "deprecation_warnings", None)
        if isinstance(warned, dict):
            warned["sequence-length-is-longer-than-the-specified-maximum"] = True

    @property
    def pair(self) -> _Template:
        if self._pair is None:
            self._pair = _learn_template(self.tokenizer, pair=True)
        return self._pair

    @property
    def max_content(self) -> int:
        """Content tokens that fit beside the single-sequence special tokens."""
        return self.max_length - len(self.single.prefix) - len(self.single.suffix)

    def tokenize(self, text: str, whole: bool = False) -> Tokenized:
        """Tokens with char offsets; texts over the limit keep their first ``max_content`` tokens,
        or with ``whole`` every token (the model then reads the text as windows)."""
        check_text(text)
        # split_special_tokens: a literal "[SEP]" in user text is text, not a control token.
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, split_special_tokens=True)
        content = list(enc["input_ids"])
        offsets = [tuple(map(int, span)) for span in enc["offset_mapping"]]
        if not content:
            raise InputError("The text has no tokens this model can read (only spaces or control characters?).")
        truncated = not whole and len(content) > self.max_content
        if truncated:
            content, offsets = content[: self.max_content], offsets[: self.max_content]
        prefix, suffix = self.single.prefix, self.single.suffix
        ids = (*prefix, *content, *suffix)
        spans = ((0, 0),) * len(prefix) + tuple(offsets) + ((0, 0),) * len(suffix)
        special = (True,) * len(prefix) + (False,) * len(content) + (True,) * len(suffix)
        tokens = tuple(self.tokenizer.convert_ids_to_tokens(list(ids)))
        return Tokenized(text=text, ids=tuple(int(i) for i in ids), tokens=tokens, offsets=spans,
                         special=special, truncated=truncated)

    def content_ids(self, ids) -> list[int]:
        """Strip the single-sequence special tokens from a full id sequence."""
        ids = list(ids)
        start, stop = len(self.single.prefix), len(ids) - len(self.single.suffix)
        return ids[start:stop]

    def encode_content(self, text: str) -> list[int]:
        """Ids of a text without special tokens (hypotheses, labels)."""
        return list(self.tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"])

    def build_pair(self, first: list[int], second: list[int]) -> tuple[list[int], list[int]]:
        """Ids and token type ids of (first, second), truncating only ``first`` to fit, like
        transformers' ``TruncationStrategy.ONLY_FIRST`` in the zero-shot pipeline."""
        t = self.pair
        room = self.max_length - len(t.prefix) - len(t.middle) - len(t.suffix) - len(second)
        if room < 1:
            raise InputError("The hypothesis is too long to fit beside the text in this model.")
        first = first[:room]
        ids = [*t.prefix, *first, *t.middle, *second, *t.suffix]
        types = ([t.types[0]] * len(t.prefix) + [t.types[1]] * len(first) + [t.types[2]] * len(t.middle)
                 + [t.types[3]] * len(second) + [t.types[4]] * len(t.suffix))
        return ids, types
