"""Classification: explain the probability (or, with ``output="logit"``, the logit) of one or more
of the model's own labels (default: the predicted one)."""
from __future__ import annotations

from ..classifier import OUTPUTS
from ..errors import InputError
from ..params import Param
from ..windows import READING
from .base import TargetSpec, Task, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    HUB_KIND = "hub-classifier"
    OPTIONS = (Param("output", "choice", "probability", choices=OUTPUTS, label="Output explained",
                     help="the class probability, or the logit (softmax-free; linear methods add up exactly)"),
               *READING)

    def spec(self, model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        options = self.options(options)
        output = options["output"]
        wanted = None if target is None else tuple(model.label_index(t) for t in wanted_names(target))

        def forward(batch):
            return model.predict_ids(batch, **options)

        def score(embeds, mask, ids):
            return model.predict_embeds(embeds, mask, ids, **options)
        return TargetSpec(task=self.NAME, labels=tuple(model.labels), output_name=output, forward=forward,
                          score=score, wanted=wanted, default="argmax", options=options)
