"""``explain(model, text, method, **params)`` and ``explain_many(model, texts, method, **params)``.

Validate every argument (the task's through ``model.tasks``, the method's from its ``PARAMS``),
build the target spec, run the method on each text (perturbations of many texts share model
calls, see ``runner``), and package immutable ``Explanation``s. Nothing here names a method or a
task: both come from their registries.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import time
from collections.abc import Callable

import numpy as np

from model import load_model
from model.base import TextModel
from model.errors import InputError
from model.tasks import Target, TargetSpec, get_task
from model.tokens import Tokenized
from model.validation import check_text, check_texts, check_whole

from .base import Method, MethodResult
from .cache import DEFAULT_CACHE, ExplanationCache, freeze_key
from .explanation import Explanation
from .metrics import evaluate as score_explanation
from .registry import get_method, resolve_params
from .runner import Job, run
from .words import group_words

SECONDS_DEFAULT = 120.0
SECONDS_LIMIT = 600.0
_LIBRARIES = ("torch", "transformers", "shap", "lime", "captum", "numpy", "onnxruntime")
_VERSIONS: dict[str, str] = {}


def _versions() -> dict[str, str]:
    if not _VERSIONS:
        for name in _LIBRARIES:
            try:
                _VERSIONS[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                pass
    return dict(_VERSIONS)


def explain(model: TextModel | str, text: str, method: str = "shap", *, target=None, labels=None,
            pair: str | None = None, seed: int = 0, hypothesis_template: str | None = None,
            multi_label: bool | None = None, output: str | None = None, seconds: float | None = SECONDS_DEFAULT,
            progress: Callable[[int, int], None] | None = None, evaluate: bool | list[str] = False,
            cache: ExplanationCache | None = DEFAULT_CACHE, use_cache: bool = True, **params) -> Explanation:
    """Explain one prediction of ``model`` on ``text`` with ``method`` (see ``explain.METHODS``).

    target: classification label name(s), default the predicted class; zero-shot label(s), default
    every candidate. labels: zero-shot candidates. pair: the second text for embedding similarity.
    output: for classifiers, "probability" (default) or "logit", the output explained.
    Methods that need no target (attention) run without labels or pair. ``**params``: the method's
    parameters (``METHODS[method].PARAMS``, e.g. ``max_evals=`` for shap); a parameter of another
    method is ignored, an unknown name is an error. seconds: time budget (None: none).
    ``progress(done, planned)`` is called as model evaluations complete. An identical repeat
    request is answered from ``cache`` (``meta["cached"]`` is then True); ``cache=None`` or
    ``use_cache=False`` always recomputes. ``evaluate=True`` (or a list of metric names) puts the
    scorecard (``explain.evaluate``) in ``meta["scores"]``.
    """
    check_text(text)
    return explain_many(model, [text], method, target=target, labels=labels, pair=pair, seed=seed,
                        hypothesis_template=hypothesis_template, multi_label=multi_label, output=output,
                        seconds=seconds, progress=progress, evaluate=evaluate, cache=cache, use_cache=use_cache,
                        **params)[0]


def explain_many(model: TextModel | str, texts: list[str], method: str = "shap", *, target=None, labels=None,
                 pair: str | None = None, seed: int = 0, hypothesis_template: str | None = None,
                 multi_label: bool | None = None, output: str | None = None, seconds: float | None = None,
                 progress: Callable[[int, int], None] | None = None, evaluate: bool | list[str] = False,
                 cache: ExplanationCache | None = DEFAULT_CACHE, use_cache: bool = True, window: int = 16,
                 **params) -> list[Explanation]:
    """``explain`` for many texts with the same settings, in input order.

    Up to ``window`` explanations run in lockstep and their perturbed inputs share model calls.
    Every explanation equals the one ``explain`` gives (up to float rounding of the batch shapes).
    On a 2-core CPU this measured about as fast as a loop of ``explain`` (batches of 64 already
    reach the forward floor there: 1.06x for SHAP and for LIME, ``python -m bench``); it is
    meant for GPUs, where one explanation's rounds leave the device idle. seconds: time budget of
    the whole call (None: none).
    """
    started = time.perf_counter()
    cls = get_method(method)
    if isinstance(model, str):
        model = load_model(model)
    texts = check_texts(texts)
    seed = check_whole("seed", seed, 0, 2**32 - 1)
    window = check_whole("window", window, 1, 1024)
    params = resolve_params(cls, params)
    if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                                or not 0 < seconds <= SECONDS_LIMIT * len(texts)):
        raise InputError(f"seconds must be a number above 0 and at most {SECONDS_LIMIT:g} per text, or None.")
    if cache is not None and not isinstance(cache, ExplanationCache):
        raise InputError("cache must be an ExplanationCache or None.")
    cache = cache if use_cache else None
    options = {}
    if hypothesis_template is not None:
        options["hypothesis_template"] = hypothesis_template
    if multi_label is not None:
        options["multi_label"] = multi_label
    if output is not None:
        options["output"] = output

    if not isinstance(evaluate, (bool, list, tuple)):
        raise InputError("evaluate must be True, False or a list of metric names.")
    settings = freeze_key((method, target, labels, pair, seed, options, params, evaluate))
    try:
        hash(settings)
    except TypeError:  # odd argument types: no caching; validation below names the problem
        cache = None
    results: list[Explanation | None] = [None] * len(texts)
    todo = []
    for i, text in enumerate(texts):
        cached = cache.get(model, (text, settings)) if cache is not None else None
        if cached is None:
            todo.append(i)
        else:
            results[i] = dataclasses.replace(cached, meta={**cached.meta, "cached": True,
                                                           "seconds": round(time.perf_counter() - started, 6)})
    if not todo:
        return results

    task = get_task(model.task)
    targeted = cls.NEEDS_TARGET or target is not None or task.has_target(labels=labels, pair=pair)
    spec = task.spec(model, target=target, labels=labels, pair=pair, options=options) if targeted else None
    if not targeted and options:
        raise InputError(f"Without labels there is nothing to apply {sorted(options)[0]!r} to.")
    explainer = cls()
    tokenized = {i: model.tokenize(texts[i]) for i in todo}
    targets: dict[int, Target | None] = {i: None for i in todo}
    if spec is not None:
        full_outputs = spec.forward([tokenized[i].ids for i in todo])  # every unperturbed text in one call
        targets = {i: spec.target(row) for i, row in zip(todo, full_outputs)}
    jobs = []
    for i in todo:
        columns = targets[i].columns if targets[i] is not None else np.zeros(0, dtype=int)
        job = Job(explainer.explain(model, tokenized[i], targets[i], params=params, seed=seed), columns)
        if targets[i] is not None:
            job.seed(tokenized[i].ids, targets[i].output)
        jobs.append(job)
    planned = sum(explainer.planned_evaluations(model, tokenized[i], params,
                                                len(targets[i].names) if targets[i] is not None else 0)
                  for i in todo)
    method_results = run(jobs, spec.forward if spec is not None else None, seconds=seconds, window=window,
                         progress=(lambda done: progress(done, max(done, planned))) if progress else None,
                         chunk_rows=4 * getattr(model, "batch_size", 64))  # a few model batches per progress step
    elapsed = (time.perf_counter() - started) / len(todo)
    for i, job, result in zip(todo, jobs, method_results):
        results[i] = _package(model, cls, spec, tokenized[i], targets[i], result, pair, {
            "params": {**params, **options}, "seed": seed, "seconds": round(elapsed, 4),
            "model_evaluations": job.evaluations + (targets[i] is not None)})  # + the unperturbed text
        if evaluate is not False:
            card = score_explanation(results[i], None if evaluate is True else list(evaluate), model=model,
                                     seed=seed)
            results[i] = dataclasses.replace(results[i], meta={**results[i].meta, "scores": card.to_dict()})
        if cache is not None:
            cache.put(model, (texts[i], settings), results[i])
    return results


def _package(model: TextModel, cls: type[Method], spec: TargetSpec | None, tokenized: Tokenized,
             target: Target | None, result: MethodResult, pair: str | None, meta: dict) -> Explanation:
    words = group_words(tokenized.text, tokenized.offsets, tokenized.special)
    names = target.names if target is not None else ()
    attributions = np.asarray(result.attributions, dtype=np.float64).reshape(len(tokenized), len(names))
    word_attributions = np.array([attributions[list(w.tokens)].sum(axis=0) for w in words]).reshape(
        len(words), len(names))
    meta = {
        "model": model.info.name, "model_source": model.info.source, "revision": model.info.revision,
        "method": cls.NAME, **meta, "truncated": tokenized.truncated, "max_tokens": model.max_length,
        "output": spec.output_name if spec is not None else None, "device": str(model.device),
        "versions": _versions(), **result.meta, "cached": False,
    }
    return Explanation(
        task=model.task, model=model.info.name, method=cls.NAME, text=tokenized.text,
        tokens=[{"text": tok, "start": s, "end": e, "special": sp}
                for tok, (s, e), sp in zip(tokenized.tokens, tokenized.offsets, tokenized.special)],
        words=words, labels=target.labels if target is not None else (),
        probabilities=target.probabilities if target is not None else np.zeros(0), targets=names,
        attributions=attributions, word_attributions=word_attributions,
        base_values=np.asarray(result.base_values, dtype=np.float64),
        outputs=target.output if target is not None else np.zeros(0), meta=meta, pair=pair,
        attention=result.attention, rollout=result.rollout, kind=cls.KIND,
    )
