"""Train a classifier on labelled examples: a head on a frozen encoder, or fine-tune its top layers.

**head** (default, seconds on a CPU): softmax regression on the encoder's normalised mean-pooled
embeddings, in PyTorch (float64), minimising the mean (optionally class-weighted) cross-entropy +
``l2``/2 ||W||^2 (one weight row per label) by full-batch L-BFGS (or Adam). With three or more
labels that is scikit-learn's ``LogisticRegression`` objective with ``C = 1 / (l2 * n_train)``, so
both find the same model (tested). With two labels scikit-learn fits a single weight vector w with
||w||^2 / 2C; the head's two rows are -w/2 and w/2 at the optimum, so its penalty is half as strong
and it equals scikit-learn with ``C = 2 / (l2 * n_train)`` (tested). The head keeps the same
strength per weight row whatever the number of labels, rather than change its meaning at two.
**finetune**: the head is fitted first as above, then it and the encoder's top ``layers`` layers
train together with AdamW in mini-batches (a copy of the encoder: the shared one never changes).

The same seed and data give identical weights. Held-out rows are a stratified, seeded split (or
``folds``-fold cross-validation); every epoch reports the training loss and the held-out loss and
accuracy, and the end a confusion matrix and per-class precision and recall.

CLI: ``python -m model.train --file data.csv --text-column text --label-column label --out my-model/``.
"""
from __future__ import annotations

import copy
import json
import math
import os
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .base import TextModel
from .classifier import ClassifierModel
from .device import precision
from .errors import InputError
from .validation import MAX_LABEL_CHARS, check_whole

MAX_ROWS = 5_000
MAX_LABELS = 100
MAX_CHARS = 2_000
MODES = ("head", "finetune")
OPTIMIZERS = ("lbfgs", "adam")


# ----------------------------------------------------------------------------- examples
@dataclass(frozen=True)
class Examples:
    """Checked training data: texts, their label indices, the label names, and what was left out."""

    texts: tuple[str, ...]
    targets: tuple[int, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        counts = Counter(self.targets)
        return {label: counts[i] for i, label in enumerate(self.labels)}


def parse_pasted(text: str) -> tuple[list[str], list[str], list[str]]:
    """``text, label`` (or ``text<TAB>label``) per line, split at the last separator (texts may
    contain commas). Returns texts, labels and a sentence per line that has no label."""
    if not isinstance(text, str):
        raise InputError("The examples must be text: one 'text, label' per line.")
    texts, labels, problems = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cut = line.rfind("\t") if "\t" in line else line.rfind(",")
        if cut <= 0 or not line[cut + 1:].strip():
            problems.append(f"line {number}: no label after a comma")
            continue
        texts.append(line[:cut].strip())
        labels.append(line[cut + 1:].strip())
    return texts, labels, problems


def left_out(problems: list[str]) -> tuple[str, ...]:
    """The note on lines that had no usable text and label (counted, the first quoted)."""
    if not problems:
        return ()
    return (f"{len(problems)} line{'s' if len(problems) > 1 else ''} without a text and a label left out "
            f"(first: {problems[0]})",)


def examples_from_rows(rows, **caps) -> Examples:
    """Examples from a file's rows (``explain.dataset.read_rows``): rows that could not be read or have
    no label are left out, and a note says so."""
    rows = list(rows)
    problems = [r.error for r in rows if r.error] + [f"line {r.line}: no label" for r in rows
                                                     if not r.error and r.label is None]
    good = [r for r in rows if not r.error and r.label is not None]
    return prepare_examples([r.text for r in good], [r.label for r in good], notes=left_out(problems), **caps)


def prepare_examples(texts, labels, *, max_rows: int = MAX_ROWS, max_labels: int = MAX_LABELS,
                     max_chars: int = MAX_CHARS, notes: tuple[str, ...] = ()) -> Examples:
    """Drop empty texts and duplicates (saying how many), then check the caps: at least 2 labels,
    2 examples per label, at most ``max_rows`` rows, ``max_labels`` labels, ``max_chars`` characters."""
    if not isinstance(texts, (list, tuple)) or not isinstance(labels, (list, tuple)) or len(texts) != len(labels):
        raise InputError("Give two lists of the same length: the texts and their labels.")
    if len(texts) > max_rows:
        raise InputError(f"{len(texts):,} examples were given; the limit is {max_rows:,}.")
    kept_texts, kept_labels, seen = [], [], {}
    empty = duplicates = conflicts = 0
    for number, (text, label) in enumerate(zip(texts, labels), start=1):
        if not isinstance(text, str) or not isinstance(label, str):
            raise InputError(f"Example {number}: the text and the label must be strings.")
        text, label = text.strip(), label.strip()
        if not text:
            empty += 1
            continue
        if not label:
            raise InputError(f"Example {number} has no label.")
        if len(text) > max_chars:
            raise InputError(f"Example {number} has {len(text):,} characters; the limit is {max_chars:,}.")
        if len(label) > MAX_LABEL_CHARS:
            raise InputError(f"Example {number}'s label has {len(label)} characters; the limit is {MAX_LABEL_CHARS}.")
        if text in seen:
            if seen[text] != label:
                conflicts += 1
            duplicates += 1
            continue
        seen[text] = label
        kept_texts.append(text)
        kept_labels.append(label)
    names = sorted(set(kept_labels))
    if len(names) < 2:
        found = "this data has one" if names else "no example has a text"
        raise InputError(f"Training needs at least 2 different labels; {found}.")
    if len(names) > max_labels:
        raise InputError(f"{len(names)} different labels were given; the limit is {max_labels}.")
    counts = Counter(kept_labels)
    few = [n for n in names if counts[n] < 2]
    if few:
        raise InputError(f"Every label needs at least 2 examples; {len(few)} ha{'s' if len(few) == 1 else 've'} "
                         f"one (first: {few[0]!r}).")
    notes = list(notes)
    if empty:
        notes.append(f"{empty} empty text{'s' if empty > 1 else ''} left out")
    if duplicates:
        notes.append(f"{duplicates} duplicate text{'s' if duplicates > 1 else ''} left out (the first kept"
                     + (f"; {conflicts} of them with a different label" if conflicts else "") + ")")
    index = {n: i for i, n in enumerate(names)}
    return Examples(tuple(kept_texts), tuple(index[label] for label in kept_labels), tuple(names), tuple(notes))


# ----------------------------------------------------------------------------- settings and results
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


# ----------------------------------------------------------------------------- the head
def class_weights(targets: np.ndarray, k: int, balanced: bool) -> np.ndarray:
    """scikit-learn's class_weight="balanced": n / (k * count of the class); else all 1."""
    if not balanced:
        return np.ones(k)
    counts = np.bincount(targets, minlength=k).astype(np.float64)
    return np.where(counts > 0, len(targets) / (k * np.maximum(counts, 1)), 0.0)


def _loss(weight, bias, x, y, sample_weights, l2: float) -> torch.Tensor:
    logits = x @ weight.T + bias
    ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    return (sample_weights * ce).sum() / len(y) + 0.5 * l2 * (weight * weight).sum()


def fit_head(x: np.ndarray, y: np.ndarray, k: int, settings: Settings, heldout: tuple | None = None,
             on_epoch: Callable[[Epoch], None] | None = None) -> tuple[torch.nn.Linear, list[Epoch]]:
    """Softmax regression on fixed features, full batch; deterministic (starts from zeros)."""
    torch.manual_seed(settings.seed)
    xt, yt = torch.from_numpy(np.asarray(x, np.float64)), torch.from_numpy(np.asarray(y, np.int64))
    sw = torch.from_numpy(class_weights(np.asarray(y), k, settings.class_weights))[yt]
    weight = torch.zeros(k, xt.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    if settings.optimizer == "lbfgs":
        optimizer = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=10, history_size=50,
                                      tolerance_grad=1e-10, tolerance_change=1e-14, line_search_fn="strong_wolfe")
    else:
        optimizer = torch.optim.Adam([weight, bias], lr=settings.learning_rate or 0.05)

    def closure():
        optimizer.zero_grad()
        loss = _loss(weight, bias, xt, yt, sw, settings.l2)
        loss.backward()
        return loss

    started = time.perf_counter()
    with torch.no_grad():  # epoch 0: the untrained head (every class equally likely), where the curve starts
        history = [_epoch(0, float(_loss(weight, bias, xt, yt, sw, settings.l2)), weight, bias, heldout, started)]
    if on_epoch is not None:
        on_epoch(history[0])
    previous = math.inf
    for epoch in range(1, settings.steps + 1):
        optimizer.step(closure)
        with torch.no_grad():
            loss = float(_loss(weight, bias, xt, yt, sw, settings.l2))
            history.append(_epoch(epoch, loss, weight, bias, heldout, started))
        if on_epoch is not None:
            on_epoch(history[-1])
        if settings.optimizer == "lbfgs" and abs(previous - loss) <= 1e-12 * max(1.0, abs(loss)):
            break  # converged: more steps change nothing
        previous = loss
    head = torch.nn.Linear(xt.shape[1], k)
    with torch.no_grad():
        head.weight.copy_(weight.detach())
        head.bias.copy_(bias.detach())
    return head, history


def _epoch(epoch: int, loss: float, weight, bias, heldout, started: float) -> Epoch:
    held_loss = held_accuracy = None
    if heldout is not None:
        x, y = heldout
        logits = torch.from_numpy(np.asarray(x, np.float64)) @ weight.T + bias
        target = torch.from_numpy(np.asarray(y, np.int64))
        held_loss = float(torch.nn.functional.cross_entropy(logits, target))
        held_accuracy = float((logits.argmax(1) == target).double().mean())
    return Epoch(epoch, loss, held_loss, held_accuracy, round(time.perf_counter() - started, 4))


# ----------------------------------------------------------------------------- fine-tuning
def _finetune(encoder_model: TextModel, head: torch.nn.Linear, texts: list[str], y: np.ndarray, k: int,
              settings: Settings, heldout: tuple | None, on_epoch, on_step) -> tuple[torch.nn.Module, list[Epoch]]:
    """The head and the encoder's top layers together, AdamW, mini-batches; a copy of the encoder."""
    from types import SimpleNamespace

    from .internals import anatomy

    torch.manual_seed(settings.seed)
    encoder = copy.deepcopy(encoder_model.network).float()
    layers = anatomy(SimpleNamespace(transformer=encoder.transformer, name=encoder_model.name)).layers
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    trainable = [p for layer in layers[-settings.layers:] for p in layer.parameters()]
    for parameter in trainable:
        parameter.requires_grad_(True)
    device = next(encoder.parameters()).device
    head = head.float().to(device)
    optimizer = torch.optim.AdamW([{"params": trainable, "lr": settings.learning_rate or 3e-5},
                                   {"params": head.parameters(), "lr": 1e-3, "weight_decay": 0.0}],
                                  weight_decay=0.01)
    weights = torch.tensor(class_weights(y, k, settings.class_weights), dtype=torch.float32, device=device)
    adapter = encoder_model.adapter
    rng = np.random.default_rng(settings.seed)

    # Mixed precision on CUDA as for every forward (weights and optimiser state stay float32); fp16
    # needs its loss scaled so small gradients do not underflow, bf16 does not.
    dtype = getattr(encoder_model, "dtype", torch.float32)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda" and dtype == torch.float16)

    def batch_logits(batch_texts: list[str]) -> torch.Tensor:
        seqs = [list(adapter.tokenize(t).ids) for t in batch_texts]
        tensors = encoder_model._tensors(seqs, None)
        with precision(device, dtype):
            hidden = encoder(tensors["input_ids"], tensors["attention_mask"], tensors.get("token_type_ids"))
        return head(hidden.float())

    history: list[Epoch] = []
    started = time.perf_counter()
    steps_per_epoch = math.ceil(len(texts) / settings.batch_size)
    for epoch in range(1, settings.steps + 1):
        encoder.train()
        order = rng.permutation(len(texts))
        total = 0.0
        for step in range(steps_per_epoch):
            chosen = order[step * settings.batch_size:(step + 1) * settings.batch_size]
            target = torch.from_numpy(y[chosen].astype(np.int64)).to(device)
            logits = batch_logits([texts[i] for i in chosen])
            loss = (weights[target] * torch.nn.functional.cross_entropy(logits, target, reduction="none")).mean()
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += float(loss.detach()) * len(chosen)
            if on_step is not None:
                on_step(epoch, step + 1, steps_per_epoch)
        encoder.eval()
        held_loss = held_accuracy = None
        if heldout is not None:
            with torch.no_grad():
                logits = torch.cat([batch_logits(list(heldout[0][i:i + 64])) for i in range(0, len(heldout[0]), 64)])
                target = torch.from_numpy(np.asarray(heldout[1], np.int64)).to(device)
                held_loss = float(torch.nn.functional.cross_entropy(logits, target))
                held_accuracy = float((logits.argmax(1) == target).float().mean())
        history.append(Epoch(epoch, total / len(texts), held_loss, held_accuracy,
                             round(time.perf_counter() - started, 4)))
        if on_epoch is not None:
            on_epoch(history[-1])
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    return encoder.eval(), history


# ----------------------------------------------------------------------------- the whole run
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
          on_stage: Callable[[str], None] | None = None) -> Result:
    """Train a classifier called ``name`` on ``examples``; nothing is registered (see ``TRAINED``)."""
    from .loading import load_model
    from .trained import build_classifier, check_name

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
    train_rows, held_rows = _split(y, settings)
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
    heldout = (x[held_rows], y[held_rows]) if len(held_rows) else None
    if on_stage:
        on_stage("Fitting the head")
    started = time.perf_counter()
    head, history = fit_head(x[train_rows], y[train_rows], k, settings, heldout,
                             on_epoch if settings.mode == "head" else None)
    seconds["head"] = time.perf_counter() - started
    encoder = None
    if settings.mode == "finetune":
        if on_stage:
            on_stage(f"Fine-tuning the top {settings.layers} layers")
        started = time.perf_counter()
        held_texts = (tuple(texts[i] for i in held_rows), y[held_rows]) if len(held_rows) else None
        encoder, history = _finetune(encoder_model, head, [texts[i] for i in train_rows], y[train_rows], k, settings,
                                     held_texts, on_epoch, on_step)
        seconds["finetune"] = time.perf_counter() - started
        seconds["finetune_examples_per_s"] = len(train_rows) * len(history) / seconds["finetune"]
    model = build_classifier(name, encoder_model, head, list(examples.labels), encoder=encoder,
                             settings=asdict(settings))
    quality = None
    if settings.folds:
        quality = report(y, predicted, examples.labels, folds)
    elif len(held_rows):
        probabilities = model.predict([texts[i] for i in held_rows])
        quality = report(y[held_rows], probabilities.argmax(1), examples.labels)
    return Result(model, history, quality, examples, settings, {k: round(v, 4) for k, v in seconds.items()})


# ----------------------------------------------------------------------------- live runs and bundles
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
    from .trained import save_trained

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


# ----------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m model.train", description="Train a classifier on labelled "
                                     "examples and save it (safetensors + JSON) for load_model(path).")
    parser.add_argument("--file", required=True, help="CSV or JSON Lines (UTF-8) with a text and a label column")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--out", required=True, help="the folder to write the model into")
    parser.add_argument("--name", default=None, help="the model's name (default: the --out folder's name)")
    defaults = Settings()
    for key, value in asdict(defaults).items():
        kind = type(value) if not isinstance(value, bool) else None
        flag = "--" + key.replace("_", "-")
        if kind is None:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=kind, default=value, choices=MODES if key == "mode" else
                                OPTIMIZERS if key == "optimizer" else None)
    args = parser.parse_args(argv)
    from . import quiet_logging
    from .rows import read_rows  # the same file reader as dataset mode
    from .trained import save_trained

    quiet_logging()
    try:
        examples = examples_from_rows(read_rows(args.file, text_column=args.text_column,
                                                label_column=args.label_column))
        settings = Settings(**{key: getattr(args, key) for key in asdict(defaults)})
        name = args.name or Path(args.out).resolve().name

        def show(epoch: Epoch) -> None:
            held = "" if epoch.heldout_loss is None else \
                f", held-out loss {epoch.heldout_loss:.4f}, accuracy {epoch.heldout_accuracy:.1%}"
            print(f"epoch {epoch.epoch}: training loss {epoch.train_loss:.4f}{held}", file=sys.stderr)

        result = train(examples, name, settings, on_epoch=show,
                       on_stage=lambda text: print(text + "…", file=sys.stderr))
        paths = save_trained(result.model, args.out)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for note in examples.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.report is not None:
        r = result.report
        what = f"{len(r.folds)}-fold cross-validated" if r.folds else f"held-out ({r.rows} rows)"
        print(f"{what} accuracy {r.accuracy:.1%}", file=sys.stderr)
    json.dump({"model": str(Path(args.out)), "files": [str(p) for p in paths], **result.summary()}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
