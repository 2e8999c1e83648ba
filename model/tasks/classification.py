"""Classification: explain the probability of one or more of the model's own labels
(default: the predicted one)."""
from __future__ import annotations

from ..errors import InputError
from .base import Task, TargetSpec, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    HUB_KIND = "hub-classifier"

    def spec(self, model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        if options:
            raise InputError(f"A classifier takes no option {sorted(options)[0]!r}.")
        wanted = None if target is None else tuple(model.label_index(t) for t in wanted_names(target))
        return TargetSpec(task=self.NAME, labels=tuple(model.labels), output_name=self.OUTPUT,
                          forward=model.predict_ids, score=model.predict_embeds, wanted=wanted, default="argmax")
