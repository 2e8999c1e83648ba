"""The one result type of every method and task, with a JSON round-trip.

Parallel arrays in the style of shap's Explanation: ``attributions[i, j]`` is token i's
contribution to target j; ``word_attributions`` sums them per word and ``sentence_attributions``
per sentence (``sentences``: text, start, end, tokens, paragraph). Additive methods (SHAP)
satisfy ``attributions.sum(0) + base_values == outputs``. Charts only read this; they never
recompute anything.

Immutable all the way down: tokens and words are frozen dataclasses, arrays are read-only
copies, ``meta`` is a ``FrozenDict`` of tuples. (Item access such as ``word["text"]`` still
works for code written against the earlier dict rows.)
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from model.errors import InputError
from model.tasks import TASKS, get_task

from .text.sentences import group_sentences
from .text.units import FrozenDict, Sentence, Token, Word, freeze, thaw

# 4: ``sentences`` are stored and long texts are read as windows (``options.long_text``; earlier
#    explanations read the truncated text, and load with long_text="truncate");
# 3: meta keeps the method's ``params`` and the task's ``options`` apart (2 had both in params);
# 2: ``rollout`` and ``kind`` are fields (1 kept rollout in meta). Every earlier version still loads.
SCHEMA_VERSION = 4


def received(matrix: np.ndarray, readout: str) -> np.ndarray:
    """(n, n) attention (rows attend to columns) -> (n,): what the positions the model's output
    reads ("first" token, every position for "mean" pooling, the "last" token) give each column."""
    if readout == "mean":
        return matrix.mean(axis=0)
    return matrix[-1] if readout == "last" else matrix[0]


def _row(kind: type, value) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        return kind(**{f.name: value[f.name] for f in fields(kind)})
    raise InputError(f"A {kind.__name__.lower()} must be a {kind.__name__} or a mapping of its fields.")


def _frozen(array, dtype=np.float64) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Explanation:
    task: str
    model: str
    method: str
    text: str
    tokens: tuple[Token, ...]
    words: tuple[Word, ...]
    labels: tuple[str, ...]  # every label the model scored (zero-shot: the candidates; embedding: the similarity)
    probabilities: np.ndarray  # (n_labels,) the model's output per label; empty when nothing was targeted
    targets: tuple[str, ...]  # what was explained: label names, or "cosine similarity"; empty for target-free attention
    attributions: np.ndarray  # (n_tokens, n_targets)
    word_attributions: np.ndarray  # (n_words, n_targets)
    base_values: np.ndarray  # (n_targets,) output with every feature hidden (SHAP), intercept (LIME)
    outputs: np.ndarray  # (n_targets,) the model's output for each target on the full text
    meta: Mapping = field(default_factory=FrozenDict)
    pair: str | None = None  # embedding similarity: the second text
    attention: np.ndarray | None = None  # (layers, heads, n_tokens, n_tokens) for attention methods
    rollout: np.ndarray | None = None  # (n_tokens, n_tokens) for rollout
    kind: str = "attribution"  # "attribution" (signed contributions) or "attention" (non-negative weights)
    sentences: tuple[Sentence, ...] = ()  # found from the text and words when not given
    sentence_attributions: np.ndarray = field(init=False, repr=False)  # (n_sentences, n_targets), summed from tokens

    def __post_init__(self):
        for name in ("probabilities", "base_values", "outputs"):
            object.__setattr__(self, name, _frozen(getattr(self, name)).reshape(-1))
        for name in ("attributions", "word_attributions"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for name in ("attention", "rollout"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _frozen(getattr(self, name), np.float32))
        object.__setattr__(self, "tokens", tuple(_row(Token, t) for t in self.tokens))
        object.__setattr__(self, "words", tuple(_row(Word, w) for w in self.words))
        if not self.sentences and self.words:
            object.__setattr__(self, "sentences", group_sentences(self.text, self.words))
        object.__setattr__(self, "sentences", tuple(_row(Sentence, s) for s in self.sentences))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "meta", freeze(self.meta))
        n_tokens, n_targets = len(self.tokens), len(self.targets)
        if self.attributions.shape != (n_tokens, n_targets):
            raise InputError(f"attributions must be ({n_tokens}, {n_targets}), not {self.attributions.shape}.")
        if self.word_attributions.shape != (len(self.words), n_targets):
            raise InputError("word_attributions must have one row per word and one column per target.")
        if self.kind not in ("attribution", "attention"):
            raise InputError("kind must be 'attribution' or 'attention'.")
        if any(t < 0 or t >= n_tokens for s in self.sentences for t in s.tokens):
            raise InputError("A sentence names a token the explanation does not have.")
        summed = np.array([self.attributions[list(s.tokens)].sum(axis=0) for s in self.sentences])
        object.__setattr__(self, "sentence_attributions", _frozen(summed.reshape(len(self.sentences), n_targets)))

    def __repr__(self) -> str:
        """A short summary; the arrays are one attribute away."""
        parts = [f"method={self.method!r}", f"model={self.model!r}", f"words={len(self.words)}"]
        if self.targets:
            output = self.meta.get("output", "output")
            parts.append(f"target={self.targets[0]!r} ({output} {self.outputs[0]:.3f})")
            if len(self.targets) > 1:
                parts.append(f"+{len(self.targets) - 1} more targets")
            parts.append("top=[" + ", ".join(f"{w!r} {v:+.3g}" for w, v in self.top_words(3)) + "]")
        return f"Explanation({', '.join(parts)})"

    # ------------------------------------------------------------------ convenience
    def target_index(self, target: str | int = 0) -> int:
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            if not -len(self.targets) <= target < len(self.targets):
                raise InputError(f"Target index {target} is out of range: this explanation has {len(self.targets)}.")
            return int(target) % len(self.targets)
        if target not in self.targets:
            raise InputError(f"{target!r} is not one of the explained targets ({', '.join(map(repr, self.targets))}).")
        return self.targets.index(target)

    def top_sentences(self, k: int = 5, target: str | int = 0) -> list[tuple[str, float]]:
        """The k sentences with the largest |attribution| for one target."""
        column = self.sentence_attributions[:, self.target_index(target)]
        order = np.argsort(-np.abs(column), kind="stable")[:k]
        return [(self.sentences[i].text, float(column[i])) for i in order]

    def top_words(self, k: int = 10, target: str | int = 0) -> list[tuple[str, float]]:
        """The k words with the largest |attribution| for one target."""
        column = self.word_attributions[:, self.target_index(target)]
        order = np.argsort(-np.abs(column), kind="stable")[:k]
        return [(self.words[i].text, float(column[i])) for i in order]

    def attention_received(self, layer: int = -1, head: int | None = None) -> np.ndarray:
        """(n_tokens,) attention each token receives in one layer (one head, or the heads' mean)
        from the positions the model's output reads."""
        if self.attention is None:
            raise InputError("This explanation has no attention weights; use the attention or rollout method.")
        if self.meta.get("text_pair") and self.meta.get("readout") != "first":
            raise InputError("For a text pair the rows the output reads lie outside the stored text; "
                             "use the attributions, which were read from the whole pair.")
        layers, heads = self.attention.shape[:2]
        matrix = self.attention[layer % layers]
        matrix = matrix.astype(np.float64).mean(axis=0) if head is None else matrix[head % heads].astype(np.float64)
        return received(matrix, self.meta.get("readout", "first"))

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (lists, floats, strings). Everything but the arrays goes through a JSON round trip
        (numpy scalars, frozen mappings and tuples become plain); an array's ``tolist()`` already is plain, and
        sending an attention tensor's millions of floats through the round trip took 12 of the 13 s this took on a
        long text's window."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        arrays = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
                arrays[f.name] = value.tolist()
            else:
                out[f.name] = value.tolist() if isinstance(value, np.ndarray) else thaw(value)
        out["tokens"] = [t.to_dict() for t in self.tokens]
        out["words"] = [w.to_dict() for w in self.words]
        out["sentences"] = [s.to_dict() for s in self.sentences]
        plain = json.loads(json.dumps(out, default=_json_default))
        return {name: arrays[name] if name in arrays else plain[name] for name in ["schema_version",
                                                                                  *(f.name for f in fields(self))]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        """Load ``to_dict`` output of this or an earlier schema version."""
        if not isinstance(data, dict) or data.get("schema_version") not in (1, 2, 3, SCHEMA_VERSION):
            raise InputError("This is not an explanation saved by this version of the studio.")
        data = dict(data)
        if data["schema_version"] == 1:  # rollout lived in meta; attention methods had no kind
            meta = dict(data.get("meta") or {})
            data["rollout"] = meta.pop("rollout", None)
            data["meta"] = meta
            data["kind"] = "attention" if data.get("method") in ("attention", "rollout") else "attribution"
        if data["schema_version"] < 3:  # the task's options were among the method's params
            meta = dict(data.get("meta") or {})
            params = dict(meta.get("params") or {})
            names = {p.name for p in get_task(data.get("task")).OPTIONS} if data.get("task") in TASKS else set()
            meta["options"] = {k: params.pop(k) for k in list(params) if k in names}
            meta["params"] = params
            data["meta"] = meta
        if data["schema_version"] < 4:  # read truncated; sentences are found from the text (below)
            meta = dict(data.get("meta") or {})
            names = {p.name for p in get_task(data.get("task")).OPTIONS} if data.get("task") in TASKS else set()
            if "long_text" in names:
                meta["options"] = {**dict(meta.get("options") or {}), "long_text": "truncate"}
            data["meta"] = meta
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.init and f.name in data}
        n_targets = len(kwargs.get("targets", []))
        for name, rows in (("attributions", "tokens"), ("word_attributions", "words")):
            kwargs[name] = np.array(kwargs[name], dtype=np.float64).reshape(len(kwargs.get(rows, [])), n_targets)
        return cls(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
