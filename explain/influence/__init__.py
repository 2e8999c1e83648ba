"""Which training examples made this prediction: training-data attribution for models trained in the
studio, whose training rows travel with them (``model.record``).

``influence(model, text, target=None, method="influence")`` scores every training row by the estimated
drop of log p(target | text) if that row were removed and the model retrained (positive: the row
supported the prediction). Methods:

* ``influence`` (Koh & Liang 2017): ``-(1/n) ∇ℓ_iᵀ H⁻¹ ∇ log p`` with the exact Hessian of the head's
  regularised loss, solved by conjugate gradients (``head.py``); exact to first order for the head;
* ``representer`` (Yeh et al. 2018): the head's logits split exactly over the training rows (the L2
  optimum is a weighted sum of them), weighed by how each logit moves log p;
* ``knn``: the cosine similarity of each row's features to the text's, signed by whether its label is the
  target: the baseline papers compare against;
* ``tracin`` (Pruthi et al. 2020), fine-tuned models only: the sum over the epoch checkpoints of the
  learning rate times the dot product of the row's and the text's loss gradients, on the head (with
  each epoch's own features): approximate.

For a fine-tuned model, ``influence`` and ``representer`` read the head on the final features, as if the
encoder were fixed: approximate too (said in ``note``). ``self_influence(model)`` ranks the training rows
by how badly the others explain each (the likely mislabelled first); ``model.train.retrain_without`` is
the truth all of them are checked against.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from model.errors import InputError
from model.train.retrain import record_of
from model.validation import check_text, check_whole

from .features import features_of, prepared_problem, problem_of
from .tracin import tracin

METHODS = ("influence", "representer", "knn", "tracin")
SELF_METHODS = ("influence", "loss", "knn")
KNN_NEIGHBOURS = 10


@dataclass(frozen=True)
class Influence:
    """Every training row's score (``indices``: their row numbers in the model's training rows), the top
    supporting and opposing rows, and how it was computed."""

    method: str
    target: str
    text: str
    indices: np.ndarray
    scores: np.ndarray
    rows: list[dict] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"method": self.method, "target": self.target, "text": self.text,
                "indices": self.indices.tolist(), "scores": self.scores.tolist(), "rows": self.rows,
                "note": self.note, "seconds": self.seconds}


def _row(record, labels, index: int, score: float) -> dict:
    return {"index": int(index), "text": record.texts[index], "label": labels[int(record.targets[index])],
            "score": float(score)}


def influence(model, text: str, *, target: str | None = None, method: str = "influence", top: int = 10) -> Influence:
    """See the module's docstring. ``target``: a label (default: the predicted one); ``top``: supporting and
    opposing rows listed (each up to ``top``)."""
    started = time.perf_counter()
    record = record_of(model)
    check_text(text)
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    top = check_whole("top", top, 1, 1000)
    labels = list(model.labels)
    if target is None:
        target = labels[int(np.argmax(model.predict([text])[0]))]
    if target not in labels:
        raise InputError(f"{target!r} is not one of this model's {len(labels)} labels.")
    t = labels.index(target)
    finetuned = model.trained["mode"] == "finetune"
    indices = record.trained_rows
    note = ""
    if method == "tracin":
        scores = tracin(model, record, text, t)
        note = "TracIn over the epoch checkpoints, on the head: an approximation of retraining."
    else:
        x = features_of(model, text)
        if method == "knn":
            rows = record.features[indices]
            cosine = rows @ x / np.maximum(np.linalg.norm(rows, axis=1) * np.linalg.norm(x), 1e-12)
            scores = np.where(record.targets[indices] == t, cosine, -cosine)
            note = "Cosine similarity in the encoder's feature space, signed by whether the row's label is the target."
        else:
            if method == "influence":
                scores, iterations = prepared_problem(model, record).influence(x, t)
                note = f"Exact Hessian of the head's loss, solved in {iterations} conjugate-gradient iterations."
            else:
                scores = problem_of(model, record).representer(x, t)
                note = "The head's logits split exactly over the training rows (representer points)."
            if finetuned:
                note += " The encoder was fine-tuned: the head is read on its final features, as if they were fixed."
    order = np.argsort(-scores)
    support = [_row(record, labels, indices[i], scores[i]) for i in order[:top] if scores[i] > 0]
    oppose = [_row(record, labels, indices[i], scores[i]) for i in order[::-1][:top] if scores[i] < 0]
    return Influence(method, target, text, indices.copy(), np.asarray(scores, dtype=np.float64),
                     support + oppose, note, round(time.perf_counter() - started, 4))


@dataclass(frozen=True)
class SelfInfluence:
    """Each training row's score (higher: harder for the other rows to explain), and the rows ranked."""

    method: str
    indices: np.ndarray
    scores: np.ndarray
    ranked: list[dict]

    def to_dict(self) -> dict:
        return {"method": self.method, "indices": self.indices.tolist(), "scores": self.scores.tolist(),
                "ranked": self.ranked}


def self_influence(model, *, method: str = "influence") -> SelfInfluence:
    """The training rows by how likely each is mislabelled: ``influence``, its estimated loss were it left out
    (``ℓ_i + (1/n) ∇ℓ_iᵀ H⁻¹ ∇ℓ_i``); ``loss``, its training loss alone; ``knn``, the share of its 10 nearest
    rows (cosine, in the encoder's features) with another label."""
    record = record_of(model)
    if method not in SELF_METHODS:
        raise InputError(f"method must be one of {', '.join(SELF_METHODS)}; got {method!r}.")
    indices = record.trained_rows
    if method == "knn":
        rows = record.features[indices]
        unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
        similarity = unit @ unit.T
        np.fill_diagonal(similarity, -np.inf)
        near = np.argsort(-similarity, axis=1)[:, :KNN_NEIGHBOURS]
        labels_ = record.targets[indices]
        scores = (labels_[near] != labels_[:, None]).mean(1)
    else:
        scores = prepared_problem(model, record).self_influence() if method == "influence" else \
            problem_of(model, record).losses()
    labels = list(model.labels)
    order = np.argsort(-scores, kind="stable")
    ranked = [_row(record, labels, indices[i], scores[i]) for i in order]
    return SelfInfluence(method, indices.copy(), np.asarray(scores, dtype=np.float64), ranked)


__all__ = ["METHODS", "SELF_METHODS", "Influence", "SelfInfluence", "influence", "self_influence"]
