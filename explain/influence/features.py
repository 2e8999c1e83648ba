"""A text's features as the trained head reads them, and the head's training problem from a model's record."""
from __future__ import annotations

import weakref

import numpy as np

from model.record import TrainingRecord

from .head import HeadProblem


def features_of(model, text: str) -> np.ndarray:
    """The encoder's output for ``text`` (the head's input), float64: the shared encoder's for a head, the
    fine-tuned copy's otherwise."""
    from model import load_model
    from model.train.run import embed_with

    encoder_model = load_model(model.trained["encoder"], task="embedding")
    if model.trained["mode"] == "head":
        return np.asarray(encoder_model.predict([text])[0], np.float64)
    return embed_with(encoder_model, model.network.encoder, [text])[0].astype(np.float64)


def problem_of(model, record: TrainingRecord) -> HeadProblem:
    """The head's regularised training problem on the rows it was trained on, at its trained weights."""
    rows = record.trained_rows
    head = model.network.head
    return HeadProblem.of(record.features[rows], record.targets[rows], head.weight.detach().double().cpu().numpy(),
                          head.bias.detach().double().cpu().numpy(), record.l2, record.class_weights)


_PREPARED: dict[int, tuple[weakref.ref, HeadProblem]] = {}
PREPARED_KEPT = 4  # models whose prepared problem is kept (a 5,000-row one is about 16 MB)


def prepared_problem(model, record: TrainingRecord) -> HeadProblem:
    """``problem_of`` with its Hessian blocks factorised, once per model's record: the factorisation is most
    of a first query's time (0.7 s of 0.9 s at 5,000 rows here), and a record never changes."""
    hit = _PREPARED.get(id(record))
    if hit is not None and hit[0]() is record:
        return hit[1]
    problem = problem_of(model, record).prepare()
    _PREPARED[id(record)] = (weakref.ref(record), problem)
    for key in list(_PREPARED)[:-PREPARED_KEPT]:
        _PREPARED.pop(key, None)  # (another thread may have dropped it)
    return problem
