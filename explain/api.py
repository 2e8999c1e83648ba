"""``explain(model, text, method=...)``: validate, build the target, run one method, package."""
from __future__ import annotations

import dataclasses
import importlib.metadata
import time
from collections.abc import Callable

import numpy as np

from model import load_model
from model.base import TextModel
from model.validation import check_text

from .cache import ExplanationCache, freeze
from .evaluator import CachedEvaluator
from .explanation import Explanation
from .lime_words import NUM_SAMPLES_DEFAULT, NUM_SAMPLES_LIMIT
from .registry import get_explainer
from .shap_partition import MAX_EVALS_DEFAULT, MAX_EVALS_LIMIT
from .targets import build_target
from .words import group_words

SECONDS_DEFAULT = 120.0
SECONDS_LIMIT = 600.0
_LIBRARIES = ("torch", "transformers", "shap", "lime", "numpy", "onnxruntime")
CACHE = ExplanationCache(max_items=256)


def _bounded_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.")
    return int(value)


def _versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def explain(model: TextModel | str, text: str, method: str = "shap", *, target=None, labels=None,
            pair: str | None = None, max_evals: int = MAX_EVALS_DEFAULT, num_samples: int = NUM_SAMPLES_DEFAULT,
            seed: int = 0, features: str = "word", masking: str = "remove", hypothesis_template: str | None = None,
            multi_label: bool | None = None, seconds: float = SECONDS_DEFAULT,
            progress: Callable[[int, int], None] | None = None, use_cache: bool = True) -> Explanation:
    """Explain one prediction of ``model`` on ``text`` with ``method`` (shap, lime, attention, rollout).

    target: classification label name(s), default the predicted class; zero-shot label(s), default
    every candidate. labels: zero-shot candidates. pair: the second text for embedding similarity.
    ``progress(done, planned)`` is called as model evaluations complete. An identical repeat
    request is answered from a bounded LRU cache (``meta["cached"]`` is then True).
    """
    started = time.perf_counter()
    explainer = get_explainer(method)
    if isinstance(model, str):
        model = load_model(model)
    check_text(text)
    seed = _bounded_int("seed", seed, 0, 2**32 - 1)
    max_evals = _bounded_int("max_evals", max_evals, 10, MAX_EVALS_LIMIT)
    num_samples = _bounded_int("num_samples", num_samples, 10, NUM_SAMPLES_LIMIT)
    if features not in ("word", "token"):
        raise ValueError(f"features must be 'word' or 'token', not {features!r}.")
    if masking not in ("remove", "mask"):
        raise ValueError(f"masking must be 'remove' or 'mask', not {masking!r}.")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds <= SECONDS_LIMIT:
        raise ValueError(f"seconds must be a number above 0 and at most {SECONDS_LIMIT:g}.")
    options = {}
    if hypothesis_template is not None:
        options["hypothesis_template"] = hypothesis_template
    if multi_label is not None:
        options["multi_label"] = multi_label

    key = freeze((text, method, target, labels, pair, seed, options,
                  max_evals if method == "shap" else None,
                  (num_samples, features, masking) if method == "lime" else None))
    try:
        hash(key)
    except TypeError:  # odd argument types: no caching; validation below names the problem
        use_cache = False
    cached = CACHE.get(model, key) if use_cache else None
    if cached is not None:
        return dataclasses.replace(cached, meta={**cached.meta, "cached": True,
                                                 "seconds": round(time.perf_counter() - started, 6)})

    tokenized = model.tokenize(text)
    target_fn = build_target(model, tokenized.ids, target=target, labels=labels, pair=pair, options=options)
    planned = {"shap": max_evals, "lime": num_samples}.get(method, 1)
    evaluator = CachedEvaluator(target_fn.evaluate, seconds=seconds,
                                progress=(lambda done: progress(done, planned)) if progress else None)
    evaluator.seed(tokenized.ids, target_fn.output)
    params = {"max_evals": max_evals} if method == "shap" else \
        {"num_samples": num_samples, "features": features, "masking": masking} if method == "lime" else {}
    result = explainer.explain(model, tokenized, target_fn, evaluator, params=params, seed=seed)

    outputs = target_fn.output
    words = group_words(text, tokenized.offsets, tokenized.special)
    attributions = np.asarray(result.attributions, dtype=np.float64)
    word_attributions = np.array([attributions[list(w.tokens)].sum(axis=0) for w in words]).reshape(
        len(words), len(target_fn.names))
    meta = {
        "model": model.info.name, "model_source": model.info.source, "revision": model.info.revision,
        "method": method, "params": {**params, **options}, "seed": seed,
        "model_evaluations": evaluator.evaluations + 1,  # + the unperturbed text, run by build_target
        "seconds": round(time.perf_counter() - started, 4), "truncated": tokenized.truncated,
        "max_tokens": model.max_length, "output": target_fn.output_name, "device": str(model.device),
        "versions": _versions(), **result.meta,
    }
    explanation = Explanation(
        task=model.task, model=model.info.name, method=method, text=text,
        tokens=[{"text": tok, "start": s, "end": e, "special": sp}
                for tok, (s, e), sp in zip(tokenized.tokens, tokenized.offsets, tokenized.special)],
        words=[{"text": w.text, "start": w.start, "end": w.end, "tokens": list(w.tokens)} for w in words],
        labels=target_fn.labels, probabilities=np.atleast_1d(target_fn.probabilities), targets=target_fn.names,
        attributions=attributions, word_attributions=word_attributions,
        base_values=np.asarray(result.base_values, dtype=np.float64), outputs=np.asarray(outputs, dtype=np.float64),
        meta={**meta, "cached": False}, pair=pair, attention=result.attention,
    )
    if use_cache:
        CACHE.put(model, key, explanation)
    return explanation
