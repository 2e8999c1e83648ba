"""Where models run: device and dtype choice, mixed precision, batch size, out-of-memory back-off.

CUDA (bf16 where supported, else fp16) > MPS > CPU. ``STUDIO_DEVICE`` (cpu|cuda|mps|cuda:N) and
``STUDIO_DTYPE`` (float32|float16|bfloat16) override the choice; ``STUDIO_BATCH_SIZE`` the batch.

Weights stay float32 on every device. On CUDA the forwards run under ``torch.autocast`` in the
half-precision dtype (``precision``): matrix products in fp16/bf16, while autocast keeps softmax,
layer norm, log-softmax and reductions in float32. What an explanation computes from the outputs
stays float32 or float64 whatever the device: outputs are cast to float32 as they leave the
network and to float64 for the task's arithmetic (softmax, log-probabilities, cosine, window
means), SHAP's Owen values, LIME's ridge fit, IG's Riemann sum and completeness gap, and the
scorecard; attention maps (Attention, Inside the Transformer) are read without autocast, in float32.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import torch

from .budget import check_active
from .errors import InputError, ResourceExhausted

log = logging.getLogger(__name__)

T = TypeVar("T")

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def pick_device() -> torch.device:
    """The best available device, unless ``STUDIO_DEVICE`` names one."""
    wanted = os.environ.get("STUDIO_DEVICE", "").strip().lower()
    if wanted:
        if wanted.startswith("cuda") and not torch.cuda.is_available():
            raise InputError(f"STUDIO_DEVICE={wanted} was asked for, but no CUDA device is available.")
        if wanted == "mps" and not torch.backends.mps.is_available():
            raise InputError("STUDIO_DEVICE=mps was asked for, but MPS is not available.")
        try:
            return torch.device(wanted)
        except RuntimeError as err:
            raise InputError(f"STUDIO_DEVICE={wanted!r} is not a device torch knows.") from err
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(device: torch.device) -> torch.dtype:
    """Half precision on CUDA (bf16 if the card has it), full precision elsewhere."""
    wanted = os.environ.get("STUDIO_DTYPE", "").strip().lower()
    if wanted:
        if wanted not in _DTYPES:
            raise InputError(f"STUDIO_DTYPE={wanted!r} is not one of {', '.join(_DTYPES)}.")
        return _DTYPES[wanted]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def precision(device: torch.device, dtype: torch.dtype):
    """The context a forward runs in: autocast to ``dtype`` on CUDA (fp16/bf16), bf16 autocast on
    CPU only when ``STUDIO_DTYPE=bfloat16`` asks; nothing otherwise (float32: CPU and MPS default)."""
    if dtype not in (torch.float16, torch.bfloat16):
        return contextlib.nullcontext()
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=dtype)
    if device.type == "cpu" and dtype == torch.bfloat16:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


MAX_GPU_ROWS = 8192


def default_batch_size(device: torch.device) -> int:
    """Rows per forward pass: 64 on CPU (throughput is flat from 8 to 512 there), 128 on MPS; on
    CUDA an upper bound, each call taking what free memory allows (``memory_rows``)."""
    override = os.environ.get("STUDIO_BATCH_SIZE", "").strip()
    if override:
        if not override.isdigit() or int(override) < 1:
            raise InputError(f"STUDIO_BATCH_SIZE={override!r} must be a positive integer.")
        return int(override)
    return {"cuda": MAX_GPU_ROWS, "mps": 128}.get(device.type, 64)


def memory_rows(free_bytes: int, length: int, config, dtype: torch.dtype, *, share: float = 0.4) -> int:
    """How many ``length``-token rows one inference forward can take in ``share`` of free memory.

    Without gradients only one layer's activations live at a time: per token about six hidden
    vectors, two feed-forward vectors and, for eager attention, three score rows per head; the
    estimate is doubled for allocator slack. At least 1, at most ``MAX_GPU_ROWS``.
    """
    hidden = getattr(config, "hidden_size", None) or config.d_model
    inner = getattr(config, "intermediate_size", None) or getattr(config, "encoder_ffn_dim", None) or 4 * hidden
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "encoder_attention_heads", None) or 12
    per_row = 2 * length * (6 * hidden + 2 * inner + 3 * heads * length) * (torch.finfo(dtype).bits // 8)
    return int(max(1, min(MAX_GPU_ROWS, share * free_bytes // per_row)))


def is_out_of_memory(err: BaseException) -> bool:
    """True for torch's OOM errors on any backend (CUDA raises its own type, MPS a RuntimeError)."""
    if isinstance(err, torch.OutOfMemoryError):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


def run_in_batches(run_batch: Callable[[Sequence[int]], T], n_items: int, batch_size: int) -> list[T]:
    """Call ``run_batch`` on consecutive index chunks; on out-of-memory halve the chunk and retry.

    The smaller size holds for the rest of this call only: nothing is remembered between calls,
    so one long batch that ran out of memory never slows down later, shorter ones. At batch
    size 1 the error is re-raised as a one-sentence ResourceExhausted.
    """
    results: list[T] = []
    start = 0
    size = max(1, batch_size)
    while start < n_items:
        if start:
            check_active()  # a request's time budget, between batches (model.budget)
        indices = range(start, min(start + size, n_items))
        try:
            results.append(run_batch(indices))
        except Exception as err:  # noqa: BLE001 - only OOM is handled, everything else re-raised
            if not is_out_of_memory(err):
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if size == 1:
                raise ResourceExhausted("The model ran out of memory even for a single input; try a shorter text.") from err
            size = max(1, size // 2)
            log.warning("Out of memory; retrying with batch size %d.", size)
            continue
        start += len(indices)
    return results
