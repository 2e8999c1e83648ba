"""Retraining without some rows: the same training (settings, seed, encoder, held-out rows) on the
training rows less those, the truth that training-data attribution (``explain.influence``) is
checked against."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..kinds.classifier import ClassifierModel
from ..loading.load import load_model
from ..record import TrainingRecord
from ..trained import build_classifier
from .data import Examples
from .head import fit_head
from .run import train
from .settings import Settings


def record_of(model) -> TrainingRecord:
    """The training record a model keeps, or one sentence."""
    record = (getattr(model, "trained", None) or {}).get("record")
    if record is None:
        raise InputError(f"{getattr(model, 'name', 'This model')!r} keeps no training rows: training-data attribution "
                         "needs a model trained in the studio (or saved by it with its rows).")
    return record


def check_rows(record: TrainingRecord, rows) -> list[int]:
    """Training row indices (of the record's rows), each a row the model was trained on."""
    if isinstance(rows, (int, np.integer)):
        rows = [rows]
    try:
        chosen = sorted({int(r) for r in rows})
    except (TypeError, ValueError):
        raise InputError("rows must be training row numbers (whole numbers).") from None
    trained = set(record.trained_rows.tolist())
    bad = [r for r in chosen if r not in trained]
    if bad:
        raise InputError(f"Row {bad[0]} is not a row the model was trained on (rows 0 to {len(record.texts) - 1}, "
                         "held-out rows excluded).")
    if len(chosen) >= len(trained):
        raise InputError("Removing every training row leaves nothing to train on.")
    return chosen


def retrain_without(model: ClassifierModel, rows, *, name: str | None = None) -> ClassifierModel:
    """``model`` trained again the same way without the training rows ``rows`` (indices of its record's rows).
    A head is refitted on the recorded features (no re-embedding, seconds); a fine-tuned model is trained
    again from its encoder. The new model keeps its own record (the rows it was trained on)."""
    record = record_of(model)
    removed = check_rows(record, rows)
    settings = Settings(**model.trained["settings"]).check()
    keep = np.setdiff1d(np.arange(len(record.texts)), removed)
    texts = tuple(record.texts[i] for i in keep)
    targets, heldout = record.targets[keep], record.heldout[keep]
    name = name or model.name
    if model.trained["mode"] == "head":
        trained = np.flatnonzero(~heldout)
        head, _ = fit_head(record.features[keep][trained], targets[trained], len(model.labels), settings)
        encoder_model = load_model(model.trained["encoder"], task="embedding")
        new = build_classifier(name, encoder_model, head, list(model.labels), settings=model.trained["settings"])
        new.trained["record"] = TrainingRecord(texts, targets, heldout, record.features[keep], record.l2,
                                               record.class_weights)
        return new
    examples = Examples(texts, tuple(int(t) for t in targets), tuple(model.labels))
    return train(examples, name, settings, heldout=heldout).model


def left_out_in_turn(model: ClassifierModel, texts: list[str], rows, on_row=None) -> np.ndarray:
    """The probabilities of ``texts`` after retraining without each of ``rows`` in turn, (rows, texts, labels):
    what training-data attribution's estimates are checked against. ``on_row(done, total)`` after each."""
    out = []
    for done, row in enumerate(rows, 1):
        out.append(retrain_without(model, [row], name=f"{model.name}-without-row").predict(texts))
        if on_row is not None:
            on_row(done, len(rows))
    return np.stack(out) if out else np.empty((0, len(texts), len(model.labels)))
