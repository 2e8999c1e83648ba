"""A text's features as the trained head reads them, and the head's training problem from a model's record."""
from __future__ import annotations

import numpy as np

from model.record import TrainingRecord

from .head import HeadProblem


def features_of(model, text: str) -> np.ndarray:
    """The encoder's output for ``text`` (the head's input), float64: the shared encoder's for a head, the
    fine-tuned copy's otherwise."""
    from model.train.run import embed_with

    if model.trained["mode"] == "head":
        from model import load_model

        return np.asarray(load_model(model.trained["encoder"], task="embedding").predict([text])[0], np.float64)
    from model import load_model

    encoder_model = load_model(model.trained["encoder"], task="embedding")
    return embed_with(encoder_model, model.network.encoder, [text])[0].astype(np.float64)


def problem_of(model, record: TrainingRecord) -> HeadProblem:
    """The head's regularised training problem on the rows it was trained on, at its trained weights."""
    rows = record.trained_rows
    head = model.network.head
    return HeadProblem.of(record.features[rows], record.targets[rows], head.weight.detach().double().cpu().numpy(),
                          head.bias.detach().double().cpu().numpy(), record.l2, record.class_weights)
