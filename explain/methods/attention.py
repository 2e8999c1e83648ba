"""Attention weights as explanations: raw attention (``rollout`` builds on this file).

Both come from one eager forward pass that returns every layer and head (kept in the
Explanation for heatmaps). A token's score is the attention it receives from the positions the
model's output reads, as the model declares (``model.readout``):

* "mean" (mean-pooled encoders: the bundled MiniLM models, sentence-transformers encoders): the
  pooled vector averages every position, so the score averages the attention rows of all positions;
* "first" (classifiers and NLI cross-encoders with a [CLS]-style head): the row of position 0;
* "last" (BART-style heads, which read the last EOS token): the row of the last token.

``attention``: last layer, heads averaged. ``rollout`` (Abnar & Zuidema, 2020): per layer, heads
averaged, identity added for the residual stream (0.5 A + 0.5 I), rows re-normalised, then the
layers multiplied (first layer rightmost). Attention needs no target: for single-text models it is
the same for every label; a cross-encoder (``model.pair_input``) reads the text with each label's
hypothesis, so each label gets its own forward pass.

A text read as several windows (``model.windows``) has no attention matrix of its own: each window
is read in its own forward pass, and a token's value is the mean over the windows of what it
receives in each (0 from windows without it), the same averaging as the windows' outputs. No
heatmap is kept then.
"""
from __future__ import annotations

import numpy as np

from model.errors import InputError
from model.tasks import Target
from model.tokens import Tokenized

from ..base import Method, MethodResult
from ..explanation import received


def rollout(attention: np.ndarray) -> np.ndarray:
    """(layers, heads, n, n) -> (n, n): how much each position draws on each input position."""
    n = attention.shape[-1]
    result = np.eye(n)
    for layer in attention.astype(np.float64):
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(n)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


def text_positions(tokenized: Tokenized, pair_ids) -> list[int | None]:
    """Where each token of the text alone sits in a (text, hypothesis) pair: the same position for
    the leading special tokens and the text's tokens the pair kept, the pair's separator for the
    text's closing special tokens, None for tokens the pair dropped (the hypothesis took their room)."""
    ids, n = tokenized.ids, len(tokenized.ids)
    closing = n - max(i for i, special in enumerate(tokenized.special) if not special) - 1 if not all(
        tokenized.special) else 0
    positions: list[int | None] = []
    kept = 0
    for i in range(n - closing):
        if i < len(pair_ids) and pair_ids[i] == ids[i] and kept == i:
            positions.append(i)
            kept += 1
        else:
            positions.append(None)
    for j, i in enumerate(range(n - closing, n)):
        at = kept + j
        positions.append(at if at < len(pair_ids) and pair_ids[at] == ids[i] else None)
    return positions


def _on_text(matrices: np.ndarray, positions: list[int | None]) -> np.ndarray:
    """The rows and columns of the text's tokens (zeros for tokens the pair dropped)."""
    n = len(positions)
    out = np.zeros((*matrices.shape[:-2], n, n), dtype=matrices.dtype)
    kept = [i for i, p in enumerate(positions) if p is not None]
    at = [positions[i] for i in kept]
    out[..., np.ix_(kept, kept)[0], np.ix_(kept, kept)[1]] = matrices[..., np.ix_(at, at)[0], np.ix_(at, at)[1]]
    return out


class AttentionBase(Method):
    KIND = "attention"
    NEEDS_TARGET = False
    use_rollout = False

    def explain(self, model, tokenized: Tokenized, target: Target | None, *, params: dict,
                seed: int) -> MethodResult:
        n = len(tokenized)
        names = target.names if target is not None else ()
        options = target.model_options if target is not None else {}
        reads = self._windows(model, tokenized, names, options)
        result = self._windowed(model, n, names, reads) if reads is not None else \
            self._in_one_pass(model, tokenized, names, options)
        if target is not None and target.contrast is not None:
            said = result.meta.get("note", "")
            result.meta["note"] = (f"{said} " if said else "") + (
                f"Attention is what the model reads, the same whatever is asked: explaining {', '.join(names)} rather "
                f"than {target.contrast} changes nothing here.")
        return result

    def _in_one_pass(self, model, tokenized: Tokenized, names, options) -> MethodResult:
        n = len(tokenized)
        pairs = [model.pair_input(tokenized.ids, name, **options) for name in names]
        meta: dict = {}
        if pairs and pairs[0] is not None:  # a cross-encoder: the text read with each label's hypothesis
            positions = [text_positions(tokenized, ids) for ids, _ in pairs]
            if any(all(p is None for p in pos[1:]) for pos in positions):
                raise InputError("Attention is not supported for this model's text-pair layout.")
            matrices = [model.attentions(ids, types) for ids, types in pairs]
            dropped = max(sum(p is None for p in pos) for pos in positions)
            if dropped:
                meta["note"] = (f"With a label's hypothesis beside it, the model reads only part of the text: "
                                f"{dropped} of its {n} tokens were cut, and have no attention here.")
        else:
            positions = None
            matrices = [model.attentions(tokenized.ids)]
        attributions = np.zeros((n, len(names)))
        mixed = []
        for column, attention in enumerate(matrices):
            matrix = rollout(attention) if self.use_rollout else attention[-1].astype(np.float64).mean(axis=0)
            read = received(matrix, model.readout)
            if positions is not None:
                mixed.append(_on_text(matrix, positions[column]))
                values = np.array([read[p] if p is not None else 0.0 for p in positions[column]])
            else:
                mixed.append(matrix[:n, :n])
                values = read[:n]
            if column < len(names):
                attributions[:, column] = values
        if len(matrices) == 1 and names:  # one pass serves every label
            attributions[:] = attributions[:, :1]
        stored = _on_text(matrices[0], positions[0]) if positions is not None else matrices[0][:, :, :n, :n]
        meta.update({"readout": model.readout, "layers": int(matrices[0].shape[0]),
                     "heads": int(matrices[0].shape[1]), "text_pair": positions is not None})
        return MethodResult(attributions=attributions, base_values=np.zeros(len(names)), meta=meta,
                            attention=stored, rollout=mixed[0] if self.use_rollout else None)


    @staticmethod
    def _windows(model, tokenized: Tokenized, names, options) -> list[list[tuple]] | None:
        """Per label (or once, for a model that reads the text alone) the windows read, each as
        (ids, token types, the window position of every token of the text or None); None when the
        text is read in one forward pass."""
        n = len(tokenized)
        single = model.adapter.single
        pair_windows = getattr(model, "pair_windows", None)
        if names and pair_windows is not None:
            per_label = [pair_windows(tokenized.ids, name, **options) for name in names]
            if all(len(w) == 1 for w in per_label):
                return None
            pair = model.adapter.pair
            return [[(built, types, _window_positions(n, a, b, len(single.prefix), len(single.suffix),
                                                      len(pair.prefix), len(pair.middle)))
                     for (a, b), built, types in windows_] for windows_ in per_label]
        if options.get("long_text") == "truncate" or n <= model.max_length:
            return None
        spans = model.window_spans(n, options.get("window_overlap", "auto"))
        ids = list(tokenized.ids)
        head, tail = ids[: len(single.prefix)], ids[n - len(single.suffix):]
        return [[(head + ids[a:b] + tail, None, _window_positions(n, a, b, len(single.prefix), len(single.suffix),
                                                                 len(single.prefix), len(single.suffix)))
                 for a, b in spans]]

    def _windowed(self, model, n: int, names, reads: list[list[tuple]]) -> MethodResult:
        columns = []
        for windows_ in reads:
            total = np.zeros(n)
            for ids, types, positions in windows_:
                attention = model.attentions(ids, types)
                matrix = rollout(attention) if self.use_rollout else attention[-1].astype(np.float64).mean(axis=0)
                read = received(matrix, model.readout)
                total += np.array([read[p] if p is not None else 0.0 for p in positions])
            columns.append(total / len(windows_))
        attributions = np.zeros((n, len(names)))
        for j in range(len(names)):
            attributions[:, j] = columns[j if len(columns) > 1 else 0]
        layers, heads = model.attention_shape
        meta = {"readout": model.readout, "layers": layers, "heads": heads, "text_pair": reads[0][0][1] is not None,
                "note": f"Read as {len(reads[0])} windows: each token's value is the mean over the windows of the "
                        "attention it receives in each; a text read in pieces has no one attention matrix, so "
                        "no heatmap is drawn."}
        return MethodResult(attributions=attributions, base_values=np.zeros(len(names)), meta=meta)


def _window_positions(n: int, a: int, b: int, text_prefix: int, text_suffix: int, window_prefix: int,
                      window_closing: int) -> list[int | None]:
    """Where each of the text's ``n`` tokens sits in a window holding its tokens ``a..b``: the
    text's leading special tokens at the window's own, the held tokens after the window's leading
    specials, the text's closing specials on the tokens that close the held text in the window
    (its end, or a pair's separator), every other token nowhere."""
    positions: list[int | None] = [None] * n
    for i in range(min(text_prefix, window_prefix)):
        positions[i] = i
    for k in range(a, b):
        positions[k] = window_prefix + k - a
    for j in range(min(text_suffix, window_closing)):
        positions[n - text_suffix + j] = window_prefix + b - a + j
    return positions


class AttentionMethod(AttentionBase):
    NAME = "attention"
    LABEL = "Attention"
    DESCRIPTION = ("Attention: how strongly the model's last layer looks at each token (heads averaged). "
                   "A view of what the model reads, not a measure of cause.")
    COLOUR = "#2ec4b6"
    COMPARE_DEFAULT = False  # rollout stands for the attention family in Compare
