"""Classification: explain the probability (or, with ``output="logit"``, the logit) of one or more
of the model's own labels (default: the predicted one)."""
from __future__ import annotations

from ..classifier import OUTPUTS
from ..errors import InputError
from ..params import Param
from .base import TargetSpec, Task, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    HUB_KIND = "hub-classifier"
    OPTIONS = (Param("output", "choice", "probability", choices=OUTPUTS, label="Output explained",
                     help="the class probability, or the logit (softmax-free; linear methods add up exactly)"),)

    def spec(self, model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        output = self.options(options)["output"]
        wanted = None if target is None else tuple(model.label_index(t) for t in wanted_names(target))
        if output == "probability":  # the model's own functions, so callers can count or patch them
            forward, score = model.predict_ids, model.predict_embeds
        else:
            def forward(batch):
                return model.predict_ids(batch, output=output)

            def score(embeds, mask, ids):
                return model.predict_embeds(embeds, mask, ids, output=output)
        return TargetSpec(task=self.NAME, labels=tuple(model.labels), output_name=output, forward=forward,
                          score=score, wanted=wanted, default="argmax", options={"output": output})
