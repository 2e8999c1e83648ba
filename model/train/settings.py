"""How to train (``Settings``, every field checked) and what a run gives back: the curve (``Epoch``), the
held-out or cross-validated quality (``Report``) and the ``Result``."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import InputError
from ..kinds.classifier import ClassifierModel
from ..validation import check_whole
from .data import Examples

MODES = ("head", "finetune")
OPTIMIZERS = ("lbfgs", "adam")


@dataclass(frozen=True)
class Settings:
    """How to train; every field is checked by ``check``."""

    encoder: str = "minilm-embed"
    mode: str = "head"
    l2: float = 1e-3
    optimizer: str = "lbfgs"
    epochs: int = 0  # 0: the mode's default (lbfgs 50 steps of 10 iterations, adam 300, finetune 3)
    class_weights: bool = False
    holdout: float = 0.2
    folds: int = 0
    seed: int = 0
    learning_rate: float = 0.0  # 0: the default (adam 0.05, finetune 3e-5 for the encoder)
    batch_size: int = 16
    layers: int = 2

    def check(self) -> Settings:
        if self.mode not in MODES:
            raise InputError(f"The mode must be 'head' or 'finetune'; got {self.mode!r}.")
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"The optimizer must be 'lbfgs' or 'adam'; got {self.optimizer!r}.")
        _number("l2", self.l2, 0.0, 100.0)
        _number("holdout", self.holdout, 0.0, 0.5)
        _number("learning_rate", self.learning_rate, 0.0, 1.0)
        check_whole("epochs", self.epochs, 0, 1000)
        check_whole("folds", self.folds, 0, 20)
        check_whole("seed", self.seed, 0, 2**32 - 1)
        check_whole("batch_size", self.batch_size, 1, 512)
        check_whole("layers", self.layers, 1, 48)
        if self.folds == 1:
            raise InputError("folds must be 0 (a held-out split) or from 2 to 20.")
        return self

    @property
    def steps(self) -> int:
        return self.epochs or {"lbfgs": 50, "adam": 300}[self.optimizer] if self.mode == "head" else self.epochs or 3


def _number(name: str, value, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
            or math.isnan(value):
        raise InputError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}.")



@dataclass(frozen=True)
class Epoch:
    epoch: int
    train_loss: float
    heldout_loss: float | None
    heldout_accuracy: float | None
    seconds: float


@dataclass
class Report:
    """Held-out (or cross-validated) quality: accuracy, confusion matrix (rows gold), per class P/R/F1."""

    rows: int
    accuracy: float
    labels: list[str]
    confusion: list[list[int]]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    folds: list[float] = field(default_factory=list)


@dataclass
class Result:
    model: ClassifierModel
    history: list[Epoch]
    report: Report | None
    examples: Examples
    settings: Settings
    seconds: dict[str, float]

    def summary(self) -> dict:
        return {"labels": list(self.examples.labels), "examples": len(self.examples.texts),
                "notes": list(self.examples.notes), "settings": asdict(self.settings),
                "history": [asdict(e) for e in self.history], "report": asdict(self.report) if self.report else None,
                "seconds": self.seconds}


def report(gold: np.ndarray, predicted: np.ndarray, labels: tuple[str, ...], folds=()) -> Report:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    every = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=every, zero_division=0)
    return Report(rows=int(len(gold)), accuracy=float((gold == predicted).mean()), labels=list(labels),
                  confusion=confusion_matrix(gold, predicted, labels=every).tolist(),
                  precision=precision.tolist(), recall=recall.tolist(), f1=f1.tolist(), support=support.tolist(),
                  folds=list(folds))
