"""TracIn (Pruthi et al. 2020) over a fine-tuned model's epoch checkpoints, on the head: for each
checkpoint t, the learning rate times the dot product of a training row's loss gradient and the text's
log-probability gradient, with respect to the head, each read on that epoch's features (the text's
through the encoder as it was then). Its sign says what removing the row would do to log p(target):
an approximation (first order, the last checkpoints only, the head's parameters only)."""
from __future__ import annotations

import copy

import numpy as np
import torch

from model.errors import InputError
from model.record import TrainingRecord


def tracin(model, record: TrainingRecord, text: str, target: int) -> np.ndarray:
    """Each trained row's TracIn score for log p(target | text) (positive: it raised it)."""
    if not record.checkpoints:
        raise InputError("TracIn needs a fine-tuned model's epoch checkpoints; for a head use influence or "
                         "representer (exact).")
    from model import load_model
    from model.train.run import embed_with

    encoder_model = load_model(model.trained["encoder"], task="embedding")
    rows = record.trained_rows
    k = len(model.labels)
    scores = np.zeros(len(rows))
    encoder = copy.deepcopy(model.network.encoder)
    for checkpoint in record.checkpoints:
        with torch.no_grad():
            parameters = dict(encoder.named_parameters())
            for name, value in checkpoint.layers.items():
                parameters[name].copy_(value)
        x = np.append(embed_with(encoder_model, encoder, [text])[0].astype(np.float64), 1.0)
        w = np.hstack([checkpoint.weight, checkpoint.bias[:, None]])
        logits = x @ w.T
        p = np.exp(logits - logits.max())
        p /= p.sum()
        query = np.eye(k)[target] - p  # ∂ log p(target) / ∂ logits
        features = np.hstack([checkpoint.features[rows], np.ones((len(rows), 1))])
        row_logits = features @ w.T
        row_p = np.exp(row_logits - row_logits.max(1, keepdims=True))
        row_p /= row_p.sum(1, keepdims=True)
        residual = row_p - np.eye(k)[record.targets[rows]]  # ∂ ℓ_i / ∂ logits
        # ∇ℓ_i · ∇f = (residual_i · query) (x̃_i · x̃); a step down ∇ℓ_i raises f by η (-∇ℓ_i · ∇f)
        scores += checkpoint.learning_rate * -(residual @ query) * (features @ x)
    return scores
