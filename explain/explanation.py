"""The one result type of every method and task, with a JSON round-trip.

Parallel arrays in the style of shap's Explanation: ``attributions[i, j]`` is token i's
contribution to target j; ``word_attributions`` sums them per word. Additive methods (SHAP)
satisfy ``attributions.sum(0) + base_values == outputs``. Charts only read this; they never
recompute anything.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

SCHEMA_VERSION = 1


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
    tokens: tuple[dict, ...]  # {"text", "start", "end", "special"}
    words: tuple[dict, ...]  # {"text", "start", "end", "tokens": [token indices]}
    labels: tuple[str, ...]  # every label the model scored (zero-shot: the candidates)
    probabilities: np.ndarray  # (n_labels,) model output per label; embeddings: empty
    targets: tuple[str, ...]  # what was explained: label names, or "cosine similarity"
    attributions: np.ndarray  # (n_tokens, n_targets)
    word_attributions: np.ndarray  # (n_words, n_targets)
    base_values: np.ndarray  # (n_targets,) output with every feature hidden (SHAP), intercept (LIME)
    outputs: np.ndarray  # (n_targets,) the model's output for each target on the full text
    meta: dict = field(default_factory=dict)
    pair: str | None = None  # embedding similarity: the second text
    attention: np.ndarray | None = None  # (layers, heads, n_tokens, n_tokens) for attention methods

    def __post_init__(self):
        for name in ("probabilities", "attributions", "word_attributions", "base_values", "outputs"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.attention is not None:
            object.__setattr__(self, "attention", _frozen(self.attention, np.float32))
        object.__setattr__(self, "tokens", tuple(dict(t) for t in self.tokens))
        object.__setattr__(self, "words", tuple(dict(w) for w in self.words))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "targets", tuple(self.targets))
        n_tokens, n_targets = len(self.tokens), len(self.targets)
        if self.attributions.shape != (n_tokens, n_targets):
            raise ValueError(f"attributions must be ({n_tokens}, {n_targets}), not {self.attributions.shape}.")
        if self.word_attributions.shape != (len(self.words), n_targets):
            raise ValueError("word_attributions must have one row per word and one column per target.")

    # ------------------------------------------------------------------ convenience
    def target_index(self, target: str | int = 0) -> int:
        if isinstance(target, int):
            return target
        return self.targets.index(target)

    def top_words(self, k: int = 10, target: str | int = 0) -> list[tuple[str, float]]:
        """The k words with the largest |attribution| for one target."""
        column = self.word_attributions[:, self.target_index(target)]
        order = np.argsort(-np.abs(column), kind="stable")[:k]
        return [(self.words[i]["text"], float(column[i])) for i in order]

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (lists, floats, strings)."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
        out["tokens"] = [dict(t) for t in self.tokens]
        out["words"] = [dict(w) for w in self.words]
        out["labels"], out["targets"] = list(self.labels), list(self.targets)
        return json.loads(json.dumps(out, default=_json_default))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError("This is not an explanation saved by this version of the studio.")
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        n_targets = len(kwargs.get("targets", []))
        for name in ("attributions", "word_attributions"):
            kwargs[name] = np.array(kwargs[name], dtype=np.float64).reshape(-1, n_targets)
        if kwargs.get("attention") is not None:
            kwargs["attention"] = np.array(kwargs["attention"], dtype=np.float32)
        return cls(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
