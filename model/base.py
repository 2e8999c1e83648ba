"""The one model API every task implements.

A ``TextModel`` owns a tokenizer adapter and a torch network. Subclasses say how network outputs
become the task's answer, once, in torch (``_answer``): ``predict_ids`` applies it to a batch of
token ids (batched, possibly on ONNX Runtime) and ``predict_embeds`` to input embeddings with
gradients, so the two cannot drift apart. Batching, length bucketing, padding, device placement,
out-of-memory back-off and attention extraction live here once.
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from . import onnx_runtime, windows
from .device import default_batch_size, memory_rows, pick_device, pick_dtype, precision, run_in_batches
from .errors import InputError
from .locks import SharedLock
from .tokens import Tokenized, TokenizerAdapter
from .validation import check_texts
from .windows import Reading

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ModelInfo:
    """What a model is, for the Explanation's meta and the UI."""

    name: str
    task: str
    source: str
    revision: str | None = None
    description: str = ""


def as_id_lists(id_batch) -> list[list[int]]:
    """Accept a list of id sequences (lists, tuples, arrays) or a 2-D array; return lists of ints."""
    if isinstance(id_batch, np.ndarray) and id_batch.ndim == 2:
        return [list(map(int, row)) for row in id_batch]
    if isinstance(id_batch, torch.Tensor) and id_batch.dim() == 2:
        return id_batch.tolist()
    if not isinstance(id_batch, (list, tuple)) or not id_batch:
        raise InputError("predict_ids needs a non-empty list of token id sequences.")
    out = []
    for seq in id_batch:
        seq = list(seq.tolist() if hasattr(seq, "tolist") else seq)
        if not seq:
            raise InputError("predict_ids was given an empty token id sequence.")
        out.append([int(i) for i in seq])
    return out


def served_as(model, *, name: str, task: str):
    """``model`` under a registered name and task: itself when both already match, else a shallow copy
    (sharing the network, tokenizer and locks) whose ``info`` and ``task`` say so, so that the registry
    and ``evaluate`` find it again by that name. Its ``kind`` (what its outputs are) stays."""
    if model.info.name == name and model.task == task and model.info.task == task:
        return model
    kind = model_kind(model)
    out = copy.copy(model)
    out.info = dataclasses.replace(model.info, name=name, task=task)
    out.task = task
    out.kind = kind
    return out


def model_kind(model) -> str:
    """What a model's outputs are ("classification", "zero-shot", "embedding"): the task it was built
    for, whatever task now serves it."""
    return getattr(model, "kind", None) or model.task


class TextModel:
    """Base for every model: tokenize, predict, predict_ids, predict_embeds, attentions."""

    kind: str = ""  # what the outputs are (the built-in task of this class); ``task``: the task it serves
    task: str = ""

    def __init__(self, info: ModelInfo, network: torch.nn.Module, tokenizer, max_length: int,
                 transformer: torch.nn.Module):
        self.info = info
        self.adapter = TokenizerAdapter(tokenizer, max_length)
        self.device = pick_device()
        self.dtype = pick_dtype(self.device)  # what forwards compute in (autocast on CUDA); weights stay float32
        self.batch_size = default_batch_size(self.device)
        self.network = network.to(self.device, dtype=torch.float32).eval()
        # The Hugging Face transformer inside ``network``: attentions and input embeddings come from it.
        self.transformer = transformer
        # Forwards hold it shared; the switch to eager attention holds it exclusively (see model/locks.py).
        self._attention_switch = SharedLock()
        # "onnx": forward-only calls go through ONNX Runtime (built at first use); else PyTorch.
        self.runtime = "onnx" if onnx_runtime.wanted(self.device) else "torch"
        self._onnx: onnx_runtime.OnnxForward | None = None
        self._onnx_lock = threading.Lock()

    # ------------------------------------------------------------------ identity
    @property
    def name(self) -> str:
        return self.info.name

    @property
    def tokenizer(self):
        return self.adapter.tokenizer

    @property
    def max_length(self) -> int:
        return self.adapter.max_length

    @property
    def mask_token_id(self) -> int:
        """The id explainers write over hidden tokens ([MASK], else the pad id)."""
        return self.adapter.mask_id if self.adapter.mask_id is not None else self.adapter.pad_id

    @property
    def pad_token_id(self) -> int:
        return self.adapter.pad_id

    @property
    def readout(self) -> str:
        """Which positions the output reads: "first" ([CLS] heads), "mean" (pooled encoders: every
        position), "last" (the last non-pad token: BART's EOS). Attention views use it."""
        return self.network.readout

    @property
    def removal(self) -> str | None:
        """What a removed token becomes, in words, where the explanation's notes should say it (None: the
        mask token as the methods describe it)."""
        return None

    @property
    def attention_shape(self) -> tuple[int, int]:
        """(layers, heads) of the self-attention ``attentions`` returns: the one place the page's
        layer and head controls and Inside the Transformer read them (an encoder-decoder's encoder)."""
        return layers_and_heads(self.transformer.config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, task={self.task!r}, device={self.device})"

    # ------------------------------------------------------------------ public API
    def tokenize(self, text: str, long_text: str = "window") -> Tokenized:
        """Token ids (special tokens included), char offsets, truncated flag. ``long_text="window"``
        keeps every token (the model reads a longer text as windows, see ``model.windows``);
        "truncate" keeps the first ones the model reads at once, as the model alone would."""
        reading = Reading.pop({"long_text": long_text})
        return self.adapter.tokenize(text, whole=reading.long_text == "window")

    def predict(self, texts, labels=None, **options) -> np.ndarray:
        """Probabilities (n, n_labels) or embeddings (n, dim) for raw texts. Options: the task's
        (``model.tasks``), and how a long text is read (``long_text``, ``window_overlap``)."""
        texts = check_texts(texts)
        long_text = Reading.pop(dict(options)).long_text
        return self.predict_ids([self.tokenize(t, long_text).ids for t in texts], labels, **options)

    def predict_ids(self, id_batch, labels=None, **options) -> np.ndarray:
        """Same as ``predict`` from token ids (as ``tokenize`` returns them, possibly perturbed)."""
        raise NotImplementedError

    def predict_embeds(self, embeds: torch.Tensor, attention_mask: torch.Tensor, ids: torch.Tensor,
                       labels=None, **options) -> torch.Tensor:
        """``predict_ids`` as a differentiable torch function of the input embeddings.

        ``embeds`` (n, length, dim) stand in for ``input_embeddings()(ids)``; ``ids`` are the token
        ids they came from (some architectures also read them, e.g. to find BART's EOS token).
        With ``embeds = input_embeddings()(ids)`` the result equals ``predict_ids(ids)``.
        """
        raise NotImplementedError

    def pair_input(self, ids: Sequence[int], label: str, **options) -> tuple[list[int], list[int]] | None:
        """The ids and token types a cross-encoder (NLI) reads for the text and one label's
        hypothesis (``options``: the task's, such as the hypothesis template); None for models
        that read the text alone."""
        return None

    def input_embeddings(self) -> torch.nn.Module:
        """The word-embedding layer, for gradient-based attributions."""
        return self.transformer.get_input_embeddings()

    def id_tensors(self, seqs: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids and their attention mask on the model's device (for gradient methods);
        a sequence may be longer than the model reads (``predict_embeds`` reads it as windows)."""
        seqs = as_id_lists(list(seqs))
        self._check_vocabulary(seqs)
        for seq in seqs:
            if len(seq) > self.max_length:
                self._content(seq)  # a long input must carry the special tokens, to be cut into windows
        tensors = self._tensors(seqs, None)
        return tensors["input_ids"], tensors["attention_mask"]

    # ------------------------------------------------------------------ windows (see model/windows.py)
    @property
    def window_size(self) -> int:
        """Content tokens one window holds: the maximum length less the special tokens."""
        return self.adapter.max_content

    def window_spans(self, n_tokens: int, overlap: int | str = "auto") -> list[tuple[int, int]]:
        """Positions (start, end) of each window's content in a sequence of ``n_tokens`` tokens as
        ``tokenize`` returns it (special tokens included); one span for a text that fits."""
        prefix = len(self.adapter.single.prefix)
        content = n_tokens - prefix - len(self.adapter.single.suffix)
        size = self.window_size
        return [(prefix + start, prefix + start + min(size, content))
                for start in windows.window_starts(content, size, overlap)]

    def windows_read(self, ids: Sequence[int], labels=None, **options) -> list[tuple[int, int]]:
        """The (start, end) positions in ``ids`` (as ``tokenize`` returns them) of the text each
        window the model reads for this input holds, under the call's options: one span for a
        text that fits (or is truncated)."""
        reading = Reading.pop(dict(options))
        n = len(ids)
        if n <= self.max_length or reading.long_text == "truncate":
            prefix = len(self.adapter.single.prefix)
            return [(prefix, min(n, self.max_length) - len(self.adapter.single.suffix))]
        return self.window_spans(n, reading.overlap)

    def _content(self, seq: list[int]) -> list[int]:
        """The content of a full sequence longer than the model reads, checked to carry the model's
        own special tokens at both ends (so that it can be read as windows)."""
        prefix, suffix = list(self.adapter.single.prefix), list(self.adapter.single.suffix)
        if seq[: len(prefix)] != prefix or (suffix and seq[len(seq) - len(suffix):] != suffix):
            raise InputError(f"A token sequence has {len(seq)} tokens, more than this model reads at once "
                             f"({self.max_length}); to be read as windows it must start and end with the "
                             "model's special tokens, as tokenize returns them.")
        return seq[len(prefix): len(seq) - len(suffix)]

    def _windows_of(self, seq: list[int], reading: Reading) -> list[list[int]]:
        """The sequences the model reads for one input: the input itself when it fits, else its
        windows (or, with long_text="truncate", its first window), each with the special tokens."""
        if len(seq) <= self.max_length:
            return [seq]
        content = self._content(seq)
        prefix, suffix = list(self.adapter.single.prefix), list(self.adapter.single.suffix)
        size = self.window_size
        starts = [0] if reading.long_text == "truncate" else windows.window_starts(len(content), size, reading.overlap)
        return [prefix + content[s: s + size] + suffix for s in starts]

    def _combine(self, outputs: torch.Tensor) -> torch.Tensor:
        """One input's output from its windows' network outputs (windows, d) -> (d,): the mean
        (of logits: classifiers, NLI; of unit vectors: similarity zero-shot). Embeddings override."""
        return outputs.mean(dim=0)

    def _read(self, seqs: list[list[int]], reading: Reading) -> np.ndarray:
        """Network outputs for single-sequence inputs of any length (see ``_read_parts``)."""
        return self._read_parts([[(w, None) for w in self._windows_of(s, reading)] for s in seqs],
                                [windows.input_key(s) for s in seqs])

    def _read_parts(self, parts: list[list[tuple[list[int], list[int] | None]]], keys: list[bytes]) -> np.ndarray:
        """Network outputs, one row per input given as its windows ((ids, token types) each): an
        input of one window is run as it is; a longer one's windows are run (those the current
        window session lacks) and combined by ``_combine`` (float64)."""
        long = [i for i, p in enumerate(parts) if len(p) > 1]
        typed = any(types is not None for p in parts for _, types in p)

        def run(chosen: list[tuple[list[int], list[int] | None]]) -> np.ndarray:
            return self._run([ids for ids, _ in chosen], [types for _, types in chosen] if typed else None)

        if not long:
            return run([p[0] for p in parts])
        result: list[np.ndarray | None] = [None] * len(parts)
        short = [i for i in range(len(parts)) if len(parts[i]) == 1]
        if short:
            for i, row in zip(short, run([parts[i][0] for i in short])):
                result[i] = row.astype(np.float64)
        memo = windows.current()
        distinct, window_keys, rows, known = windows.plan([parts[i] for i in long], [keys[i] for i in long], memo)
        fresh = [k for k in range(len(distinct)) if k not in known]
        outputs: dict[int, np.ndarray] = dict(known)
        if fresh:
            computed = run([distinct[k] for k in fresh])
            outputs.update(zip(fresh, computed))
            windows.remember(memo, [window_keys[k] for k in fresh], computed)
        for i, row in zip(long, rows):
            stacked = torch.from_numpy(np.stack([outputs[k] for k in row]).astype(np.float64))
            result[i] = self._combine(stacked).numpy()
        return np.stack(result)

    def _read_embeds(self, embeds: torch.Tensor, attention_mask: torch.Tensor, ids: torch.Tensor,
                     reading: Reading) -> torch.Tensor:
        """``_network_embeds`` for inputs of any length: a row longer than the model reads is cut
        into its windows (the same as ``_windows_of``, on the embeddings) and combined by
        ``_combine``, with gradients flowing to every window's tokens."""
        lengths = attention_mask.sum(1).tolist()
        if max(lengths) <= self.max_length:
            return self._network_embeds(embeds, attention_mask, ids)
        rows = []
        for row, length in enumerate(lengths):
            row_ids = ids[row, :length]
            if length <= self.max_length:
                rows.append(self._network_embeds(embeds[row:row + 1, :length], attention_mask[row:row + 1, :length],
                                                 row_ids[None])[0])
                continue
            outputs = self._network_embeds(*self._window_embeds(embeds[row, :length], row_ids, reading))
            rows.append(outputs[0] if len(outputs) == 1 else self._combine(outputs))
        return torch.stack(rows)

    def _window_embeds(self, embeds: torch.Tensor, ids: torch.Tensor, reading: Reading):
        """(window embeddings, mask, ids) of one long input's windows, sliced from its embeddings."""
        prefix, suffix = len(self.adapter.single.prefix), len(self.adapter.single.suffix)
        n = len(ids)
        content = n - prefix - suffix
        size = self.window_size
        starts = [0] if reading.long_text == "truncate" else windows.window_starts(content, size, reading.overlap)
        pieces, id_rows = [], []
        for start in starts:
            keep = torch.cat([torch.arange(prefix), torch.arange(prefix + start, prefix + start + size),
                              torch.arange(n - suffix, n)]).to(ids.device)
            pieces.append(embeds[keep])
            id_rows.append(ids[keep])
        window_ids = torch.stack(id_rows)
        return torch.stack(pieces), torch.ones_like(window_ids), window_ids

    def attentions(self, ids: Sequence[int], token_type_ids: Sequence[int] | None = None) -> np.ndarray:
        """Attention weights (layers, heads, n, n) of every layer and head from one eager forward."""
        ids = as_id_lists([ids])[0]
        self._check_lengths([ids])
        kwargs = self._tensors([ids], [token_type_ids] if token_type_ids is not None else None)
        out = None
        with self._attention_switch.shared(), torch.inference_mode():  # (no switch can happen meanwhile)
            if self.transformer.config._attn_implementation == "eager":
                out = self.transformer(**kwargs, output_attentions=True)
        if out is None:  # SDPA returns no weights: switch to eager while no other forward runs
            with self._attention_switch.exclusive(), torch.inference_mode():
                previous = self.transformer.config._attn_implementation
                self.transformer.set_attn_implementation("eager")
                try:
                    out = self.transformer(**kwargs, output_attentions=True)
                finally:
                    self.transformer.set_attn_implementation(previous)
        # Encoder-decoder classifiers (BART) report the encoder's self-attention separately.
        layers = getattr(out, "attentions", None) or getattr(out, "encoder_attentions", None)
        if not layers:
            raise InputError("This model does not expose its attention weights; choose another method.")
        return torch.stack([a[0] for a in layers]).float().cpu().numpy()

    # ------------------------------------------------------------------ batching machinery
    def _check_lengths(self, seqs: list[list[int]]) -> None:
        longest = max(len(s) for s in seqs)
        if longest > self.max_length:
            raise InputError(f"A token sequence has {longest} tokens; this model reads at most {self.max_length} "
                             "at once.")
        self._check_vocabulary(seqs)

    def _check_vocabulary(self, seqs: list[list[int]]) -> None:
        vocab = self.transformer.config.vocab_size
        if any(i < 0 or i >= vocab for s in seqs for i in s):
            raise InputError(f"A token id is outside this model's vocabulary of {vocab}.")

    def _tensors(self, seqs: list[list[int]], types: list[list[int]] | None) -> dict[str, torch.Tensor]:
        """Right-padded input tensors on the model's device."""
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.adapter.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[row, : len(seq)] = 1
        tensors = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        if self.adapter.uses_token_types:
            tt = torch.zeros_like(ids)
            for row, seq_types in enumerate(types or []):
                if seq_types is not None:
                    tt[row, : len(seq_types)] = torch.tensor(list(seq_types), dtype=torch.long)
            tensors["token_type_ids"] = tt.to(self.device)
        return tensors

    def _onnx_forward(self) -> onnx_runtime.OnnxForward | None:
        """The ONNX session, exported on first use; None (PyTorch) if that is off or fails."""
        if self.runtime != "onnx":
            return None
        if self._onnx is not None:  # the hot path: no lock once the session exists
            return self._onnx
        with self._onnx_lock:
            if self._onnx is None and self.runtime == "onnx":
                probe = [self.tokenize("An export probe, with padding.").ids, self.tokenize("Short.").ids]
                example = self._tensors([list(p) for p in probe], None)
                try:
                    with self._attention_switch.shared():
                        self._onnx = onnx_runtime.OnnxForward(self.network, list(example), example,
                                                              label=self.name.replace("/", "--"))
                except Exception as err:  # noqa: BLE001 - any failure means: stay on PyTorch
                    log.warning("ONNX Runtime unavailable for %s (%s); using PyTorch.", self.name, err)
                    self.runtime = "torch"
            return self._onnx

    def forward(self, tensors: dict[str, torch.Tensor]) -> np.ndarray:
        """The network's output for one padded batch, on the fastest runtime available."""
        session = self._onnx_forward()
        if session is not None:
            return session(tensors)
        with self._attention_switch.shared(), torch.inference_mode(), self.precision():
            return self.network(**tensors).float().cpu().numpy()

    def _network_embeds(self, embeds: torch.Tensor, attention_mask: torch.Tensor, ids: torch.Tensor,
                        token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """The network on input embeddings, with gradients (the differentiable twin of ``forward``)."""
        if self.adapter.uses_token_types and token_type_ids is None:
            token_type_ids = torch.zeros_like(attention_mask)
        with self._attention_switch.shared(), self.precision():
            return self.network(ids, attention_mask, token_type_ids, inputs_embeds=embeds).float()

    def precision(self):
        """The mixed-precision context of this model's forwards (``model.device.precision``)."""
        return precision(self.device, self.dtype)

    def _rows(self, length: int) -> int:
        """Rows per batch: the batch size, and on CUDA no more than free memory holds at this length."""
        if self.device.type != "cuda":
            return self.batch_size
        free, _ = torch.cuda.mem_get_info(self.device)
        # (sized as float32: under autocast the attention softmax and layer norms stay float32)
        return min(self.batch_size, memory_rows(free, length, self.transformer.config, torch.float32))

    def _run(self, seqs: list[list[int]], types: list[list[int]] | None = None) -> np.ndarray:
        """Evaluate the network on every sequence in length-sorted batches; rows in input order.

        Sorting by length keeps padding (wasted compute) small; batches fit free GPU memory and
        halve on out-of-memory for the rest of this call only (nothing is remembered).
        """
        self._check_lengths(seqs)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))

        def run_batch(positions: Sequence[int]) -> np.ndarray:
            chosen = [order[p] for p in positions]
            tensors = self._tensors([seqs[i] for i in chosen], [types[i] for i in chosen] if types else None)
            return self.forward(tensors)

        parts = run_in_batches(run_batch, len(seqs), self._rows(max(len(s) for s in seqs)))
        sorted_out = np.concatenate(parts, axis=0)
        result = np.empty_like(sorted_out)
        result[order] = sorted_out
        return result


def layers_and_heads(config) -> tuple[int, int]:
    """(encoder layers, attention heads) from a Hugging Face config, whatever the architecture calls them."""
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "encoder_layers", None) \
        or getattr(config, "n_layers", None)
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "encoder_attention_heads", None) \
        or getattr(config, "n_heads", None)
    return int(layers), int(heads)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors under the attention mask (sentence-transformers' 'mean')."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def as_float64(outputs: np.ndarray) -> torch.Tensor:
    """Network outputs from a batched forward, as the float64 tensor ``_answer`` maths runs on."""
    return torch.from_numpy(np.asarray(outputs, dtype=np.float64))
