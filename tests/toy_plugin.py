"""A plugin from outside the project: importing it (``STUDIO_PLUGINS=tests.toy_plugin``) registers a
method (the toy leave-one-token-out of ``tests.toy_method``), a scorecard metric and a model, with
no edit of the repository. ``unload()`` takes all three back (for tests that import it in-process).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from explain import Metric, register_metric, unregister_method, unregister_metric
from model import register_model, unregister_model
from tests.toy_method import ToyMethod  # noqa: F401 - importing it registers the method

MODEL = "toy-additive"


@register_metric
class TopWordDrop(Metric):
    """f(x) - f(x with its top-ranked word deleted); higher is better."""

    NAME = "top_word_drop"

    def inputs(self, probe, order, f=None):
        return [probe.without(order[:1])]

    def score(self, probe, order, f):
        return probe.output - f(probe.without(order[:1]))


def load_toy_model():
    """The synthetic additive classifier (its true attributions are known) on a small WordPiece
    tokenizer written to a temporary folder: offline and built in a second."""
    from transformers import BertTokenizerFast

    from tests.synthetic import AdditiveModel
    from tests.tiny_models import write_tokenizer

    folder = Path(tempfile.mkdtemp(prefix="toy-plugin-"))
    write_tokenizer(folder)
    model = AdditiveModel(BertTokenizerFast.from_pretrained(str(folder)))
    model.info = type(model.info)(name=MODEL, task=model.task, source="tests.toy_plugin",
                                  description="the synthetic additive classifier, from a plugin")
    return model


register_model(MODEL, task="classification", load=load_toy_model,
               description="The synthetic additive classifier (known attributions), registered by a plugin.")


def unload() -> None:
    from model.loading.load import forget

    unregister_method("toy")
    unregister_metric(TopWordDrop.NAME)
    unregister_model(MODEL)
    forget(MODEL)
