"""One training run: embed the examples, split (held out or k folds), fit the head, optionally
fine-tune, build the classifier and report its quality; live progress for the page; the bundle of
files a user downloads."""
from __future__ import annotations

import json
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..loading.load import load_model
from ..record import Checkpoint, TrainingRecord
from ..trained import build_classifier, check_name, save_trained
from .data import Examples
from .finetune import finetune
from .head import fit_head
from .settings import Epoch, Result, Settings, report


def _split(targets: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded: train and held-out row indices (held-out empty for holdout 0)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(targets))
    if settings.holdout == 0 or settings.folds:
        return rows, rows[:0]
    k = len(set(targets.tolist()))
    size = max(int(round(settings.holdout * len(rows))), k)
    if len(rows) - size < k:
        raise InputError(f"{len(rows)} examples of {k} labels are too few for a held-out split of "
                         f"{settings.holdout:.0%}: give more examples, or hold out 0.")
    train, held = train_test_split(rows, test_size=size, stratify=targets, random_state=settings.seed)
    return np.sort(train), np.sort(held)


def train(examples: Examples, name: str, settings: Settings = Settings(), *, cache_dir: str | None = None,
          on_epoch: Callable[[Epoch], None] | None = None,
          on_step: Callable[[int, int, int], None] | None = None,
          on_stage: Callable[[str], None] | None = None, heldout: np.ndarray | None = None) -> Result:
    """Train a classifier called ``name`` on ``examples``; nothing is registered (see ``TRAINED``).
    ``heldout``: which examples to hold out (a bool per example) instead of the settings' seeded split
    (retraining without some rows keeps the split it had)."""

    check_name(name)
    settings = settings.check()
    encoder_model = load_model(settings.encoder, task="embedding", cache_dir=cache_dir)
    texts, y = list(examples.texts), np.asarray(examples.targets)
    k = len(examples.labels)
    seconds = {}
    started = time.perf_counter()
    if on_stage:
        on_stage(f"Embedding {len(texts):,} examples with {encoder_model.name}")
    x = encoder_model.predict(texts).astype(np.float64)
    seconds["embedding"] = time.perf_counter() - started
    if heldout is None:
        train_rows, held_rows = _split(y, settings)
    else:
        train_rows, held_rows = np.flatnonzero(~np.asarray(heldout)), np.flatnonzero(np.asarray(heldout))
    folds: list[float] = []
    if settings.folds:
        from sklearn.model_selection import StratifiedKFold

        if np.bincount(y).min() < settings.folds:
            raise InputError(f"{settings.folds}-fold cross-validation needs at least {settings.folds} examples of "
                             "every label.")
        predicted = np.zeros_like(y)
        splitter = StratifiedKFold(settings.folds, shuffle=True, random_state=settings.seed)
        for fold_train, fold_test in splitter.split(x, y):
            fold_head, _ = fit_head(x[fold_train], y[fold_train], k, settings)
            with torch.no_grad():
                predicted[fold_test] = fold_head(torch.from_numpy(x[fold_test]).float()).argmax(1).numpy()
            folds.append(float((predicted[fold_test] == y[fold_test]).mean()))
    held = (x[held_rows], y[held_rows]) if len(held_rows) else None
    if on_stage:
        on_stage("Fitting the head")
    started = time.perf_counter()
    head, history = fit_head(x[train_rows], y[train_rows], k, settings, held,
                             on_epoch if settings.mode == "head" else None)
    seconds["head"] = time.perf_counter() - started
    encoder, checkpoints = None, []
    if settings.mode == "finetune":
        if on_stage:
            on_stage(f"Fine-tuning the top {settings.layers} layers")
        started = time.perf_counter()
        held_texts = (tuple(texts[i] for i in held_rows), y[held_rows]) if len(held_rows) else None

        def keep(tuned, tuned_head, layers, rate) -> None:  # (every row's features at this epoch, for TracIn)
            checkpoints.append(Checkpoint(tuned_head.weight.double().cpu().numpy(),
                                          tuned_head.bias.double().cpu().numpy(),
                                          embed_with(encoder_model, tuned, texts), layers, rate))

        encoder, history = finetune(encoder_model, head, [texts[i] for i in train_rows], y[train_rows], k, settings,
                                    held_texts, on_epoch, on_step, keep)
        seconds["finetune"] = time.perf_counter() - started
        seconds["finetune_examples_per_s"] = len(train_rows) * len(history) / seconds["finetune"]
    model = build_classifier(name, encoder_model, head, list(examples.labels), encoder=encoder,
                             settings=asdict(settings))
    heldout_mask = np.zeros(len(texts), dtype=bool)
    heldout_mask[held_rows] = True
    final = x if encoder is None else embed_with(encoder_model, encoder, texts).astype(np.float64)
    model.trained["record"] = TrainingRecord(tuple(texts), y.copy(), heldout_mask, final, settings.l2,
                                             settings.class_weights, checkpoints)
    quality = None
    if settings.folds:
        quality = report(y, predicted, examples.labels, folds)
    elif len(held_rows):
        probabilities = model.predict([texts[i] for i in held_rows])
        quality = report(y[held_rows], probabilities.argmax(1), examples.labels)
    return Result(model, history, quality, examples, settings, {k: round(v, 4) for k, v in seconds.items()})


def embed_with(encoder_model, encoder: torch.nn.Module, texts: list[str], batch: int = 64) -> np.ndarray:
    """The texts' features through ``encoder`` (a fine-tuned copy of ``encoder_model``'s network), float32."""
    rows = []
    with torch.no_grad():
        for start in range(0, len(texts), batch):
            seqs = [list(encoder_model.adapter.tokenize(t).ids) for t in texts[start:start + batch]]
            tensors = encoder_model._tensors(seqs, None)
            rows.append(encoder(tensors["input_ids"], tensors["attention_mask"],
                                tensors.get("token_type_ids")).float().cpu().numpy())
    return np.concatenate(rows)


def train_live(examples: Examples, name: str, settings: Settings = Settings(), *,
               cache_dir: str | None = None) -> Iterator[tuple[str, object]]:
    """``train`` in a worker thread, its progress as events in the caller's thread: ("stage", text),
    ("step", (epoch, step, steps)), ("epoch", Epoch), and last ("done", Result). An error in training
    is raised here, in the caller's thread (a web request that draws the curves as they come)."""
    import queue
    import threading

    events: queue.SimpleQueue = queue.SimpleQueue()
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["result"] = train(examples, name, settings, cache_dir=cache_dir,
                                      on_epoch=lambda e: events.put(("epoch", e)),
                                      on_step=lambda e, s, n: events.put(("step", (e, s, n))),
                                      on_stage=lambda t: events.put(("stage", t)))
        except Exception as err:  # noqa: BLE001 - re-raised in the caller's thread below
            outcome["error"] = err
        finally:
            events.put(("finished", None))

    worker = threading.Thread(target=work, name="train", daemon=True)
    worker.start()
    while True:
        kind, value = events.get()
        if kind == "finished":
            break
        yield kind, value
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    yield "done", outcome["result"]


def bundle(result: Result, folder: str | os.PathLike) -> tuple[Path, list[Path]]:
    """The trained model as a loadable folder ``folder/<name>`` (safetensors + JSON, and the training
    summary as training.json) and the same folder in one zip beside it: (the zip, the folder's files)."""
    root = Path(folder) / result.model.name
    files = save_trained(result.model, root)
    summary = root / "training.json"
    summary.write_text(json.dumps(result.summary(), ensure_ascii=False), encoding="utf-8")
    files.append(summary)
    archive = Path(folder) / f"{result.model.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in files:
            handle.write(path, f"{result.model.name}/{path.name}")
    return archive, files
