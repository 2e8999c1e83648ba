"""Classification: explain the probability (or, with ``output="logit"``, the logit) of one or more
of the model's own labels (default: the predicted one)."""
from __future__ import annotations

import numpy as np
import torch

from ..errors import InputError
from ..kinds.classifier import OUTPUTS
from ..params import Param
from ..windows import READING
from .base import TargetSpec, Task, Words, contrast_label, contrasted, reading, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    WORDS = Words(target="class", lens="the class probabilities",
                  window_rule="the probabilities are the softmax of the mean of the windows' logits")
    OPTIONS = (Param("output", "choice", "probability", choices=OUTPUTS, label="Output explained",
                     help="the class probability, or the logit (softmax-free; linear methods add up exactly)"),
               *READING)

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        options = self.options(options)
        output = options["output"]
        calls = self.model_options(options)
        wanted = None if target is None else tuple(model.label_index(t) for t in wanted_names(target))

        def forward(batch):
            return model.predict_ids(batch, **calls)

        def score(embeds, mask, ids):
            return model.predict_embeds(embeds, mask, ids, **calls)
        spec = TargetSpec(task=self.NAME, labels=tuple(model.labels), output_name=output, forward=forward,
                          score=score, wanted=wanted, default="argmax", options=options, model_options=calls)
        if contrast is None:
            return spec
        column = contrast_label(contrast, model.labels)
        logits = {**calls, "output": "logit"}
        multi = bool(getattr(model, "multi_label", False))

        def log_forward(batch):  # log p up to a per-row constant: the logits (log-sigmoid when multi-label)
            values = np.asarray(model.predict_ids(batch, **logits), dtype=np.float64)
            return -np.logaddexp(0.0, -values) if multi else values

        def log_score(embeds, mask, ids):
            values = model.predict_embeds(embeds, mask, ids, **logits)
            return torch.nn.functional.logsigmoid(values) if multi else values

        return contrasted(spec, log_forward, log_score, contrast, column, "log-probability difference")

    def model_options(self, options) -> dict:
        return {**reading(options), "output": options.get("output", "probability")}
