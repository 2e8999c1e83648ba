"""Embeddings: explain the cosine similarity between the text and a second text (``pair``).
Swap the two texts to explain the other side."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..base import as_float64
from ..errors import InputError
from ..params import Param
from ..validation import check_text
from ..windows import READING
from .base import ARGUMENT_WORDS, TargetSpec, Task, Words, wanted_names

OUTPUT = "cosine similarity"
SIMILAR, NOT_SIMILAR = "similar", "not similar"
THRESHOLD = 0.5


def cosine(vectors: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every row of ``vectors`` (n, d) with every row of ``references``
    (m, d): (n, m). The one formula of the batched (float64) and the differentiable path."""
    references = references.to(device=vectors.device, dtype=vectors.dtype)
    return F.normalize(vectors, p=2, dim=-1, eps=1e-12) @ F.normalize(references, p=2, dim=-1, eps=1e-12).T


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of a set of vectors, in float64."""
    vectors = as_float64(vectors)
    return cosine(vectors, vectors).numpy()


class Embedding(Task):
    NAME = "embedding"
    OUTPUT = OUTPUT
    PROBABILITIES = False  # (a cosine, from -1 to 1: shown as a number with the answer)
    DESCRIPTION = "Sentence vectors; explains the cosine similarity of the text to a second text (pair=...)."
    TAKES = ("target", "pair", "contrast")
    REQUIRES = ("pair",)
    OPTIONS = (Param("threshold", "float", None, -1.0, 1.0, label="Similar from",
                     help=f"the cosine similarity from which two texts count as similar, where an answer is judged "
                          f"(counterfactuals, the what-if editor, dataset mode); default {THRESHOLD}"),
               *READING)
    WORDS = Words(target="similarity", lens="the cosine similarity to the second text",
                  window_rule="the text's vector is the normalised mean of the windows' normalised vectors",
                  arguments={"pair": ARGUMENT_WORDS["pair"]})

    def has_target(self, *, labels=None, pair=None) -> bool:
        return pair is not None

    def arguments(self, *, labels=None, pair=None) -> dict:
        return {"pair": pair}

    def is_correct(self, prediction, gold) -> bool | None:
        return None  # a similarity has no label to be right about

    def answer(self, labels, output, options) -> str:
        """Similar or not: the similarity against the threshold."""
        return SIMILAR if float(np.asarray(output, dtype=np.float64)[0]) >= options.get("threshold", THRESHOLD) \
            else NOT_SIMILAR

    def answers(self, labels, options) -> tuple[str, ...]:
        return (SIMILAR, NOT_SIMILAR)

    def direction(self, labels, output, column, options) -> float:
        """Similar texts change their answer as the similarity falls; the others as it rises."""
        return 1.0 if self.answer(labels, output, options) == SIMILAR else -1.0

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        if labels is not None:
            raise InputError("Labels are for zero-shot models; an embedding model compares two texts.")
        options = self.options(options)
        calls = self.model_options(options)
        if pair is None:
            raise InputError("Explaining an embedding model needs a second text (pair=...) to compare with.")
        check_text(pair, what="pair text")
        if target is not None and wanted_names(target) != [OUTPUT]:
            raise InputError(f"An embedding explanation has one target, {OUTPUT!r}.")
        reference = as_float64(model.predict([pair], **calls))

        def forward(batch):
            return cosine(as_float64(model.predict_ids(batch, **calls)), reference).numpy()

        def score(embeds, mask, ids):
            return cosine(model.predict_embeds(embeds, mask, ids, **calls), reference)

        if contrast is None:
            return TargetSpec(task=self.NAME, labels=(OUTPUT,), output_name=OUTPUT, forward=forward, score=score,
                              wanted=None, default="all", options=options, model_options=calls)
        check_text(contrast, what="contrast text")
        other = as_float64(model.predict([contrast], **calls))

        def difference(batch):  # closer to the pair than to the contrast text
            vectors = as_float64(model.predict_ids(batch, **calls))
            return (cosine(vectors, reference) - cosine(vectors, other)).numpy()

        def difference_score(embeds, mask, ids):
            vectors = model.predict_embeds(embeds, mask, ids, **calls)
            return cosine(vectors, reference) - cosine(vectors, other)

        return TargetSpec(task=self.NAME, labels=(OUTPUT,), output_name="similarity difference", forward=difference,
                          score=difference_score, wanted=None, default="all", options=options, model_options=calls, predict=forward,
                          contrast=contrast)
