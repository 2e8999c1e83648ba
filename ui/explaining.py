"""Explaining from a tab: the chosen method with only its own parameters and the model's task
options (from the tab's controls), a time cap, progress in model evaluations, and the headline
scorecard in the explanation's meta (so the downloads carry it too)."""
from __future__ import annotations

import dataclasses

from explain import evaluate, explain, get_method
from explain.charts.style import method_label
from explain.metrics import HEADLINE
from explain.registry import own_params
from model.tasks import get_task

from .progress import reporter
from .widgets import whole

SECONDS_PER_EXPLANATION = 60.0  # each explanation stops with a clear message past this


def task_options(model, values: dict) -> dict:
    """Of the tab's control values, the model's task options (given ones only)."""
    return {p.name: p.parse(values[p.name]) for p in get_task(model.task).OPTIONS if values.get(p.name) is not None}


def method_values(method: str, values: dict) -> dict:
    """Of the tab's control values, the method's own parameters, read as their kinds."""
    cls = get_method(method)
    declared = {p.name: p for p in cls.PARAMS}
    return {name: declared[name].parse(value) for name, value in own_params(cls, values).items()}


def windows_read(model, text: str, options: dict, labels=None) -> int:
    """How many windows the model reads the text as (1 when it fits, or for a text it cannot read:
    ``explain`` then says why)."""
    try:
        ids = model.tokenize(text, long_text=options.get("long_text", "window")).ids
        return len(model.windows_read(ids, labels=labels, **options))
    except (ValueError, TypeError, AttributeError):
        return 1


def run(model, text: str, method: str, progress, seed, values: dict, **request):
    """``explain`` with the tab's settings; ``request``: target / labels / pair and fixed options.
    Progress counts model evaluations, each of which reads every window of a long text."""
    cls = get_method(method)
    options = task_options(model, values)
    label = method_label(cls.NAME)
    windows = windows_read(model, text, options, request.get("labels"))
    if windows > 1:
        label += f" on {windows} windows"
    return explain(model, text, method, progress=reporter(progress, label),
                   seconds=SECONDS_PER_EXPLANATION, seed=whole(seed, "seed", 0, 2**32 - 1), **request,
                   **{**options, **method_values(method, values)})


def scored(model, e, progress, target: int = 0, metrics=HEADLINE, references=()):
    """The explanation with its scorecard in meta, and the scorecard; no scorecard for an explanation
    without an output (attention without labels or a pair)."""
    if not e.targets:
        return e, None
    card = evaluate(e, None if metrics is None else list(metrics), model=model, target=target, seconds=SECONDS_PER_EXPLANATION,
                    progress=reporter(progress, "Scorecard"), references=references)
    return dataclasses.replace(e, meta={**e.meta, "scores": card.to_dict()}), card
