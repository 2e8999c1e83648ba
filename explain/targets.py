"""What an explainer explains: a function from token-id batches to the target outputs.

Per task: classification -> the probability of each chosen class; zero-shot -> each candidate
label's score, computed exactly as the zero-shot model scores it (so the other labels still
compete in the softmax); embedding -> the cosine similarity between the text and a second text.
Only the requested columns are returned to the explainer.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from model.validation import check_labels, check_text


@dataclass(frozen=True)
class Target:
    """``evaluate(ids) -> (n, len(names))``; ``labels``/``probabilities`` describe the full prediction;
    ``output`` is ``evaluate`` on the unperturbed text, already computed (explainers reuse it)."""

    names: list[str]
    evaluate: Callable[[list[list[int]]], np.ndarray]
    labels: list[str]
    probabilities: np.ndarray
    output_name: str
    output: np.ndarray
    options: dict = field(default_factory=dict)


def _wanted(target) -> list:
    """One label name or a list of them."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, (list, tuple)) and target and all(isinstance(t, str) for t in target):
        return list(target)
    raise ValueError("The target must be a label name or a list of label names.")


def _classification(model, ids, target) -> Target:
    probabilities = model.predict_ids([ids])[0]
    if target is None:
        chosen = [int(probabilities.argmax())]
    else:
        wanted = _wanted(target)
        if len(set(wanted)) != len(wanted):
            raise ValueError("The same target label is given twice.")
        chosen = [model.label_index(t) for t in wanted]
    columns = np.array(chosen)
    return Target(names=[model.labels[c] for c in chosen],
                  evaluate=lambda batch: model.predict_ids(batch)[:, columns],
                  labels=list(model.labels), probabilities=probabilities, output_name="probability",
                  output=probabilities[columns])


def _zero_shot(model, ids, target, labels, options) -> Target:
    labels = check_labels(labels)
    probabilities = model.predict_ids([ids], labels, **options)[0]
    if target is None:
        chosen = list(range(len(labels)))
    else:
        wanted = _wanted(target)
        missing = [t for t in wanted if t not in labels]
        if missing:
            raise ValueError(f"The target {missing[0]!r} is not among the candidate labels.")
        chosen = [labels.index(t) for t in wanted]
    columns = np.array(chosen)
    return Target(names=[labels[c] for c in chosen],
                  evaluate=lambda batch: model.predict_ids(batch, labels, **options)[:, columns],
                  labels=labels, probabilities=probabilities, output_name="score", output=probabilities[columns],
                  options=dict(options))


def _embedding(model, ids, target, pair) -> Target:
    if pair is None:
        raise ValueError("Explaining an embedding model needs a second text (pair=...) to compare with.")
    check_text(pair, what="pair text")
    if target not in (None, "cosine similarity"):
        raise ValueError("An embedding explanation has one target, 'cosine similarity'.")
    reference = _unit(model.predict([pair]))[0]

    def cosine(batch):
        return (_unit(model.predict_ids(batch)) @ reference)[:, None]

    similarity = cosine([ids])[0]
    return Target(names=["cosine similarity"], evaluate=cosine, labels=["cosine similarity"],
                  probabilities=similarity, output_name="cosine similarity", output=similarity)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def build_target(model, ids, *, target=None, labels=None, pair=None, options=None) -> Target:
    """The target function for ``model``'s task, validated before any explainer runs."""
    options = dict(options or {})
    if model.task == "classification":
        if labels is not None:
            raise ValueError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise ValueError("A second text (pair) is only for embedding models.")
        if options:
            raise ValueError(f"A classifier takes no option {sorted(options)[0]!r}.")
        return _classification(model, ids, target)
    if model.task == "zero-shot":
        if labels is None:
            raise ValueError("Zero-shot explanations need candidate labels (labels=[...]).")
        if pair is not None:
            raise ValueError("A second text (pair) is only for embedding models.")
        return _zero_shot(model, ids, target, labels, options)
    if labels is not None:
        raise ValueError("Labels are for zero-shot models; an embedding model compares two texts.")
    if options:
        raise ValueError(f"An embedding model takes no option {sorted(options)[0]!r}.")
    return _embedding(model, ids, target, pair)
