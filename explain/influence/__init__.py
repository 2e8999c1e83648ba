"""Which training examples made this prediction: training-data attribution for models trained in the
studio, whose training rows travel with them (``model.record``).

``influence(model, text, target=None, method="leave_one_out")`` scores every training row by the estimated
drop of log p(target | text) if that row were removed and the model retrained (positive: the row
supported the prediction). Methods:

* ``leave_one_out`` (the default; Rad & Maleki 2020's approximate leave-one-out): the head refitted without
  the row by a Newton step on the left-out problem (the mean over the other rows, its own Hessian: the row's
  curvature removed), the drop read exactly at the refitted head; the size of real retraining (median relative
  error 1.5% on the README's 32-row example, where first-order influence is 2.7× too small). Every row is
  refitted up to ``LOO_EVERY_ROW`` rows, else the ``LOO_REFITTED`` strongest by first-order influence;
* ``influence`` (Koh & Liang 2017): ``-(1/n) ∇ℓ_iᵀ H⁻¹ ∇ log p`` with the exact Hessian of the head's
  regularised loss, solved by conjugate gradients (``head.py``); exact to first order for the head, which
  ranks rows as retraining does but understates the size on a weakly regularised, nearly separable head
  (the row's own curvature is a large part of the Hessian along its direction: removing it is not small);
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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from model.errors import InputError
from model.registries import Registry
from model.train.retrain import record_of
from model.validation import check_text, check_whole

from .features import features_of, prepared_problem, problem_of
from .tracin import tracin

KNN_NEIGHBOURS = 10


@dataclass(frozen=True)
class InfluenceMethod:
    """One way to score the training rows for a text: ``score(model, record, text, t) -> (scores, note)``,
    one score per trained row (positive: the row supported target ``t``)."""

    NAME: str
    score: Callable
    DESCRIPTION: str = ""
    LABEL: str = ""  # its name in the page (default: NAME)


@dataclass(frozen=True)
class SelfInfluenceMethod:
    """One way to rank the training rows by how likely each is mislabelled: ``score(model, record)``."""

    NAME: str
    score: Callable
    DESCRIPTION: str = ""


METHODS: Registry[InfluenceMethod] = Registry("influence method")
SELF_METHODS: Registry[SelfInfluenceMethod] = Registry("self-influence method")


def register_influence_method(method: InfluenceMethod | SelfInfluenceMethod):
    """Add a way to score training rows (``InfluenceMethod``) or to rank them (``SelfInfluenceMethod``)."""
    if isinstance(method, InfluenceMethod):
        return METHODS.register(method)
    if isinstance(method, SelfInfluenceMethod):
        return SELF_METHODS.register(method)
    raise InputError("register_influence_method takes an InfluenceMethod or a SelfInfluenceMethod.")


def _fine_tuned_note(model, note: str) -> str:
    if model.trained["mode"] == "finetune":
        note += " The encoder was fine-tuned: the head is read on its final features, as if they were fixed."
    return note


def _influence(model, record, text: str, t: int):
    scores, iterations = prepared_problem(model, record).influence(features_of(model, text), t)
    return scores, _fine_tuned_note(
        model, f"Exact Hessian of the head's loss, solved in {iterations} conjugate-gradient iterations. First-order: "
        "the size of the effect is understated on a weakly regularised head (leave-one-out gives it).")


def _leave_one_out(model, record, text: str, t: int):
    problem = prepared_problem(model, record)
    x = features_of(model, text)
    if problem.n <= LOO_EVERY_ROW:
        scores = problem.leave_one_out(x, t, range(problem.n), record.class_weights)
        return scores, _fine_tuned_note(model, LOO_NOTE)
    first_order, _ = problem.influence(x, t)  # (ranks the rows; the strongest each way are refitted)
    order = np.argsort(-first_order)
    half = LOO_REFITTED // 2
    refitted = np.unique(np.concatenate([order[:half][first_order[order[:half]] > 0],
                                         order[::-1][:half][first_order[order[::-1][:half]] < 0]]))
    scores = first_order.copy()
    scores[refitted] = problem.leave_one_out(x, t, refitted, record.class_weights)
    return scores, _fine_tuned_note(model, LOO_NOTE + f" Of its {problem.n:,} rows, the {len(refitted)} with the largest "
                                    "first-order influence were refitted; the others keep their first-order estimate.")


LOO_EVERY_ROW = 50  # rows up to which every row is refitted (one Hessian solve each: ~30 ms at 30 labels)
LOO_REFITTED = 30  # above that, the rows refitted (the strongest each way by first-order influence)
LOO_NOTE = ("Leave-one-out: the head refitted without each row by a Newton step with its own Hessian (row's curvature "
            "removed: Rad & Maleki's approximate leave-one-out), the drop read exactly at the refitted head.")


def _representer(model, record, text: str, t: int):
    scores = problem_of(model, record).representer(features_of(model, text), t)
    return scores, _fine_tuned_note(model, "The head's logits split exactly over the training rows (representer points).")


def _knn(model, record, text: str, t: int):
    x = features_of(model, text)
    rows = record.features[record.trained_rows]
    cosine = rows @ x / np.maximum(np.linalg.norm(rows, axis=1) * np.linalg.norm(x), 1e-12)
    scores = np.where(record.targets[record.trained_rows] == t, cosine, -cosine)
    return scores, "Cosine similarity in the encoder's feature space, signed by whether the row's label is the target."


def _tracin(model, record, text: str, t: int):
    return tracin(model, record, text, t), "TracIn over the epoch checkpoints, on the head: an approximation of retraining."


def _self_knn(model, record):
    indices = record.trained_rows
    rows = record.features[indices]
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    near = np.argsort(-similarity, axis=1)[:, :KNN_NEIGHBOURS]
    labels_ = record.targets[indices]
    return (labels_[near] != labels_[:, None]).mean(1)


for _method in (InfluenceMethod("leave_one_out", _leave_one_out, "the head refitted without each row (a Newton step)",
                                "Leave-one-out (refit estimate)"),
                InfluenceMethod("influence", _influence, "Koh & Liang's influence with the head's exact Hessian",
                                "Influence (exact, Koh & Liang)"),
                InfluenceMethod("representer", _representer, "representer points: the head's logits split over rows",
                                "Representer points"),
                InfluenceMethod("knn", _knn, "signed cosine similarity of the features", "Nearest neighbours (baseline)"),
                InfluenceMethod("tracin", _tracin, "TracIn over the epoch checkpoints (fine-tuned models)",
                                "TracIn (fine-tuned models)")):
    METHODS.register(_method, built_in=True)
def _self_leave_one_out(model, record):
    problem = prepared_problem(model, record)
    if problem.n <= LOO_EVERY_ROW:
        return problem.left_out_losses(range(problem.n), record.class_weights)
    first_order = problem.self_influence()  # (ranks the rows; the likeliest are refitted)
    refitted = np.argsort(-first_order)[:LOO_REFITTED]
    scores = first_order.copy()
    scores[refitted] = problem.left_out_losses(refitted, record.class_weights)
    return scores


for _method in (SelfInfluenceMethod("leave_one_out", _self_leave_one_out,
                                    "the row's loss under the head refitted without it (a Newton step)"),
                SelfInfluenceMethod("influence", lambda model, record: prepared_problem(model, record).self_influence(),
                                    "the row's estimated loss were it left out (first order, per-label blocks)"),
                SelfInfluenceMethod("loss", lambda model, record: problem_of(model, record).losses(),
                                    "the row's training loss"),
                SelfInfluenceMethod("knn", _self_knn, "the share of its 10 nearest rows with another label")):
    SELF_METHODS.register(_method, built_in=True)


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


def influence(model, text: str, *, target: str | None = None, method: str = "leave_one_out", top: int = 10) -> Influence:
    """See the module's docstring. ``target``: a label (default: the predicted one); ``top``: supporting and
    opposing rows listed (each up to ``top``)."""
    started = time.perf_counter()
    record = record_of(model)
    check_text(text)
    METHODS.named(method)
    top = check_whole("top", top, 1, 1000)
    labels = list(model.labels)
    if target is None:
        target = labels[int(np.argmax(model.predict([text])[0]))]
    if target not in labels:
        raise InputError(f"{target!r} is not one of this model's {len(labels)} labels.")
    t = labels.index(target)
    indices = record.trained_rows
    scores, note = METHODS[method].score(model, record, text, t)
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


def self_influence(model, *, method: str = "leave_one_out") -> SelfInfluence:
    """The training rows by how likely each is mislabelled: ``leave_one_out``, its loss under the head refitted
    without it (a Newton step, as ``influence``'s); ``influence``, its first-order estimate
    (``ℓ_i + (1/n) ∇ℓ_iᵀ H⁻¹ ∇ℓ_i``, per-label blocks); ``loss``, its training loss alone; ``knn``, the share of its
    10 nearest rows (cosine, in the encoder's features) with another label."""
    record = record_of(model)
    SELF_METHODS.named(method)
    indices = record.trained_rows
    scores = SELF_METHODS[method].score(model, record)
    labels = list(model.labels)
    order = np.argsort(-scores, kind="stable")
    ranked = [_row(record, labels, indices[i], scores[i]) for i in order]
    return SelfInfluence(method, indices.copy(), np.asarray(scores, dtype=np.float64), ranked)


__all__ = ["METHODS", "SELF_METHODS", "Influence", "InfluenceMethod", "SelfInfluence", "SelfInfluenceMethod", "influence",
           "register_influence_method", "self_influence"]
