"""``explain(model, text, method=...)`` and ``explain_many(model, texts, method=...)``.

Validate every argument, build the target spec, run the method on each text (perturbations of
many texts share model calls, see ``runner``), and package immutable ``Explanation``s.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import time
from collections.abc import Callable

import numpy as np

from model import load_model
from model.base import TextModel
from model.validation import check_text, check_texts

from .cache import ExplanationCache, freeze
from .base import MethodResult
from .explanation import Explanation
from .lime_words import NUM_SAMPLES_DEFAULT, NUM_SAMPLES_LIMIT
from .registry import get_explainer
from .runner import Job, run
from .shap_partition import MAX_EVALS_DEFAULT, MAX_EVALS_LIMIT
from .targets import Target, build_spec
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
            multi_label: bool | None = None, seconds: float | None = SECONDS_DEFAULT,
            progress: Callable[[int, int], None] | None = None, use_cache: bool = True) -> Explanation:
    """Explain one prediction of ``model`` on ``text`` with ``method`` (shap, lime, attention, rollout).

    target: classification label name(s), default the predicted class; zero-shot label(s), default
    every candidate. labels: zero-shot candidates. pair: the second text for embedding similarity.
    seconds: time budget (None: none). ``progress(done, planned)`` is called as model evaluations
    complete. An identical repeat request is answered from a bounded LRU cache (``meta["cached"]``
    is then True).
    """
    check_text(text)
    return explain_many(model, [text], method, target=target, labels=labels, pair=pair, max_evals=max_evals,
                        num_samples=num_samples, seed=seed, features=features, masking=masking,
                        hypothesis_template=hypothesis_template, multi_label=multi_label, seconds=seconds,
                        progress=progress, use_cache=use_cache)[0]


def explain_many(model: TextModel | str, texts: list[str], method: str = "shap", *, target=None, labels=None,
                 pair: str | None = None, max_evals: int = MAX_EVALS_DEFAULT, num_samples: int = NUM_SAMPLES_DEFAULT,
                 seed: int = 0, features: str = "word", masking: str = "remove",
                 hypothesis_template: str | None = None, multi_label: bool | None = None,
                 seconds: float | None = None, progress: Callable[[int, int], None] | None = None,
                 use_cache: bool = True, window: int = 16) -> list[Explanation]:
    """``explain`` for many texts with the same settings, in input order.

    Faster than a loop: up to ``window`` explanations run in lockstep and their perturbed inputs
    share model calls (full batches instead of each explanation's small first rounds). Every
    explanation equals the one ``explain`` gives (up to float rounding of the batch shapes).
    seconds: time budget of the whole call (None: none).
    """
    started = time.perf_counter()
    explainer = get_explainer(method)
    if isinstance(model, str):
        model = load_model(model)
    texts = check_texts(texts)
    seed = _bounded_int("seed", seed, 0, 2**32 - 1)
    max_evals = _bounded_int("max_evals", max_evals, 10, MAX_EVALS_LIMIT)
    num_samples = _bounded_int("num_samples", num_samples, 10, NUM_SAMPLES_LIMIT)
    window = _bounded_int("window", window, 1, 1024)
    if features not in ("word", "token"):
        raise ValueError(f"features must be 'word' or 'token', not {features!r}.")
    if masking not in ("remove", "mask"):
        raise ValueError(f"masking must be 'remove' or 'mask', not {masking!r}.")
    if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                                or not 0 < seconds <= SECONDS_LIMIT * len(texts)):
        raise ValueError(f"seconds must be a number above 0 and at most {SECONDS_LIMIT:g} per text, or None.")
    options = {}
    if hypothesis_template is not None:
        options["hypothesis_template"] = hypothesis_template
    if multi_label is not None:
        options["multi_label"] = multi_label
    params = {"max_evals": max_evals} if method == "shap" else \
        {"num_samples": num_samples, "features": features, "masking": masking} if method == "lime" else {}

    settings = freeze((method, target, labels, pair, seed, options, tuple(sorted(params.items()))))
    try:
        hash(settings)
    except TypeError:  # odd argument types: no caching; validation below names the problem
        use_cache = False
    results: list[Explanation | None] = [None] * len(texts)
    todo = []
    for i, text in enumerate(texts):
        cached = CACHE.get(model, (text, settings)) if use_cache else None
        if cached is None:
            todo.append(i)
        else:
            results[i] = dataclasses.replace(cached, meta={**cached.meta, "cached": True,
                                                           "seconds": round(time.perf_counter() - started, 6)})
    if not todo:
        return results

    spec = build_spec(model, target=target, labels=labels, pair=pair, options=options)
    tokenized = {i: model.tokenize(texts[i]) for i in todo}
    full_outputs = spec.forward([tokenized[i].ids for i in todo])  # every unperturbed text in one call
    targets = {i: spec.target(output) for i, output in zip(todo, full_outputs)}
    jobs = []
    for i in todo:
        job = Job(explainer.explain(model, tokenized[i], targets[i], params=params, seed=seed), targets[i].columns)
        job.seed(tokenized[i].ids, targets[i].output)
        jobs.append(job)
    planned = {"shap": max_evals, "lime": num_samples}.get(method, 1) * len(todo)
    method_results = run(jobs, spec.forward, seconds=seconds, window=window,
                         progress=(lambda done: progress(min(done, planned), planned)) if progress else None)
    elapsed = (time.perf_counter() - started) / len(todo)
    for i, job, result in zip(todo, jobs, method_results):
        results[i] = _package(model, method, texts[i], tokenized[i], targets[i], result, pair, {
            "params": {**params, **options}, "seed": seed, "seconds": round(elapsed, 4),
            "model_evaluations": job.evaluations + 1})  # + the unperturbed text
        if use_cache:
            CACHE.put(model, (texts[i], settings), results[i])
    return results


def _package(model: TextModel, method: str, text: str, tokenized, target: Target, result: MethodResult,
             pair: str | None, meta: dict) -> Explanation:
    words = group_words(text, tokenized.offsets, tokenized.special)
    attributions = np.asarray(result.attributions, dtype=np.float64)
    word_attributions = np.array([attributions[list(w.tokens)].sum(axis=0) for w in words]).reshape(
        len(words), len(target.names))
    meta = {
        "model": model.info.name, "model_source": model.info.source, "revision": model.info.revision,
        "method": method, **meta, "truncated": tokenized.truncated, "max_tokens": model.max_length,
        "output": target.output_name, "device": str(model.device), "versions": _versions(), **result.meta,
        "cached": False,
    }
    return Explanation(
        task=model.task, model=model.info.name, method=method, text=text,
        tokens=[{"text": tok, "start": s, "end": e, "special": sp}
                for tok, (s, e), sp in zip(tokenized.tokens, tokenized.offsets, tokenized.special)],
        words=[{"text": w.text, "start": w.start, "end": w.end, "tokens": list(w.tokens)} for w in words],
        labels=target.labels, probabilities=np.atleast_1d(target.probabilities), targets=target.names,
        attributions=attributions, word_attributions=word_attributions,
        base_values=np.asarray(result.base_values, dtype=np.float64),
        outputs=np.asarray(target.output, dtype=np.float64), meta=meta, pair=pair, attention=result.attention,
    )
