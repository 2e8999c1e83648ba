"""ZeroGPU (Hugging Face Spaces): the GPU work of each handler is declared with ``spaces.GPU``, for
a duration computed from the request's budget (evaluations, steps, rows, epochs).

It applies only where the ``spaces`` package imports and a GPU exists (ZeroGPU sets
``SPACES_ZERO_GPU``; a plain GPU Space has CUDA, where ``spaces.GPU`` does nothing). Elsewhere
``work(fn)`` returns ``fn`` itself: nothing is wrapped, so CPU behaviour is identical.

ZeroGPU's rules (hub-docs, spaces-zerogpu.md) and how the app keeps them:

- ``spaces`` is imported before CUDA is initialised: ``app.py`` imports this module first;
- the main process runs no CUDA work: on ZeroGPU the warm-up loads the models but runs no forward;
- no ``torch.compile``: the app compiles nothing (ONNX Runtime serves the CPU only);
- Python 3.12.12 (or 3.10.13) and torch 2.8.0, 2.9.1, 2.10.0 or 2.11.0 (hub-docs, August 2026): this
  project pins Python 3.11 and torch 2.13, so ``scripts/make_space.sh DIR`` writes a ZeroGPU Space folder
  (Python 3.12, torch 2.11.0);
- models on ``cuda`` at start (CUDA is emulated outside ``spaces.GPU``): the warm-up loads the bundled models
  at start, onto the device ``model.device.pick_device`` gives, which is ``cuda`` there;
- a call gets 60 s by default (visitors have 2 to 5 minutes a day): every call asks for at most
  ``limit_seconds()`` (60, or ``STUDIO_GPU_SECONDS``), and a request that would need more is refused in one
  sentence that says what to lower, or to run it with the CLI.
"""
from __future__ import annotations

import functools
import inspect
import math
import os

from model.errors import InputError

BASE_SECONDS = 20  # loading a model onto the GPU, tokenising, the charts
SECONDS_PER_EVALUATION = 0.002  # one masked input of a base-size encoder on a ZeroGPU slice, with margin
LIMIT_SECONDS = 60  # ZeroGPU's default per call; STUDIO_GPU_SECONDS raises it (an operator with PRO quota)
DEFAULT_EVALUATIONS = 500  # a method without a budget parameter: about what occlusion and IG read
CHARS_PER_WINDOW = 1_000  # about 256 tokens: a longer text is read as more windows, each evaluation as many
COMPARED = 5  # the methods the Compare view runs by default
SCORECARD = 60  # the headline scorecard's model inputs per explanation
FINE_TUNE_EPOCH_SECONDS = 30  # one epoch of the top layers over a few hundred examples
SEARCH_EVALUATIONS = 300  # a counterfactual search: ranking words, then the subsets tried


def spaces_module():
    """The ``spaces`` package, or None where it is not installed (everywhere but a Space)."""
    try:
        import spaces
    except ImportError:
        return None
    return spaces


def zerogpu() -> bool:
    """True where ``spaces`` imports and a GPU exists (ZeroGPU, or a GPU Space)."""
    if spaces_module() is None:
        return False
    if os.environ.get("SPACES_ZERO_GPU", "").strip().lower() in ("1", "t", "true"):
        return True
    import torch

    return torch.cuda.is_available()


def _number(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) and number > 0 else default


def evaluations(arguments: dict, method: str | None = None) -> float:
    """Model inputs one explanation may read: the method's declared budget parameter (``Param(budget=True)``:
    its value in ``arguments``, else its default), or what a method without one reads. Without a method
    named, the first budget parameter of any registered method found in ``arguments``."""
    from explain import METHODS

    chosen = METHODS.get(method or arguments.get("method"))
    for cls in [chosen] if chosen is not None else list(METHODS.values()):
        for param in cls.PARAMS:
            if param.budget and (chosen is not None or arguments.get(param.name) is not None):
                return cls.most_evaluations({param.name: arguments.get(param.name)}, DEFAULT_EVALUATIONS)
    return DEFAULT_EVALUATIONS


def limit_seconds() -> int:
    """Seconds of GPU one call may ask for: ``STUDIO_GPU_SECONDS`` (5 to 3,600) or 60."""
    value = os.environ.get("STUDIO_GPU_SECONDS", "").strip()
    try:
        return min(3_600, max(5, int(value))) if value else LIMIT_SECONDS
    except ValueError:
        return LIMIT_SECONDS


def duration(name: str, arguments: dict) -> int:
    """Seconds of GPU one call of handler ``name`` asks for: what it needs, at most ``limit_seconds()``."""
    return min(limit_seconds(), need(name, arguments))


def need(name: str, arguments: dict) -> int:
    """Seconds of GPU one call of handler ``name`` may need, from its arguments (a pure function)."""
    text = arguments.get("text") or arguments.get("texts") or ""
    windows = max(1, math.ceil(len(text) / CHARS_PER_WINDOW)) if isinstance(text, str) else 1
    each = evaluations(arguments) * windows
    if name == "compare_methods":
        methods = arguments.get("methods") or [None] * COMPARED
        work = sum(evaluations(arguments, m) * windows + SCORECARD for m in methods)
    elif name == "dataset":
        rows = _number(arguments.get("limit"), 300)
        methods = [arguments.get("method"), *(arguments.get("compare") or ())]
        work = rows * sum(evaluations(arguments, m) + (SCORECARD if arguments.get("score") else 0) for m in methods)
    elif name == "train_model":
        epochs = _number(arguments.get("epochs"), 3)
        seconds = BASE_SECONDS + (epochs * FINE_TUNE_EPOCH_SECONDS if arguments.get("mode") == "finetune" else 10)
        return int(math.ceil(seconds))
    elif name == "word_pairs":  # (integrated Jacobians: a forward-mode pass per path point and word of either text)
        words = sum(len(str(arguments.get(key) or "").split()) for key in ("text", "pair"))
        work = 3 * _number(arguments.get("steps"), 16) * max(1, words)
    elif name == "pair_file":  # (each row as one word pair, of some 20 words a side)
        work = _number(arguments.get("limit"), 20) * 3 * _number(arguments.get("steps"), 16) * 40
    elif name == "counterfactual_search":
        work = SEARCH_EVALUATIONS * windows
    elif name == "what_if":
        work = 2 * (each + SCORECARD)
    else:
        work = each + SCORECARD
    return int(math.ceil(BASE_SECONDS + work * SECONDS_PER_EVALUATION))


def _arguments(signature: inspect.Signature, args, kwargs) -> dict:
    """A call's arguments by name, a handler's ``**values`` (the method's parameters) among them."""
    try:
        bound = dict(signature.bind_partial(*args, **kwargs).arguments)
    except TypeError:
        bound = dict(kwargs)
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            bound.update(bound.pop(parameter.name, {}) or {})
    return bound


def declare(fn, spaces):
    """``fn`` under ``spaces.GPU`` with its duration computed from each call's arguments."""
    signature = inspect.signature(fn)

    def seconds(*args, **kwargs) -> int:
        return duration(fn.__name__, _arguments(signature, args, kwargs))

    decorated = spaces.GPU(duration=seconds)(fn)

    @functools.wraps(fn)  # (Gradio reads the handler's own signature)
    def within_the_limit(*args, **kwargs):
        needed, limit = need(fn.__name__, _arguments(signature, args, kwargs)), limit_seconds()
        if needed > limit:
            raise InputError(too_long(fn.__name__, needed, limit))
        return decorated(*args, **kwargs)

    return within_the_limit


def too_long(name: str, needed: int, limit: int) -> str:
    """The one sentence for a request a ZeroGPU call cannot hold."""
    lower = {"dataset": "fewer rows or a smaller budget", "train_model": "the head only or fewer epochs",
             "compare_methods": "fewer methods or a smaller budget"}.get(name, "a smaller budget (evaluations, "
                                                                          "samples or steps) or a shorter text")
    return (f"This request needs about {needed} s of GPU and a ZeroGPU call gets {limit} s here: choose {lower}, or "
            "run it with the command line (python -m explain ...), which has no such limit.")


def work(fn):
    """Declare ``fn``'s GPU work for ZeroGPU; ``fn`` itself elsewhere."""
    return declare(fn, spaces_module()) if zerogpu() else fn
