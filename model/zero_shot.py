"""Zero-shot classification: candidate labels chosen at call time.

Two scorers share one interface, ``predict_ids(ids, labels, hypothesis_template=, multi_label=)``:

* ``SimilarityZeroShot`` (bundled ``minilm-zeroshot``): cosine between the text's embedding and
  each label rendered through the template. Single-label: softmax(cos / temperature) across
  labels. Multi-label: sigmoid((cos - threshold) / temperature) per label.
* ``NLIZeroShot`` (hub NLI models): each (text, hypothesis) pair through an NLI classifier, scored
  exactly like transformers' ``ZeroShotClassificationPipeline``: softmax of the entailment logits
  across labels; with ``multi_label`` (or a single label) softmax of entailment vs contradiction
  per label.
"""
from __future__ import annotations

import threading

import numpy as np

from .base import TextModel, as_id_lists
from .classifier import probabilities
from .validation import check_labels, check_template

SIMILARITY_TEMPLATE = "This text is about {}."
SIMILARITY_TEMPERATURE = 0.05
SIMILARITY_THRESHOLD = 0.25
NLI_TEMPLATE = "This example is {}."  # transformers' ZeroShotClassificationPipeline default


class ZeroShotModel(TextModel):
    """Shared option handling: labels are required, template and multi_label are per call."""

    task = "zero-shot"
    default_template = SIMILARITY_TEMPLATE

    def _options(self, labels, hypothesis_template=None, multi_label=False, **extra):
        labels = check_labels(labels)
        template = check_template(hypothesis_template if hypothesis_template is not None else self.default_template)
        if not isinstance(multi_label, (bool, np.bool_)):
            raise ValueError("multi_label must be True or False.")
        return labels, template, bool(multi_label), extra


class SimilarityZeroShot(ZeroShotModel):
    """Embedding-similarity zero-shot on a sentence encoder (``network`` returns unit vectors)."""

    default_template = SIMILARITY_TEMPLATE

    def __init__(self, *args, temperature: float = SIMILARITY_TEMPERATURE, threshold: float = SIMILARITY_THRESHOLD,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature = temperature
        self.threshold = threshold
        self._hypothesis_cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    def _hypotheses(self, sentences: list[str]) -> np.ndarray:
        """Unit embeddings of the rendered hypotheses, cached: labels repeat across calls."""
        with self._cache_lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._hypothesis_cache]
        if missing:
            ids = [self.tokenize(s).ids for s in missing]
            vectors = self._run([list(i) for i in ids])
            with self._cache_lock:
                if len(self._hypothesis_cache) > 10_000:
                    self._hypothesis_cache.clear()
                self._hypothesis_cache.update(zip(missing, vectors))
        with self._cache_lock:
            return np.stack([self._hypothesis_cache[s] for s in sentences])

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        temperature = options.pop("temperature", self.temperature)
        threshold = options.pop("threshold", self.threshold)
        labels, template, multi_label, extra = self._options(labels, **options)
        if extra:
            raise ValueError(f"Zero-shot models take no option {sorted(extra)[0]!r}.")
        if not isinstance(temperature, (int, float)) or not 0 < temperature <= 100:
            raise ValueError("The temperature must be a number above 0 and at most 100.")
        texts = self._run(as_id_lists(id_batch))
        hypotheses = self._hypotheses([template.format(label) for label in labels])
        cosine = texts.astype(np.float64) @ hypotheses.astype(np.float64).T
        if multi_label:
            return (1.0 / (1.0 + np.exp(-(cosine - threshold) / temperature))).astype(np.float32)
        return probabilities(cosine / temperature, multi_label=False)


class NLIZeroShot(ZeroShotModel):
    """NLI cross-encoder zero-shot; ``network`` returns NLI logits for (premise, hypothesis)."""

    default_template = NLI_TEMPLATE

    def __init__(self, *args, entailment_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.entailment_id = entailment_id
        self.contradiction_id = -1 if entailment_id == 0 else 0  # as the pipeline picks it

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        labels, template, multi_label, extra = self._options(labels, **options)
        if extra:
            raise ValueError(f"Zero-shot models take no option {sorted(extra)[0]!r}.")
        premises = [self.adapter.content_ids(ids) for ids in as_id_lists(id_batch)]
        hypotheses = [self.adapter.encode_content(template.format(label)) for label in labels]
        pairs = [self.adapter.build_pair(p, h) for p in premises for h in hypotheses]
        logits = self._run([ids for ids, _ in pairs], types=[types for _, types in pairs])
        logits = logits.astype(np.float64).reshape(len(premises), len(labels), -1)
        if multi_label or len(labels) == 1:
            pair = logits[..., [self.contradiction_id, self.entailment_id]]
            return probabilities(pair, multi_label=False)[..., 1]
        return probabilities(logits[..., self.entailment_id], multi_label=False)
