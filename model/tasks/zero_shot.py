"""Zero-shot classification: explain each candidate label's score, computed exactly as the
zero-shot model scores it (in single-label mode the other candidates still compete)."""
from __future__ import annotations

import numpy as np
import torch

from ..errors import InputError
from ..outputs import MODEL_OWN, checked, logits_of_scores, output_option
from ..params import Param
from ..validation import MAX_TEMPLATE_CHARS, check_labels, check_template
from ..windows import READING
from .base import ARGUMENT_WORDS, TargetSpec, Task, Words, contrast_label, contrasted, reading, wanted_names


class ZeroShot(Task):
    NAME = "zero-shot"
    OUTPUT = "score"
    DESCRIPTION = "Scores of candidate labels chosen per call (labels=[...]); explains every candidate unless target= picks some."
    WORDS = Words(target="label", lens="the candidate labels' scores",
                  window_rule="each label's score comes from the mean of the windows' logits (for a similarity model, "
                              "the mean of the windows' cosines)",
                  arguments={"labels": ARGUMENT_WORDS["labels"]})
    TAKES = ("target", "labels", "contrast")
    REQUIRES = ("labels",)
    OPTIONS = (
        Param("hypothesis_template", "text", None, high=MAX_TEMPLATE_CHARS, validate=check_template,
              label="Hypothesis template", help="the sentence each label is put into, with one {} where the label "
              "goes (default: the model's own); for a decoder prompted to classify, {text} before it says where "
              "the text goes, after instructions"),
        Param("multi_label", "bool", False, label="Several labels can be true",
              help="score each label on its own instead of as a share of 100%"),
        output_option("zero-shot", "score"),
        *READING,
    )

    def has_target(self, *, labels=None, pair=None) -> bool:
        return labels is not None

    def arguments(self, *, labels=None, pair=None) -> dict:
        return {"labels": list(labels)}

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is None:
            raise InputError("Zero-shot explanations need candidate labels (labels=[...]).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        labels = check_labels(labels)
        options = self.options(options)
        calls = self.model_options(options)
        wanted = None
        if target is not None:
            names = wanted_names(target)
            missing = [t for t in names if t not in labels]
            if missing:
                raise InputError(f"The target {missing[0]!r} is not among the candidate labels.")
            wanted = tuple(labels.index(t) for t in names)

        def scores(batch):
            return model.predict_ids(batch, labels, **calls)

        def score_embeds(embeds, mask, ids):
            return model.predict_embeds(embeds, mask, ids, labels, **calls)

        output, multi = checked(self.NAME, options["output"]), bool(options.get("multi_label"))
        forward, score, predict = scores, score_embeds, None
        if output.NAME not in MODEL_OWN:  # a function of the scores' logits (model.outputs); the scores stay shown
            def forward(batch):
                return output.numpy(logits_of_scores(scores(batch), multi), multi)

            def score(embeds, mask, ids):
                return output.torch(logits_of_scores(score_embeds(embeds, mask, ids), multi), multi)
            predict = scores
            if contrast is not None:
                raise InputError(f"A contrast explains log s(target) − log s(contrast); it cannot be explained as "
                                 f"output={output.NAME!r} too (leave output at score).")
        spec = TargetSpec(task=self.NAME, labels=tuple(labels), output_name=output.label, forward=forward,
                          score=score, wanted=wanted, default="all", options=options, model_options=calls,
                          predict=predict)
        if contrast is None:
            return spec
        column = contrast_label(contrast, labels)

        def log_forward(batch):  # the scores' logs (float64; a score of 0 is floored at the smallest float)
            return np.log(np.maximum(np.asarray(scores(batch), dtype=np.float64), np.finfo(np.float64).tiny))

        def log_score(embeds, mask, ids):
            return torch.log(score_embeds(embeds, mask, ids).clamp_min(torch.finfo(torch.float32).tiny))

        return contrasted(spec, log_forward, log_score, contrast, column, "log-score difference")

    def model_options(self, options) -> dict:
        own = {name: options[name] for name in ("hypothesis_template", "multi_label") if options.get(name) is not None}
        return {**reading(options), **own}
