"""Classification: explain the probability (or, with ``output="logit"``, the logit) of one or more
of the model's own labels (default: the predicted one)."""
from __future__ import annotations

from ..classifier import check_output
from ..errors import InputError
from .base import Task, TargetSpec, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    HUB_KIND = "hub-classifier"
    TAKES = ("target", "output")

    def spec(self, model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        options = dict(options or {})
        output = options.pop("output", "probability")
        if options:
            raise InputError(f"A classifier takes no option {sorted(options)[0]!r}.")
        check_output(output)
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
