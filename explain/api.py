"""``explain(model, text, method, **params)``, ``explain_many(model, texts, method, **params)`` and
``evaluate(explanation)`` (the scorecard, with the method's re-run for the metrics that need it).

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

from model import load_model, windows
from model.base import TextModel
from model.budget import DEFAULT, Budget, active
from model.errors import InputError
from model.tasks import Target, TargetSpec, get_task
from model.tokens import Tokenized
from model.validation import check_seconds, check_text, check_whole

from . import completeness
from .base import MethodResult
from .cache import DEFAULT_CACHE, ExplanationCache, freeze_key
from .explanation import Explanation
from .metrics import Scorecard, score
from .metrics.scorecard import DRAWS
from .request import Checked, ExplainRequest
from .runner import Job, run
from .text.features import sentences_of, words_of

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
            pair: str | None = None, contrast: str | None = None, seed: int = 0, seconds: float | str | None = DEFAULT,
            progress: Callable[[int, int], None] | None = None, evaluate: bool | list[str] = False,
            cache: ExplanationCache | None = DEFAULT_CACHE, use_cache: bool = True, window_reuse: bool = True,
            text_window: int | None = None, **kwargs) -> Explanation:
    """Explain one prediction of ``model`` on ``text`` with ``method`` (see ``explain.METHODS``).

    target: classification label name(s), default the predicted class; zero-shot label(s), default
    every candidate. labels: zero-shot candidates. pair: the second text for embedding similarity.
    contrast: why the target *rather than* this label (or, for similarity, closer to ``pair`` than to
    this text): the explained output is then ``log p(target) - log p(contrast)`` (the logit difference of a
    softmax classifier; the cosine difference for similarity), the prediction shown is unchanged.
    Methods that need no target (attention) run without labels or pair. ``**kwargs``: the method's
    parameters (``METHODS[method].PARAMS``, e.g. ``max_evals=`` for shap) and the task's options
    (``model.tasks.TASKS[model.task].OPTIONS``, e.g. ``output="logit"`` for a classifier,
    ``hypothesis_template=`` for zero-shot; None means the model's default); any other name, another
    method's parameter included, is an error. seconds: time budget (None: none; by default
    ``explain.budget.DEFAULT_SECONDS``, 120).
    ``progress(done, planned)`` is called as model evaluations complete. An identical repeat
    request is answered from ``cache`` (``meta["cached"]`` is then True); ``cache=None`` or
    ``use_cache=False`` always recomputes. ``evaluate=True`` (or a list of metric names) puts the
    scorecard (``explain.evaluate``) in ``meta["scores"]``.

    A text longer than the model reads is read whole as overlapping windows (``long_text="window"``,
    the default; "truncate" cuts it) whose outputs combine by one rule (``model.windows``); every
    method explains that combined output. ``window_reuse=False`` runs every window of every
    evaluation instead of only the windows an evaluation changed: the same numbers, more forwards
    (``meta["windows"]`` counts both). ``text_window=k`` explains only the text's k-th window (from 0), read
    on its own as the model reads it (``meta["window"]`` says which, and where it is in the text): the
    attention of one window, say.
    """
    check_text(text)
    return explain_many(model, [text], method, target=target, labels=labels, pair=pair, contrast=contrast, seed=seed,
                        seconds=seconds,
                        progress=progress, evaluate=evaluate, cache=cache, use_cache=use_cache,
                        window_reuse=window_reuse, text_window=text_window, **kwargs)[0]


def explain_many(model: TextModel | str, texts: list[str], method: str = "shap", *, target=None, labels=None,
                 pair: str | None = None, contrast: str | None = None, seed: int = 0, seconds: float | None = None,
                 progress: Callable[[int, int], None] | None = None, evaluate: bool | list[str] = False,
                 cache: ExplanationCache | None = DEFAULT_CACHE, use_cache: bool = True, window: int = 16,
                 window_reuse: bool = True, text_window: int | None = None, **kwargs) -> list[Explanation]:
    """``explain`` for many texts with the same settings, in input order.

    Up to ``window`` explanations run in lockstep and their perturbed inputs share model calls.
    Every explanation equals the one ``explain`` gives (up to float rounding of the batch shapes).
    On a 2-core CPU this measured about as fast as a loop of ``explain`` (batches of 64 already
    reach the forward floor there: 1.06x for SHAP and for LIME, ``python -m bench``); it is
    meant for GPUs, where one explanation's rounds leave the device idle. seconds: time budget of
    the whole call (None: none).
    """
    request = ExplainRequest.of(model, texts, method, target=target, labels=labels, pair=pair, contrast=contrast,
                                seed=seed, text_window=text_window, **kwargs)
    return explain_request(request, seconds=seconds, progress=progress, evaluate=evaluate, cache=cache,
                           use_cache=use_cache, window=window, window_reuse=window_reuse)


def explain_request(request: ExplainRequest, *, seconds: float | Budget | None = None,
                    progress: Callable[[int, int], None] | None = None, evaluate: bool | list[str] = False,
                    cache: ExplanationCache | None = DEFAULT_CACHE, use_cache: bool = True, window: int = 16,
                    window_reuse: bool = True) -> list[Explanation]:
    """The explanations of ``request`` (one per text, in order): the one path every front end takes.
    ``seconds``: time budget of the whole call; ``progress(done, planned)`` in model evaluations; an
    identical repeat is answered from ``cache``; ``evaluate``: the scorecard in ``meta["scores"]``;
    ``window``: explanations run in lockstep; ``window_reuse``: see ``explain``."""
    started = time.perf_counter()
    checked = request.checked()
    texts = checked.request.texts
    window = check_whole("window", window, 1, 1024)
    if not isinstance(window_reuse, (bool, np.bool_)):
        raise InputError("window_reuse must be True or False.")
    default = isinstance(seconds, (Budget, str)) and seconds == DEFAULT or isinstance(seconds, Budget)
    budget = Budget.of(seconds if default else check_seconds(seconds, SECONDS_LIMIT * len(texts),
                                                             what="seconds (per text)"))
    cache = _checked_cache(cache, use_cache, evaluate)
    key = checked.key(evaluate, window_reuse)
    try:
        hash(key)
    except TypeError:  # odd argument types: no caching; validation below names the problem
        cache = None
    results: list[Explanation | None] = [None] * len(texts)
    for i, text in enumerate(texts):
        cached = cache.get(checked.model, (text, key)) if cache is not None else None
        if cached is not None:
            results[i] = dataclasses.replace(cached, meta={**cached.meta, "cached": True,
                                                           "seconds": round(time.perf_counter() - started, 6)})
    todo = [i for i, e in enumerate(results) if e is None]
    if todo:
        made = _explain_texts(checked, todo, budget=budget, progress=progress, window=window,
                              window_reuse=bool(window_reuse), started=started)
        for i, explanation in zip(todo, made):
            if evaluate is not False:
                card = score(explanation, None if evaluate is True else list(evaluate), model=checked.model,
                             seed=checked.request.seed, rerun=rerun(explanation, checked.model), seconds=budget)
                explanation = dataclasses.replace(explanation, meta={**explanation.meta, "scores": card.to_dict()})
            if cache is not None:
                cache.put(checked.model, (texts[i], key), explanation)
            results[i] = explanation
    return results


def _checked_cache(cache, use_cache: bool, evaluate) -> ExplanationCache | None:
    if cache is not None and not isinstance(cache, ExplanationCache):
        raise InputError("cache must be an ExplanationCache or None.")
    if not isinstance(evaluate, (bool, list, tuple)):
        raise InputError("evaluate must be True, False or a list of metric names.")
    return cache if use_cache else None


def _explain_texts(checked: Checked, todo: list[int], *, budget: Budget, progress, window: int, window_reuse: bool,
                   started: float) -> list[Explanation]:
    """The texts ``todo`` of a checked request explained (nothing cached), in order. The task fills in
    what its options take from each text (``Task.for_text``: a decoder's greedy continuation); texts
    whose options come out the same share one spec and their perturbations share model calls."""
    groups: dict = {}
    for i in todo:
        budget.check("reading the text")
        options = checked.request.options
        if checked.targeted:
            options = checked.task.for_text(checked.model, checked.request.texts[i], dict(options))
        groups.setdefault(freeze_key(options), (options, []))[1].append(i)
    made: dict[int, Explanation] = {}
    for options, indices in groups.values():
        group = dataclasses.replace(checked, request=dataclasses.replace(checked.request, options=options))
        made.update(zip(indices, _explain_group(group, indices, budget=budget, progress=progress, window=window,
                                                window_reuse=window_reuse, started=started)))
    return [made[i] for i in todo]


def _explain_group(checked: Checked, todo: list[int], *, budget: Budget, progress, window: int, window_reuse: bool,
                   started: float) -> list[Explanation]:
    """The texts ``todo`` of a checked request, one spec for all: every text's unperturbed output in
    one call, then the method's perturbations through the runner."""
    model, r = checked.model, checked.request
    spec = checked.spec()
    options = checked.options
    tokenized, chosen = [], []
    for i in todo:
        budget.check("reading the text")
        tokens = checked.task.tokenize(model, r.texts[i], options)
        if r.text_window is not None:
            tokens, where = one_window(checked, tokens, options)
            chosen.append(where)
        tokenized.append(tokens)
    with windows.session(reuse=window_reuse) as memo, active(budget):
        targets = _targets(spec, tokenized)
        explainer = checked.method()
        jobs = []
        for tokens, target in zip(tokenized, targets):
            columns = target.columns if target is not None else np.zeros(0, dtype=int)
            job = Job(explainer.explain(model, tokens, target, params=dict(r.params), seed=r.seed), columns)
            if target is not None:
                job.seed(tokens.ids, target.output)
            jobs.append(job)
        planned = sum(explainer.planned_evaluations(model, tokens, dict(r.params), len(t.names) if t else 0)
                      for tokens, t in zip(tokenized, targets))
        if progress is not None:
            progress(0, planned)
        method_results = run(jobs, spec.forward if spec is not None else None, seconds=budget, window=window,
                             progress=(lambda done: progress(done, max(done, planned))) if progress else None,
                             chunk_rows=4 * getattr(model, "batch_size", 64),  # a few model batches per progress step
                             planned=planned)
        done = sum(job.evaluations for job in jobs)
        if progress is not None and done != planned:  # done: the bar says so (a method may need fewer than planned)
            progress(done, done)
    elapsed = (time.perf_counter() - started) / len(todo)
    return [_package(checked, spec, tokens, target, result, {
        "params": dict(r.params), "options": options, "seed": r.seed, "seconds": round(elapsed, 4),
        "model_evaluations": job.evaluations + (target is not None),  # + the unperturbed text
        **({"contrast": spec.contrast} if spec is not None and spec.contrast is not None else {}),
        **_windows_meta(checked, tokens, options, memo, job, window_reuse),
        **({"window": chosen[k]} if chosen else {})})
        for k, (tokens, target, job, result) in enumerate(zip(tokenized, targets, jobs, method_results))]


def one_window(checked: Checked, tokenized: Tokenized, options: dict) -> tuple[Tokenized, dict]:
    """The request's ``text_window`` of a text: its tokens as the model reads that window alone (the
    special tokens around them), their offsets still those of the whole text; and where it is."""
    k = checked.request.text_window
    spans = checked.task.windows_read(checked.model, tokenized.ids, labels=checked.request.labels,
                                      options=options) or [(0, len(tokenized))]
    if k >= len(spans):
        count = f"as {len(spans)} windows (0 to {len(spans) - 1})" if len(spans) > 1 else "at once: window 0 only"
        raise InputError(f"There is no window {k}: the model reads this text {count}.")
    if len(spans) == 1:
        return tokenized, {"index": 0, "count": 1, "tokens": [0, len(tokenized)], "chars": [0, len(tokenized.text)]}
    start, end = spans[k]
    lead = next(i for i, special in enumerate(tokenized.special) if not special)
    trail = len(tokenized) - 1 - max(i for i, special in enumerate(tokenized.special) if not special)
    keep = [*range(lead), *range(start, end), *range(len(tokenized) - trail, len(tokenized))]
    window = Tokenized(text=tokenized.text, ids=tuple(tokenized.ids[i] for i in keep),
                       tokens=tuple(tokenized.tokens[i] for i in keep),
                       offsets=tuple(tokenized.offsets[i] for i in keep),
                       special=tuple(tokenized.special[i] for i in keep), truncated=False)
    chars = [tokenized.offsets[start][0], tokenized.offsets[end - 1][1]]
    return window, {"index": k, "count": len(spans), "tokens": [start, end], "chars": chars}


def _targets(spec: TargetSpec | None, tokenized: list[Tokenized]) -> list[Target | None]:
    """Each text's Target from its unperturbed output (all texts in one model call)."""
    if spec is None:
        return [None] * len(tokenized)
    unperturbed = [t.ids for t in tokenized]
    full_outputs = spec.forward(unperturbed)
    shown = spec.predict(unperturbed) if spec.predict is not None else [None] * len(tokenized)
    return [spec.target(row, own) for row, own in zip(full_outputs, shown)]


def rerun(explanation: Explanation, model: TextModel, target: int | str = 0) -> Callable[[int], Explanation]:
    """``explanation`` made again, for one of its targets, with another seed: what the scorecard's
    re-running metrics (stability) call."""
    j = explanation.target_index(target)
    task = get_task(explanation.task)

    def again(seed: int) -> Explanation:
        return explain(model, explanation.text, explanation.method, target=explanation.targets[j], seed=seed,
                       cache=None, contrast=explanation.meta.get("contrast"),
                       **task.arguments(labels=explanation.labels, pair=explanation.pair),
                       **dict(explanation.meta.get("options", {})), **dict(explanation.meta.get("params", {})))
    return again


def evaluate(explanation: Explanation, metrics: list[str] | None = None, removal: str = "delete", *, model=None,
             target: int | str = 0, seed: int = 0, draws: int = DRAWS, seconds: float | str | None = DEFAULT,
             progress: Callable[[int, int], None] | None = None, references=()) -> Scorecard:
    """The scorecard of ``explanation`` (its first target by default): every registered metric that
    applies, or ``metrics`` (``explain.METRICS`` lists them), each beside its random control.
    ``removal``: "delete" the words' tokens (ERASER) or "mask" them. ``model``: the model that made
    it (default: loaded by the explanation's model name). ``references``: other methods' word values
    for the same target, tried by the normalised metrics' search for the best ranking."""
    if not isinstance(explanation, Explanation):
        raise InputError("evaluate takes an Explanation.")
    model = model if model is not None else load_model(explanation.model, task=explanation.task)
    again = rerun(explanation, model, target) if explanation.targets else None
    return score(explanation, metrics, removal, model=model, target=target, seed=seed, draws=draws, seconds=seconds,
                 progress=progress, rerun=again, references=references)



def evaluate_each(explanation: Explanation, metrics: list[str] | None = None, removal: str = "delete", *,
                  model=None, seed: int = 0, seconds: float | str | None = DEFAULT,
                  progress: Callable[[int, int], None] | None = None) -> list[Scorecard]:
    """The scorecard of every target of ``explanation``, in order (a decoder's every continuation token: the
    per-token faithfulness summary), the whole within one time budget ``seconds``; see ``evaluate``."""
    if not isinstance(explanation, Explanation):
        raise InputError("evaluate_each takes an Explanation.")
    model = model if model is not None else load_model(explanation.model, task=explanation.task)
    budget = Budget.of(seconds)
    return [evaluate(explanation, metrics, removal, model=model, target=j, seed=seed, seconds=budget, progress=progress)
            for j in range(len(explanation.targets))]


def _windows_meta(checked: Checked, tokenized: Tokenized, options: dict, memo: windows.Session, job: Job,
                  reuse: bool) -> dict:
    """How a text longer than the model was read: its windows, and the window forwards its
    evaluations ran (and would have run without reuse)."""
    spans = checked.task.windows_read(checked.model, tokenized.ids, labels=checked.request.labels, options=options)
    if len(spans) < 2:
        return {}
    run_, needed = memo.tally(job.memo)
    return {"windows": {"count": len(spans), "spans": [list(span) for span in spans],
                        "window_tokens": int(checked.model.max_length),
                        "overlap": windows.effective_overlap(options.get("window_overlap", "auto"),
                                                             spans[0][1] - spans[0][0]),
                        "reuse": reuse, "forwards": run_, "forwards_without_reuse": needed}}


def _package(checked: Checked, spec: TargetSpec | None, tokenized: Tokenized, target: Target | None,
             result: MethodResult, meta: dict) -> Explanation:
    model, cls, pair = checked.model, checked.method, checked.request.pair
    words = list(words_of(tokenized))
    names = target.names if target is not None else ()
    attributions = np.asarray(result.attributions, dtype=np.float64).reshape(len(tokenized), len(names))
    word_attributions = np.array([attributions[list(w.tokens)].sum(axis=0) for w in words]).reshape(
        len(words), len(names))
    meta = {
        "model": model.info.name, "model_source": model.info.source, "revision": model.info.revision,
        "method": cls.NAME, **meta, "truncated": tokenized.truncated, "max_tokens": model.max_length,
        "output": spec.output_name if spec is not None else None, "device": str(model.device),
        **({"removal": model.removal} if getattr(model, "removal", None) and cls.KIND != "attention" else {}),
        "versions": _versions(), **result.meta, "cached": False,
    }
    if cls.ADDITIVE and target is not None and len(names):  # the claim measured, for every additive method
        meta["completeness_gap"] = completeness.gaps(attributions, result.base_values, target.output)
        if max(meta["completeness_gap"]) > completeness.TOLERANCE and not meta.get("note"):
            meta["note"] = completeness.missed(cls.LABEL or cls.NAME, meta["completeness_gap"])
    return Explanation(
        task=model.task, model=model.info.name, method=cls.NAME, text=tokenized.text,
        tokens=[{"text": tok, "start": s, "end": e, "special": sp}
                for tok, (s, e), sp in zip(tokenized.tokens, tokenized.offsets, tokenized.special)],
        words=words, labels=target.labels if target is not None else (),
        probabilities=target.probabilities if target is not None else np.zeros(0), targets=names,
        attributions=attributions, word_attributions=word_attributions,
        base_values=np.asarray(result.base_values, dtype=np.float64),
        outputs=target.output if target is not None else np.zeros(0), meta=meta, pair=pair,
        attention=result.attention, rollout=result.rollout, kind=cls.KIND, sentences=sentences_of(tokenized),
    )
