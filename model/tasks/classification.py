"""Classification: explain the probability of one or more of the model's own labels (default: the predicted
one), or another output of its logits (``output=``: log_probability, logit, margin; ``model.outputs``)."""
from __future__ import annotations

import numpy as np
import torch

from ..errors import InputError
from ..outputs import MODEL_OWN, checked, output_option
from ..windows import READING
from .base import TargetSpec, Task, Words, contrast_label, contrasted, reading, wanted_names


class Classification(Task):
    NAME = "classification"
    OUTPUT = "probability"
    DESCRIPTION = "Probabilities over the model's own labels; explains the predicted class unless target= names others."
    WORDS = Words(target="class", lens="the class probabilities",
                  window_rule="the probabilities are the softmax of the mean of the windows' logits")
    OPTIONS = (output_option("classification", "probability"), *READING)

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; a classifier explains its own labels (use target=).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        options = self.options(options)
        output = checked(self.NAME, options["output"])
        calls = self.model_options(options)
        wanted = None if target is None else tuple(model.label_index(t) for t in wanted_names(target))
        multi = bool(getattr(model, "multi_label", False))

        def probabilities(batch):  # the prediction shown stays the probabilities, whatever is explained
            return model.predict_ids(batch, **{**calls, "output": "probability"})
        if output.NAME in MODEL_OWN:  # the classifier's own probability or logit
            def forward(batch):
                return model.predict_ids(batch, **calls)

            def score(embeds, mask, ids):
                return model.predict_embeds(embeds, mask, ids, **calls)
            predict = None if output.NAME == "probability" else probabilities
        else:  # a function of the logits (model.outputs); the prediction stays the probabilities
            logit_calls = {**calls, "output": "logit"}

            def forward(batch):
                return output.numpy(np.asarray(model.predict_ids(batch, **logit_calls), dtype=np.float64), multi)

            def score(embeds, mask, ids):
                return output.torch(model.predict_embeds(embeds, mask, ids, **logit_calls), multi)

            predict = probabilities
        if contrast is not None and output.NAME not in ("probability", "logit"):
            raise InputError(f"A contrast explains log p(target) − log p(contrast); it cannot be explained as "
                             f"output={output.NAME!r} too (leave output at probability).")
        spec = TargetSpec(task=self.NAME, labels=tuple(model.labels), output_name=output.label, forward=forward,
                          score=score, wanted=wanted, default="argmax", options=options, model_options=calls,
                          predict=predict)
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
        """How the text is read, and what the classifier itself returns: its probability or logit (any other
        output is computed here from the logits)."""
        own = options.get("output", "probability")
        return {**reading(options), "output": own if own in ("probability", "logit") else "logit"}
