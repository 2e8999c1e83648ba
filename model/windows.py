"""Reading a text longer than the model does: overlapping windows, and one output from them.

**Layout.** A window holds ``W`` content tokens: the model's maximum length less its special tokens
(beside an NLI hypothesis, less the hypothesis too). Windows start at 0, S, 2S, ... with
``S = W - overlap`` (overlap 64 tokens, or half a window on a model whose windows are shorter) for
as long as a window ends before the text's end; then one last window ends exactly at the text's end.
Each window gets the model's own special tokens. A text of at most ``W`` tokens is one window: the
model reads it exactly as before.

**Combining.** The document's output is computed from its windows' network outputs by the model
(``TextModel._combine``): classifiers and NLI cross-encoders average the windows' logits (so the
probabilities are the softmax of the mean of the windows' log-probabilities), similarity zero-shot
averages the windows' unit vectors (so each label's cosine is the mean of the windows' cosines: the
mean of their logits), and embeddings are the normalised mean of the windows' normalised vectors.
``predict``, ``predict_ids`` and ``predict_embeds`` (gradients) all read windows this one way, so
SHAP stays additive and Integrated Gradients complete with respect to the document's output.

**Reuse.** Explainers hide words by writing the mask token over them (the length stays, so every
window keeps its place); a window none of whose tokens changed has the output it had before. Within
one ``session()`` (one explanation request) every window's network output is kept, keyed by its
exact token ids, and only windows never seen before are run: hiding one sentence runs the one or
two windows that hold it. Deleting tokens instead (LIME's default, the scorecard's ERASER removal)
shifts every later window, so those evaluations reuse little. ``session(reuse=False)`` runs every
window every time (the numbers are the same; only the count of forwards differs).
"""
from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .params import Param

LONG_TEXT = ("window", "truncate")
OVERLAP_DEFAULT = 64
OVERLAP_LIMIT = 1024
MEMO_LIMIT = 200_000  # window outputs kept per session (beyond it the oldest half is dropped)

# The task options every task declares (``Task.OPTIONS``): how a text longer than the model is read.
READING = (
    Param("long_text", "choice", "window", choices=LONG_TEXT, label="Long text",
          help="a text longer than the model reads: read it whole as overlapping windows whose outputs are "
               "averaged, or cut it at the model's length (what the model alone would do)"),
    Param("window_overlap", "int", "auto", 0, OVERLAP_LIMIT, also=("auto",), label="Window overlap (tokens)",
          help=f"tokens each window shares with the one before, at most half a window; 'auto': {OVERLAP_DEFAULT}, or "
               "half a window on a model whose windows are shorter", ui_high=128, step=8),
)
READING_NAMES = tuple(p.name for p in READING)


@dataclass(frozen=True)
class Reading:
    """How one call reads long texts: ``long_text`` ("window" or "truncate") and the overlap."""

    long_text: str = "window"
    overlap: int | str = "auto"

    @classmethod
    def pop(cls, options: dict) -> Reading:
        """The reading options taken out of a call's ``options`` (validated; the rest stay)."""
        values = {}
        for param in READING:
            if options.get(param.name) is not None:
                values[param.name] = param.check(options.pop(param.name))
            else:
                options.pop(param.name, None)
        return cls(values.get("long_text", "window"), values.get("window_overlap", "auto"))


def effective_overlap(overlap: int | str, size: int) -> int:
    """The overlap in tokens: "auto" is ``OVERLAP_DEFAULT``, or half a window when that is less;
    a number must leave each window at least half new tokens."""
    if overlap == "auto":
        return min(OVERLAP_DEFAULT, size // 2)
    if overlap > size // 2:
        raise InputError(f"window_overlap is {overlap}, but a window of this model holds {size} tokens; "
                         f"the overlap can be at most half of that ({size // 2}).")
    return int(overlap)


def window_starts(length: int, size: int, overlap: int | str = "auto") -> list[int]:
    """Where each window of ``size`` content tokens starts in ``length`` content tokens."""
    if size < 1:
        raise InputError("The model has no room for any text in a window.")
    if length <= size:
        return [0]
    stride = size - effective_overlap(overlap, size)
    starts = list(range(0, length - size, stride))  # every window that ends before the text's end...
    return starts + [length - size]  # ...then the one that ends exactly at it


def _key(ids: Sequence[int], types: Sequence[int] | None) -> bytes:
    head = np.asarray(ids, dtype=np.int64).tobytes()
    return head if types is None else head + b"|" + np.asarray(types, dtype=np.int8).tobytes()


@dataclass
class Session:
    """The windows one request has run: their outputs (when ``reuse``) and the counts for ``meta``."""

    reuse: bool = True
    outputs: dict[bytes, np.ndarray] = field(default_factory=dict)
    run: int = 0  # window forwards run
    needed: int = 0  # window forwards that running every window of every input would take
    per_input: dict[bytes, list[int]] = field(default_factory=dict)  # input key -> [run, needed]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tally(self, inputs) -> tuple[int, int]:
        """(run, needed) of the windows of these inputs (token id sequences) as this session ran them."""
        run = needed = 0
        for ids in inputs:
            counts = self.per_input.get(_key(ids, None))
            if counts is not None:
                run, needed = run + counts[0], needed + counts[1]
        return run, needed


_CURRENT: contextvars.ContextVar[Session | None] = contextvars.ContextVar("window_session", default=None)


@contextmanager
def session(reuse: bool = True) -> Iterator[Session]:
    """Window outputs shared by every model call inside (one explanation request), with counts.
    A session already open is reused (a scorecard inside an explanation shares its windows)."""
    current = _CURRENT.get()
    if current is not None and current.reuse == bool(reuse):
        yield current
        return
    opened = Session(reuse=bool(reuse))
    token = _CURRENT.set(opened)
    try:
        yield opened
    finally:
        _CURRENT.reset(token)


def current() -> Session:
    """The open session, or a fresh one for this call alone (reuse within the call's own batch)."""
    return _CURRENT.get() or Session()


def plan(inputs: list[list[tuple[list[int], list[int] | None]]], keys: list[bytes], memo: Session
         ) -> tuple[list[tuple[list[int], list[int] | None]], list[bytes], list[list[int]], dict[int, np.ndarray]]:
    """Which windows of ``inputs`` (each a list of (ids, types) windows, ``keys`` naming the inputs
    for the counts) must run. Returns every distinct window with its key, per input the indices of
    its windows, and the outputs the session already has (when it reuses) by window index: every
    other window runs, once however often this batch holds it."""
    windows: list[tuple[list[int], list[int] | None]] = []
    window_keys: list[bytes] = []
    index: dict[bytes | int, int] = {}
    rows: list[list[int]] = []
    known: dict[int, np.ndarray] = {}
    with memo.lock:
        for parts, input_key in zip(inputs, keys):
            row, ran = [], 0
            for ids, types in parts:
                key = _key(ids, types) if memo.reuse else len(windows)  # (no reuse: every window runs)
                if key not in index:
                    index[key] = len(windows)
                    windows.append((ids, types))
                    window_keys.append(key if memo.reuse else b"")
                    if memo.reuse and key in memo.outputs:
                        known[index[key]] = memo.outputs[key]
                    else:
                        ran += 1
                row.append(index[key])
            rows.append(row)
            counts = memo.per_input.setdefault(input_key, [0, 0])
            counts[0] += ran
            counts[1] += len(parts)
            memo.run += ran
            memo.needed += len(parts)
    return windows, window_keys, rows, known


def remember(memo: Session, keys: list[bytes], outputs: np.ndarray) -> None:
    """Keep the outputs of windows just run (when the session reuses), bounded."""
    if not memo.reuse:
        return
    with memo.lock:
        if len(memo.outputs) + len(keys) > MEMO_LIMIT:
            for old in list(memo.outputs)[: len(memo.outputs) // 2]:
                del memo.outputs[old]
        memo.outputs.update(zip(keys, outputs))


def input_key(ids: Sequence[int]) -> bytes:
    """The key an input's window counts are kept under (``Session.tally``)."""
    return _key(ids, None)
