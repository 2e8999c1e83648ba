"""The source of a plugin written outside the repository (the seam test writes it into a temporary
folder as the package ``studio_polarity`` and names it in ``STUDIO_PLUGINS``). With no edit of the
repository it adds:

- a task, ``polarity``: the margin p(POSITIVE) - p(NEGATIVE) of a sentiment classifier, less its own
  option ``polarity_margin``; judged "positive" or "negative" by the sign;
- a model under that task, ``toy-polarity``: the folder named by ``POLARITY_CHECKPOINT``, a classifier
  checkpoint served as a polarity model;
- a method, ``word_drop``: each word's drop of the output when its tokens are masked, times ``drop_weight``;
- a metric, ``polarity_top_drop``: f(x) - f(x with its two top-ranked words deleted);
- a counterfactual generator, ``drop_tail``: delete words from the end, never the first ``keep_first``.
"""
SOURCE = '''
import os
from pathlib import Path

import numpy as np

from explain import Method, MethodResult, Metric, Param, register_method, register_metric
from explain.counterfactuals import Edit, Generator, register_generator
from model import load_model, register_model, register_task
from model.tasks import TargetSpec, Task
from model.tasks.base import Words


class Polarity(Task):
    NAME = "polarity"
    OUTPUT = "margin"
    PROBABILITIES = False  # (a margin from -1 to 1: the page shows it as a number with the answer)
    DESCRIPTION = "p(POSITIVE) - p(NEGATIVE) of a sentiment classifier, less polarity_margin."
    SERVES = ("classification",)
    TAKES = ("target",)
    OPTIONS = (Param("polarity_margin", "float", 0.0, -1.0, 1.0, label="Margin",
                     help="subtracted from p(POSITIVE) - p(NEGATIVE)"),)
    WORDS = Words(target="polarity", lens="the margin", window_rule="the windows' margins are averaged")

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None):
        options = self.options(options)
        shift, calls = options["polarity_margin"], self.model_options(options)
        positive, negative = model.labels.index("POSITIVE"), model.labels.index("NEGATIVE")

        def forward(batch):
            p = np.asarray(model.predict_ids(batch, **calls), dtype=np.float64)
            return p[:, [positive]] - p[:, [negative]] - shift

        def score(embeds, mask, ids):
            p = model.predict_embeds(embeds, mask, ids, **calls)
            return p[:, positive:positive + 1] - p[:, negative:negative + 1] - shift

        return TargetSpec(task=self.NAME, labels=("polarity",), output_name="margin", forward=forward, score=score,
                          wanted=None, default="all", options=options)

    def answer(self, labels, output, options):
        return "positive" if output[0] >= 0 else "negative"

    def answers(self, labels, options):
        return ("positive", "negative")

    def direction(self, labels, output, column, options):
        return 1.0 if output[0] >= 0 else -1.0


@register_method
class WordDrop(Method):
    NAME = "word_drop"
    DESCRIPTION = "Each word's drop of the output when its tokens are masked, times drop_weight."
    PARAMS = (Param("drop_weight", "float", 1.0, 0.0, 10.0, help="multiplies every value"),
              Param("drop_budget", "int", 200, 1, 10_000, help="evaluations at most", budget=True))

    def explain(self, model, tokenized, target, *, params, seed):
        from explain.text.features import units

        words = units(tokenized, "word")
        ids = list(tokenized.ids)
        batch = [tuple(model.mask_token_id if i in word else t for i, t in enumerate(ids)) for word in words]
        outputs = yield batch
        values = np.zeros((len(ids), len(target.names)))
        for row, word in enumerate(words):
            values[word[0]] = params["drop_weight"] * (target.output - outputs[row])
        return MethodResult(values, np.zeros(len(target.names)), {"words_dropped": len(words)})


@register_metric
class PolarityTopDrop(Metric):
    """f(x) - f(x with its two top-ranked words deleted); higher is better."""

    NAME = "polarity_top_drop"

    def inputs(self, probe, order, f=None):
        return [probe.without(order[:2])]

    def score(self, probe, order, f):
        return probe.output - f(probe.without(order[:2]))


@register_generator
class DropTail(Generator):
    NAME = "drop_tail"
    LABEL = "Drop the last words"
    DESCRIPTION = "Delete words from the end of the text, never the first keep_first."
    PARAMS = (Param("keep_first", "int", 1, 0, 50, label="Words kept at the start",
                    help="the first words are never deleted"),)

    def candidates(self, context, params):
        deletable = context.words[params["keep_first"]:]
        return [[Edit(w.start, w.end, w.text, "")] for w in reversed(deletable)][:8]


register_task(Polarity())
register_model("toy-polarity", task="polarity",
               load=lambda: load_model(Path(os.environ["POLARITY_CHECKPOINT"]), task="polarity"),
               description="A tiny sentiment classifier read as a polarity margin (a plugin's model).")
'''
