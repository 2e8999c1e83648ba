"""Zero-shot classification: candidate labels chosen at call time.

Two scorers share one interface, ``predict_ids(ids, labels, hypothesis_template=, multi_label=)``:

* ``SimilarityZeroShot`` (bundled ``minilm-zeroshot``): cosine between the text's embedding and
  each label rendered through the template. Single-label: softmax(cos / 0.05) across labels.
  Multi-label (and a single candidate label): sigmoid((cos - 0.12) / 0.03) per label, i.e. 50% at
  cosine 0.12. Those two numbers were fitted on the held-in examples of
  ``assets/zero_shot_calibration.json`` (MiniLM's cosines for a matching topic are small: 0.06 to
  0.49, mean 0.22; for other topics mean 0.02); see the README for the measured accuracy.
* ``NLIZeroShot`` (hub NLI models): each (text, hypothesis) pair through an NLI classifier, scored
  exactly like transformers' ``ZeroShotClassificationPipeline``: softmax of the entailment logits
  across labels; with ``multi_label`` (or a single label) softmax of entailment vs contradiction
  per label.

Each scorer writes its maths once, in torch (``_answer``), for both ``predict_ids`` and the
differentiable ``predict_embeds``.
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from ..base import TextModel, as_float64, as_id_lists
from ..errors import InputError
from ..validation import check_labels, check_template
from ..windows import Reading, input_key, window_starts

SIMILARITY_TEMPLATE = "This text is about {}."
SIMILARITY_TEMPERATURE = 0.05  # softmax across labels
SIMILARITY_THRESHOLD = 0.12  # independent scores: 50% at this cosine...
SIMILARITY_WIDTH = 0.03  # ...and this temperature (fitted on assets/zero_shot_calibration.json)
NLI_TEMPLATE = "This example is {}."  # transformers' ZeroShotClassificationPipeline default


class ZeroShotModel(TextModel):
    """Shared option handling: labels are required, template and multi_label are per call."""

    kind = task = "zero-shot"
    default_template = SIMILARITY_TEMPLATE

    def _options(self, labels, hypothesis_template=None, multi_label=False, **extra):
        labels = check_labels(labels)
        template = check_template(hypothesis_template if hypothesis_template is not None else self.default_template,
                                  text_slot=False)
        if not isinstance(multi_label, (bool, np.bool_)):
            raise InputError("multi_label must be True or False.")
        return labels, template, bool(multi_label), extra


class SimilarityZeroShot(ZeroShotModel):
    """Embedding-similarity zero-shot on a sentence encoder (``network`` returns unit vectors)."""

    default_template = SIMILARITY_TEMPLATE

    def __init__(self, *args, temperature: float = SIMILARITY_TEMPERATURE, threshold: float = SIMILARITY_THRESHOLD,
                 width: float = SIMILARITY_WIDTH, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature = temperature
        self.threshold = threshold
        self.width = width
        self._hypothesis_cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    def _hypotheses(self, sentences: list[str]) -> np.ndarray:
        """Unit embeddings of the rendered hypotheses, cached: labels repeat across calls."""
        with self._cache_lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._hypothesis_cache]
        if missing:
            ids = [self.tokenize(s, long_text="truncate").ids for s in missing]
            vectors = self._run([list(i) for i in ids])
            with self._cache_lock:
                if len(self._hypothesis_cache) > 10_000:
                    self._hypothesis_cache.clear()
                self._hypothesis_cache.update(zip(missing, vectors))
        with self._cache_lock:
            return np.stack([self._hypothesis_cache[s] for s in sentences])

    def _settings(self, labels, options: dict):
        temperature = options.pop("temperature", None)
        threshold = options.pop("threshold", self.threshold)
        labels, template, multi_label, extra = self._options(labels, **options)
        independent = multi_label or len(labels) == 1
        if temperature is None:
            temperature = self.width if independent else self.temperature
        if extra:
            raise InputError(f"Zero-shot models take no option {sorted(extra)[0]!r}.")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature <= 100:
            raise InputError("The temperature must be a number above 0 and at most 100.")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not -1 <= threshold <= 1:
            raise InputError("The threshold must be a number from -1 to 1.")
        hypotheses = self._hypotheses([template.format(label) for label in labels])
        return hypotheses, independent, float(temperature), float(threshold)

    @staticmethod
    def _answer(texts: torch.Tensor, hypotheses: torch.Tensor, independent: bool, temperature: float,
                threshold: float) -> torch.Tensor:
        """Unit text vectors x unit hypothesis vectors -> label scores: independent per label for
        multi-label and for a single label (a softmax over one label is always 1; transformers'
        pipeline scores one label on its own too), else a softmax across the labels."""
        cosine = texts @ hypotheses.to(texts.dtype).T
        if independent:
            return torch.sigmoid((cosine - threshold) / temperature)
        return torch.softmax(cosine / temperature, dim=-1)

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Label scores; a long text's vector is the mean of its windows' unit vectors, so each
        cosine (the logit, up to the temperature) is the mean of the windows' cosines."""
        reading = Reading.pop(options)
        hypotheses, *settings = self._settings(labels, options)
        texts = self._read(as_id_lists(id_batch), reading)
        return self._answer(as_float64(texts), as_float64(hypotheses), *settings).numpy().astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        reading = Reading.pop(options)
        hypotheses, *settings = self._settings(labels, options)
        texts = self._read_embeds(embeds, attention_mask, ids, reading)
        return self._answer(texts, torch.from_numpy(hypotheses).to(texts.device), *settings)


class NLIZeroShot(ZeroShotModel):
    """NLI cross-encoder zero-shot; ``network`` returns NLI logits for (premise, hypothesis)."""

    default_template = NLI_TEMPLATE

    def __init__(self, *args, entailment_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.entailment_id = entailment_id
        self.contradiction_id = -1 if entailment_id == 0 else 0  # as the pipeline picks it

    def pair_input(self, ids, label: str, hypothesis_template: str | None = None,
                   **options) -> tuple[list[int], list[int]]:
        """The (text, hypothesis) pair of the text's first window (the whole text when it fits)."""
        Reading.pop(options)
        template = check_template(hypothesis_template if hypothesis_template is not None else self.default_template,
                                  text_slot=False)
        return self._pair(ids, template.format(label))

    def pair_windows(self, ids, label: str, hypothesis_template: str | None = None,
                     **options) -> list[tuple[tuple[int, int], list[int], list[int]]]:
        """Every window of the text beside one label's hypothesis: ((start, end) of the window's
        text tokens in ``ids``, pair ids, pair token types)."""
        reading = Reading.pop(options)
        template = check_template(hypothesis_template if hypothesis_template is not None else self.default_template,
                                  text_slot=False)
        hypothesis = self.adapter.encode_content(template.format(label))
        content = self._text_content(list(ids))
        skip = len(self.adapter.single.prefix)
        return [((skip + start, skip + start + used), built, types)
                for start, used, built, types in self._pair_windows(content, hypothesis, reading)]

    def windows_read(self, ids, labels=None, **options) -> list[tuple[int, int]]:
        """Beside the first label's hypothesis (the room for the text depends on the hypothesis)."""
        if not labels:
            return super().windows_read(ids, **options)
        return [span for span, _, _ in self.pair_windows(ids, labels[0], **options)]

    def _pair(self, ids, hypothesis: str) -> tuple[list[int], list[int]]:
        """(text, hypothesis) as the pipeline builds it, the text truncated to fit."""
        return self.adapter.build_pair(self._text_content(list(ids)), self.adapter.encode_content(hypothesis))

    def _text_content(self, ids: list[int]) -> list[int]:
        return self._content(ids) if len(ids) > self.max_length else self.adapter.content_ids(ids)

    def _room(self, hypothesis: list[int]) -> int:
        """Text tokens a window holds beside this hypothesis."""
        t = self.adapter.pair
        room = self.max_length - len(t.prefix) - len(t.middle) - len(t.suffix) - len(hypothesis)
        if room < 1:
            raise InputError("The hypothesis is too long to fit beside the text in this model.")
        return room

    def _pair_windows(self, content: list[int], hypothesis: list[int], reading: Reading):
        """(start, text tokens used, ids, types) of each window of the text beside the hypothesis:
        one pair (the text cut to fit, as the pipeline does) unless the text is longer than the
        room beside the hypothesis and long texts are read as windows."""
        room = self._room(hypothesis)
        starts = [0] if reading.long_text == "truncate" else window_starts(len(content), room, reading.overlap)
        out = []
        for start in starts:
            piece = content[start: start + room]
            built, types = self.adapter.build_pair(piece, hypothesis)
            out.append((start, len(piece), built, types))
        return out

    def _answer(self, logits: torch.Tensor, n_labels: int, multi_label: bool) -> torch.Tensor:
        """NLI logits (n, labels, classes) -> label scores, as ZeroShotClassificationPipeline."""
        if multi_label or n_labels == 1:
            pair = logits[..., [self.contradiction_id, self.entailment_id]]
            return torch.softmax(pair, dim=-1)[..., 1]
        return torch.softmax(logits[..., self.entailment_id], dim=-1)

    def _settings(self, labels, options: dict):
        labels, template, multi_label, extra = self._options(labels, **options)
        if extra:
            raise InputError(f"Zero-shot models take no option {sorted(extra)[0]!r}.")
        return [template.format(label) for label in labels], multi_label

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Each label's score; a text longer than the room beside a hypothesis is read as windows,
        each with the hypothesis, whose NLI logits are averaged (see ``model.windows``)."""
        reading = Reading.pop(options)
        hypotheses, multi_label = self._settings(labels, options)
        rows = as_id_lists(id_batch)
        encoded = [self.adapter.encode_content(h) for h in hypotheses]
        parts, keys = [], []
        for ids in rows:
            content, key = self._text_content(ids), input_key(ids)
            for hypothesis in encoded:
                parts.append([(built, types) for *_, built, types in self._pair_windows(content, hypothesis, reading)])
                keys.append(key)
        logits = as_float64(self._read_parts(parts, keys)).reshape(len(rows), len(hypotheses), -1)
        return self._answer(logits, len(hypotheses), multi_label).numpy().astype(np.float32)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        """Each text's content embeddings placed into every (text window, hypothesis) pair.

        The special tokens and the hypothesis are embedded through ``forward`` of the embedding
        layer (no hooks fire), so only the text's own embeddings carry gradients.
        """
        reading = Reading.pop(options)
        hypotheses, multi_label = self._settings(labels, options)
        embedding = self.input_embeddings()
        lengths = attention_mask.sum(1).tolist()
        skip = len(self.adapter.single.prefix)  # the text's content starts here in ``ids``...
        start = len(self.adapter.pair.prefix)  # ...and here in the pair
        encoded = [self.adapter.encode_content(h) for h in hypotheses]
        pair_embeds, pair_ids, pair_types, groups = [], [], [], []
        for row, length in enumerate(lengths):
            content = self._text_content(ids[row, :length].tolist())
            for hypothesis in encoded:
                windows = self._pair_windows(content, hypothesis, reading)
                groups.append(len(windows))
                for offset, used, built, types in windows:
                    constant = embedding.forward(torch.tensor([built], device=embeds.device))[0]
                    text_part = embeds[row, skip + offset: skip + offset + used].to(constant.dtype)
                    pair_embeds.append(torch.cat([constant[:start], text_part, constant[start + used:]]))
                    pair_ids.append(built)
                    pair_types.append(types)
        tensors = self._tensors(pair_ids, pair_types)
        width = tensors["input_ids"].shape[1]
        padded = torch.stack([torch.nn.functional.pad(e, (0, 0, 0, width - len(e))) for e in pair_embeds])
        logits = self._network_embeds(padded, tensors["attention_mask"], tensors["input_ids"],
                                      tensors.get("token_type_ids"))
        combined = torch.stack([chunk[0] if len(chunk) == 1 else self._combine(chunk)
                                for chunk in torch.split(logits, groups)])
        return self._answer(combined.reshape(len(lengths), len(hypotheses), -1), len(hypotheses), multi_label)
