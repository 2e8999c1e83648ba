"""What an explainer explains: columns of one shared forward function over token-id batches.

A ``TargetSpec`` is built once per request (validated before any model work): ``forward(ids)``
gives the model's full output for a batch (every class probability, every candidate label's
score, or the cosine similarity to a second text), and is the same function for every text of
the request, so perturbations of many texts can share one model call. ``spec.target(output)``
then fixes, for one text, which columns are explained (default: the predicted class, every
zero-shot candidate, the similarity). Per task: classification -> class probabilities;
zero-shot -> label scores computed exactly as the zero-shot model scores them (the other labels
still compete in the softmax); embedding -> cosine similarity to the pair text.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from model.validation import check_labels, check_text


@dataclass(frozen=True)
class Target:
    """For one text: the explained ``columns`` of the spec's forward output and their ``names``;
    ``labels``/``probabilities`` describe the full prediction; ``output`` = probabilities[columns]."""

    names: list[str]
    columns: np.ndarray
    labels: list[str]
    probabilities: np.ndarray
    output_name: str
    output: np.ndarray
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TargetSpec:
    """``forward(id_batch) -> (n, len(labels))``; ``wanted``: asked-for columns (None: the default)."""

    forward: Callable[[list[list[int]]], np.ndarray]
    labels: list[str]
    output_name: str
    wanted: tuple[int, ...] | None
    default: str  # "argmax" (classification) or "all" (zero-shot candidates, the one similarity)
    options: dict = field(default_factory=dict)

    def target(self, output: np.ndarray) -> Target:
        """The Target of one text whose full forward output is ``output``."""
        output = np.asarray(output, dtype=np.float64)
        if self.wanted is not None:
            columns = np.array(self.wanted)
        elif self.default == "argmax":
            columns = np.array([int(output.argmax())])
        else:
            columns = np.arange(len(self.labels))
        return Target(names=[self.labels[c] for c in columns], columns=columns, labels=list(self.labels),
                      probabilities=output, output_name=self.output_name, output=output[columns],
                      options=dict(self.options))


def _wanted(target) -> list:
    """One label name or a list of them."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, (list, tuple)) and target and all(isinstance(t, str) for t in target):
        if len(set(target)) != len(target):
            raise ValueError("The same target label is given twice.")
        return list(target)
    raise ValueError("The target must be a label name or a list of label names.")


def _classification(model, target) -> TargetSpec:
    wanted = None if target is None else tuple(model.label_index(t) for t in _wanted(target))
    return TargetSpec(forward=model.predict_ids, labels=list(model.labels), output_name="probability",
                      wanted=wanted, default="argmax")


def _zero_shot(model, target, labels, options) -> TargetSpec:
    labels = check_labels(labels)
    wanted = None
    if target is not None:
        names = _wanted(target)
        missing = [t for t in names if t not in labels]
        if missing:
            raise ValueError(f"The target {missing[0]!r} is not among the candidate labels.")
        wanted = tuple(labels.index(t) for t in names)
    return TargetSpec(forward=lambda batch: model.predict_ids(batch, labels, **options), labels=labels,
                      output_name="score", wanted=wanted, default="all", options=dict(options))


def _embedding(model, target, pair) -> TargetSpec:
    if pair is None:
        raise ValueError("Explaining an embedding model needs a second text (pair=...) to compare with.")
    check_text(pair, what="pair text")
    if target not in (None, "cosine similarity"):
        raise ValueError("An embedding explanation has one target, 'cosine similarity'.")
    reference = unit_rows(model.predict([pair]))[0]

    def cosine(batch):
        return (unit_rows(model.predict_ids(batch)) @ reference)[:, None]

    return TargetSpec(forward=cosine, labels=["cosine similarity"], output_name="cosine similarity",
                      wanted=None, default="all")


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (float64; zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def build_spec(model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
    """The target spec for ``model``'s task, validated before any explainer runs."""
    options = dict(options or {})
    if model.task == "classification":
        if labels is not None:
            raise ValueError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise ValueError("A second text (pair) is only for embedding models.")
        if options:
            raise ValueError(f"A classifier takes no option {sorted(options)[0]!r}.")
        return _classification(model, target)
    if model.task == "zero-shot":
        if labels is None:
            raise ValueError("Zero-shot explanations need candidate labels (labels=[...]).")
        if pair is not None:
            raise ValueError("A second text (pair) is only for embedding models.")
        return _zero_shot(model, target, labels, options)
    if labels is not None:
        raise ValueError("Labels are for zero-shot models; an embedding model compares two texts.")
    if options:
        raise ValueError(f"An embedding model takes no option {sorted(options)[0]!r}.")
    return _embedding(model, target, pair)
