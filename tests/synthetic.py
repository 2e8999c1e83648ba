"""A synthetic additive classifier implementing the model API, with known attributions.

Each vocabulary id has a fixed weight; the output for "score" is the sum of the weights of the
ids present (the mask token weighs 0). For such a linear model the Shapley/Owen value of a token
is exactly its weight, whatever the partition tree. Its input embedding is one number per id,
the weight, so the differentiable path (``predict_embeds``) is the same sum.
"""
from __future__ import annotations

import numpy as np
import torch

from model.base import ModelInfo, as_id_lists
from model.tokens import TokenizerAdapter


class AdditiveModel:
    task = "classification"
    labels = ["score", "negated"]

    def __init__(self, tokenizer, seed: int = 0):
        self.adapter = TokenizerAdapter(tokenizer, max_length=64)
        self.tokenizer = tokenizer
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(size=len(tokenizer.get_vocab()))
        for special in tokenizer.all_special_ids:
            self.weights[special] = 0.0
        self.info = ModelInfo(name="additive", task=self.task, source="synthetic")
        self.max_length = 64
        self.device = torch.device("cpu")
        self.dtype = torch.float64
        self.batch_size = 10_000  # NumPy sums: no batch limit (the runner's progress chunks are 4 batches)
        self.readout = "mean"
        self.calls = 0
        self.embedding = torch.nn.Embedding(len(self.weights), 1, dtype=torch.float64)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(self.weights)[:, None])

    def input_embeddings(self):
        return self.embedding

    def id_tensors(self, seqs):
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, : len(seq)] = torch.tensor(list(seq))
            mask[row, : len(seq)] = 1
        return ids, mask

    def predict_embeds(self, embeds, attention_mask, ids, labels=None, **options):
        score = (embeds[..., 0] * attention_mask.to(embeds.dtype)).sum(1)
        return torch.stack([score, -score], dim=1)

    def pair_input(self, ids, label, **options):
        return None

    @property
    def mask_token_id(self) -> int:
        return self.tokenizer.mask_token_id

    @property
    def pad_token_id(self) -> int:
        return self.tokenizer.pad_token_id

    def tokenize(self, text, long_text="window"):
        return self.adapter.tokenize(text, whole=long_text == "window")

    def label_index(self, label):
        if label not in self.labels:
            raise ValueError(f"{label!r} is not one of this model's labels.")
        return self.labels.index(label)

    def predict_ids(self, id_batch, labels=None, **options):
        self.calls += 1
        rows = as_id_lists(id_batch)
        score = np.array([self.weights[row].sum() for row in rows])
        return np.stack([score, -score], axis=1)

    def predict(self, texts, labels=None):
        return self.predict_ids([self.tokenize(t).ids for t in texts])
