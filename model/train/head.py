"""The head: softmax regression on fixed encoder features, full batch, float64, solved to the optimum
(L-BFGS) or by Adam; deterministic (it starts from zeros). See the package's docstring for how it
equals scikit-learn's LogisticRegression."""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch

from .settings import Epoch, Settings


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
