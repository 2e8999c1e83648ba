"""Zero-shot classification: explain each candidate label's score, computed exactly as the
zero-shot model scores it (in single-label mode the other candidates still compete)."""
from __future__ import annotations

from ..errors import InputError
from ..validation import check_labels, check_template
from .base import Task, TargetSpec, wanted_names


class ZeroShot(Task):
    NAME = "zero-shot"
    OUTPUT = "score"
    DESCRIPTION = "Scores of candidate labels chosen per call (labels=[...]); explains every candidate unless target= picks some."
    HUB_KIND = "hub-nli"
    TAKES = ("target", "labels", "hypothesis_template", "multi_label")
    REQUIRES = ("labels",)

    def has_target(self, *, labels=None, pair=None) -> bool:
        return labels is not None

    def spec(self, model, *, target=None, labels=None, pair=None, options=None) -> TargetSpec:
        if labels is None:
            raise InputError("Zero-shot explanations need candidate labels (labels=[...]).")
        if pair is not None:
            raise InputError("A second text (pair) is only for embedding models.")
        labels = check_labels(labels)
        options = dict(options or {})
        if "hypothesis_template" in options:
            check_template(options["hypothesis_template"])
        wanted = None
        if target is not None:
            names = wanted_names(target)
            missing = [t for t in names if t not in labels]
            if missing:
                raise InputError(f"The target {missing[0]!r} is not among the candidate labels.")
            wanted = tuple(labels.index(t) for t in names)

        def forward(batch):
            return model.predict_ids(batch, labels, **options)

        def score(embeds, mask, ids):
            return model.predict_embeds(embeds, mask, ids, labels, **options)

        return TargetSpec(task=self.NAME, labels=tuple(labels), output_name=self.OUTPUT, forward=forward,
                          score=score, wanted=wanted, default="all", options=options)
