"""Token classifiers (named entities, part of speech, PII: any ``...ForTokenClassification``): a label per token,
and the entities ``transformers``' token-classification pipeline groups them into.

``entities(texts, aggregation=...)`` equals ``pipeline("token-classification", aggregation_strategy=...)``: the
text is tokenized as the pipeline tokenizes it (a text longer than the model reads: in chunks of its length that
overlap by ``stride`` tokens, as the pipeline's ``stride``), the logits come from this model's own forward, and
the pipeline's own post-processing (``TokenClassificationPipeline.postprocess``: softmax, sub-word and word
aggregation, B-/I- grouping, overlapping chunks) turns them into entities, so the two cannot drift apart.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch

from ..base import TextModel, as_id_lists
from ..errors import InputError
from ..validation import check_text, check_texts
from ..windows import Reading

AGGREGATIONS = ("none", "simple", "first", "average", "max")
DEFAULT_STRIDE = 64  # tokens two chunks of a long text share (the pipeline's ``stride``; as the windows' overlap)


class TokenLogits(torch.nn.Module):
    """A Hugging Face ``...ForTokenClassification`` returning bare logits (n, tokens, labels)."""

    readout = "mean"  # (every position is an output)
    per_token = True  # (its output's second axis is the input's length: ONNX Runtime's export says so)

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        if inputs_embeds is not None:
            return self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask, **kwargs).logits
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).logits


TAG_PREFIXES = ("B-", "I-", "E-", "S-", "L-", "U-")  # (BIO, BIOES and BILOU tagging schemes)


def entity_type(tag: str) -> str:
    """A tag's entity type: "B-ORG" -> "ORG"; a tag without a scheme's prefix is its own type."""
    return tag[2:] if tag[:2] in TAG_PREFIXES else tag


def entity_types(tags) -> list[str]:
    """The entity types of a tag set, in its order, "O" (outside every entity) left out."""
    return [kind for kind in dict.fromkeys(map(entity_type, tags)) if kind != "O"]


def entity_label(entity: dict) -> str:
    """What the pipeline labels an entity: its group (aggregated) or its tag (aggregation "none")."""
    return str(entity.get("entity_group") or entity.get("entity"))


def check_aggregation(aggregation: object) -> str:
    if aggregation not in AGGREGATIONS:
        raise InputError(f"aggregation must be {', '.join(repr(a) for a in AGGREGATIONS)}; got {aggregation!r}.")
    return aggregation


class TokenClassifier(TextModel):
    """A label per token; ``entities`` groups them as transformers' pipeline does."""

    kind = task = "token-classification"

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = list(labels)
        self._pipeline = None
        self._pipeline_lock = threading.Lock()

    def pipeline(self):
        """transformers' token-classification pipeline around this model's own network (its post-processing is
        what ``entities`` uses; its forward is not)."""
        with self._pipeline_lock:
            if self._pipeline is None:
                from transformers import TokenClassificationPipeline

                self._pipeline = TokenClassificationPipeline(model=self.network.model, tokenizer=self.tokenizer,
                                                             device=self.device)
            return self._pipeline

    def chunks(self, text: str, stride: int | None) -> list[dict]:
        """The text as the pipeline tokenizes it: one chunk, or (``stride``) overlapping chunks of the model's length."""
        params = {} if stride is None else {"return_overflowing_tokens": True, "padding": True, "stride": stride}
        encoded = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=self.max_length,
                                 return_special_tokens_mask=True, return_offsets_mapping=True, **params)
        encoded.pop("overflow_to_sample_mapping", None)
        return [{k: v[i:i + 1] for k, v in encoded.items()} for i in range(len(encoded["input_ids"]))]

    def token_logits(self, chunk: dict) -> torch.Tensor:
        """This model's logits (1, tokens, labels) for one chunk, float32 on the CPU."""
        inputs = {k: v.to(self.device) for k, v in chunk.items()
                  if k in ("input_ids", "attention_mask", "token_type_ids")}
        with self._attention_switch.shared(), torch.inference_mode(), self.precision():
            return self.network(inputs["input_ids"], inputs["attention_mask"], inputs.get("token_type_ids")).float().cpu()

    # ------------------------------------------------------------------ token probabilities (what explanations read)
    def token_probabilities(self, id_batch, **options) -> np.ndarray:
        """Each token's label probabilities, (n, longest, labels) float64, rows zero past their length: the softmax
        of the logits. A sequence longer than the model reads is read as its windows (``model.windows``, as every
        other task): a token read by several windows gets the mean of their probabilities."""
        seqs = as_id_lists(id_batch)
        reading = Reading.pop(dict(options))
        pieces, owners = [], []  # (window ids, (row, original position of each window position))
        for row, seq in enumerate(seqs):
            for ids, where in self._token_windows(seq, reading):
                pieces.append(ids)
                owners.append((row, where))
        probabilities = self._window_probabilities(pieces)
        out = np.zeros((len(seqs), max(len(s) for s in seqs), len(self.labels)))
        counts = np.zeros(out.shape[:2])
        for (row, where), p in zip(owners, probabilities):
            out[row, where] += p[: len(where)]
            counts[row, where] += 1
        return out / np.maximum(counts, 1)[..., None]

    def _token_windows(self, seq: list[int], reading: Reading) -> list[tuple[list[int], np.ndarray]]:
        """The sequences the model reads for one input, each with the input position of each of its tokens."""
        if len(seq) <= self.max_length:
            return [(seq, np.arange(len(seq)))]
        self._content(seq)
        prefix, suffix = len(self.adapter.single.prefix), len(self.adapter.single.suffix)
        n = len(seq)
        out = []
        spans = self.window_spans(n, reading.overlap)
        for start, end in spans[:1] if reading.long_text == "truncate" else spans:
            where = np.concatenate([np.arange(prefix), np.arange(start, end), np.arange(n - suffix, n)])
            out.append(([seq[i] for i in where], where))
        return out

    def _window_probabilities(self, seqs: list[list[int]]) -> list[np.ndarray]:
        """Softmax of the logits of sequences the model reads at once, in length-sorted batches."""
        self._check_lengths(seqs)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        out: list[np.ndarray | None] = [None] * len(seqs)
        size = self._rows(max(len(s) for s in seqs))
        for first in range(0, len(order), size):
            chosen = order[first: first + size]
            logits = torch.from_numpy(self.forward(self._tensors([seqs[i] for i in chosen], None))).double()
            for i, row in zip(chosen, torch.softmax(logits, -1).numpy()):
                out[i] = row[: len(seqs[i])]
        return out

    def token_probabilities_embeds(self, embeds: torch.Tensor, attention_mask: torch.Tensor, ids: torch.Tensor,
                                   **options) -> torch.Tensor:
        """``token_probabilities`` as a differentiable function of the input embeddings, (n, length, labels)."""
        reading = Reading.pop(dict(options))
        lengths = attention_mask.sum(1).tolist()
        if max(lengths) <= self.max_length:
            return torch.softmax(self._network_embeds(embeds, attention_mask, ids).double(), -1)
        rows = []
        for row, length in enumerate(lengths):
            seq = ids[row, :length].tolist()
            total = embeds.new_zeros((ids.shape[1], len(self.labels)), dtype=torch.float64)
            counts = embeds.new_zeros((ids.shape[1], 1), dtype=torch.float64)
            for _, where in self._token_windows(seq, reading):
                index = torch.as_tensor(where, device=embeds.device)
                piece = embeds[row, index][None]
                logits = self._network_embeds(piece, torch.ones_like(ids[row, index])[None], ids[row, index][None])
                total = total.index_add(0, index, torch.softmax(logits[0].double(), -1))
                counts = counts.index_add(0, index, torch.ones((len(where), 1), dtype=torch.float64,
                                                                device=embeds.device))
            rows.append(total / counts.clamp(min=1))
        return torch.stack(rows)

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Each token's label probabilities (see ``token_probabilities``)."""
        if labels is not None:
            raise InputError("A token classifier labels tokens with its own labels; it takes no candidate labels.")
        return self.token_probabilities(id_batch, **options)

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options) -> torch.Tensor:
        return self.token_probabilities_embeds(embeds, attention_mask, ids, **options)

    def entity_rules(self, text: str, aggregation: str = "simple", **options) -> list[tuple[dict, EntityRule]]:
        """The entities of a text, each with the rule that reads its score from the token probabilities
        (``rule_scores``): the pipeline's own steps (pre-entities, words, B-/I- groups) on the probabilities of
        ``token_probabilities``, with each member's token positions (in ``tokenize``'s tokens) kept. For a text
        the model reads at once these are exactly the pipeline's entities and scores; a longer one is read as the
        model's windows (the probabilities of a token two windows read averaged), where the pipeline's own
        chunks with a stride may join an entity differently (``entities`` gives the pipeline's)."""
        from transformers.pipelines.token_classification import AggregationStrategy

        text = check_text(text)
        aggregation = check_aggregation(aggregation)
        tokens = self.tokenize(text, Reading.pop(dict(options)).long_text)
        scores = self.token_probabilities([tokens.ids], **options)[0]
        pipe = self.pipeline()
        strategy = AggregationStrategy[aggregation.upper()]
        offsets = np.array([list(o) for o in tokens.offsets], dtype=np.int64)
        pre = pipe.gather_pre_entities(text, np.array(tokens.ids), scores, offsets,
                                       np.array(tokens.special, dtype=np.int64), strategy)
        if aggregation in ("none", "simple"):
            units = [(entity, (entity["index"],)) for entity in pipe.aggregate(pre, AggregationStrategy.NONE)]
            reduce = "first"
        else:
            runs: list[list[int]] = []
            for entity in pre:
                if runs and entity["is_subword"]:
                    runs[-1].append(entity["index"])
                else:
                    runs.append([entity["index"]])
            units = list(zip(pipe.aggregate_words(pre, strategy), (tuple(r) for r in runs)))
            reduce = {"first": "first", "average": "mean", "max": "max"}[aggregation]
        label_ids = {label: i for i, label in enumerate(self.labels)}
        if aggregation == "none":
            return [(entity, EntityRule((((positions), label_ids[entity["entity"]]),), reduce))
                    for entity, positions in units if entity["entity"] != "O"]
        groups: list[list[tuple[dict, tuple[int, ...]]]] = []
        for entity, positions in units:  # (the pipeline's group_entities, keeping each member's tokens)
            bi, tag = pipe.get_tag(entity["entity"])
            if groups and tag == pipe.get_tag(groups[-1][-1][0]["entity"])[1] and bi != "B":
                groups[-1].append((entity, positions))
            else:
                groups.append([(entity, positions)])
        out = []
        for group in groups:
            found = pipe.group_sub_entities([entity for entity, _ in group])
            if found["entity_group"] == "O":
                continue
            rule = EntityRule(tuple((positions, label_ids[entity["entity"]]) for entity, positions in group), reduce)
            out.append(({k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in found.items()}, rule))
        return out

    def entities(self, texts, aggregation: str = "simple", stride: int | None = None) -> list[list[dict]]:
        """Per text, its entities as ``pipeline("token-classification", aggregation_strategy=aggregation)`` gives
        them (entity or entity_group, score, word, start, end; "none" also index). ``stride``: a text longer than
        the model reads is read in chunks sharing this many tokens (default 64 for "simple" and the word
        aggregations, at most a quarter of the model's length; with "none" a long text is cut, as the pipeline refuses a
        stride there)."""
        from transformers.pipelines.token_classification import AggregationStrategy

        texts = check_texts(texts)
        aggregation = check_aggregation(aggregation)
        if stride is None and aggregation != "none":
            stride = min(DEFAULT_STRIDE, self.max_length // 4)  # (a model of 64 positions: 16)
        if stride is not None:
            if aggregation == "none":
                raise InputError("A stride reads a long text in overlapping chunks, which aggregation 'none' cannot "
                                 "join (as transformers' pipeline): choose another aggregation.")
            if isinstance(stride, bool) or not isinstance(stride, int) or not 0 <= stride < self.max_length // 2:
                raise InputError(f"stride must be a whole number from 0 to {self.max_length // 2 - 1}; got {stride!r}.")
        pipe = self.pipeline()  # (word aggregations need a fast tokenizer's offsets: TokenizerAdapter has one)
        strategy = AggregationStrategy[aggregation.upper()]
        out = []
        for text in texts:
            outputs = []
            chunks = self.chunks(text, stride)
            for i, chunk in enumerate(chunks):
                outputs.append({"logits": self.token_logits(chunk), "special_tokens_mask": chunk["special_tokens_mask"],
                                "offset_mapping": chunk["offset_mapping"], "sentence": text if i == 0 else None,
                                "is_last": i == len(chunks) - 1, "input_ids": chunk["input_ids"],
                                "attention_mask": chunk["attention_mask"]})
            found = pipe.postprocess(outputs, aggregation_strategy=strategy)
            out.append([{k: (float(v) if isinstance(v, (np.floating, float)) else
                             int(v) if isinstance(v, np.integer) else v) for k, v in entity.items()}
                        for entity in found])
        return out


@dataclass(frozen=True)
class EntityRule:
    """How the pipeline's score of one entity is read from a text's token probabilities (tokens, labels): the
    mean over its members (a token for "none" and "simple", a word for the others) of each member's probability of
    its own label, read at its first token ("first"), averaged over its tokens ("average") or at its most probable
    token ("max"). At the text itself this is exactly the pipeline's score; on a masked text it is the same
    quantity, which is what an explanation of the entity explains."""

    members: tuple[tuple[tuple[int, ...], int], ...]  # (token positions, label index) per member
    reduce: str  # "first" | "mean" | "max"


def rule_scores(probabilities: torch.Tensor, rules: list[EntityRule]) -> torch.Tensor:
    """(n, tokens, labels) probabilities -> (n, len(rules)) entity scores (differentiable)."""
    columns = []
    for rule in rules:
        members = []
        for positions, label in rule.members:
            values = probabilities[:, list(positions), label]
            members.append(values[:, 0] if rule.reduce == "first" else values.mean(1) if rule.reduce == "mean"
                           else values.max(1).values)
        columns.append(torch.stack(members, 1).mean(1))
    return torch.stack(columns, 1)
