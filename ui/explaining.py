"""Explaining from a tab: the chosen method with only its own parameters and the model's task
options (from the tab's controls), a time cap, progress in model evaluations, and the headline
scorecard in the explanation's meta (so the downloads carry it too)."""
from __future__ import annotations

import dataclasses

from explain import evaluate, get_method
from explain.api import explain_request
from explain.charts.style import method_label
from explain.metrics import HEADLINE
from explain.request import NO_TASK, ExplainRequest, read_arguments
from model.errors import STUDIO_ERRORS, BudgetExceeded
from model.tasks import get_task
from model.validation import check_text

from .progress import reporter
from .widgets import whole

SECONDS_PER_EXPLANATION = 60.0  # each explanation stops with a clear message past this


def task_options(model, values: dict) -> dict:
    """Of the tab's control values, the model's task options (given ones only), read as their kinds."""
    return read_arguments(values, get_task(model.task)).parsed()[1]


def method_values(method: str, values: dict) -> dict:
    """Of the tab's control values, the method's own parameters (given ones only), read as their kinds."""
    return read_arguments(values, NO_TASK, (get_method(method),)).parsed()[0]


def windows_read(model, text: str, options: dict, labels=None) -> int:
    """How many windows the model reads the text as (1 when it fits, or for a text it cannot read:
    ``explain`` then says why)."""
    try:
        ids = model.tokenize(text, long_text=options.get("long_text", "window")).ids
        spans = get_task(model.task).windows_read(model, ids, labels=labels, options=options)
    except STUDIO_ERRORS:
        return 1
    return max(1, len(spans))


def request(model, text: str, method: str, seed, values: dict, **arguments) -> ExplainRequest:
    """The tab's request: the method's own parameters and the model's task options from the tab's controls,
    ``arguments`` (target, labels, pair, contrast) as given."""
    cls = get_method(method)
    check_text(text)
    return ExplainRequest(texts=(text,), model=model, method=cls.NAME, params=method_values(method, values),
                          options=task_options(model, values), seed=whole(seed, "seed", 0, 2**32 - 1), **arguments)


def run(model, text: str, method: str, progress, seed, values: dict, **arguments):
    """The tab's explanation (see ``request``), with a time cap; progress counts model evaluations, each of
    which reads every window of a long text."""
    asked = request(model, text, method, seed, values, **arguments)
    label = method_label(asked.method)
    windows = windows_read(model, text, dict(asked.options), arguments.get("labels"))
    if windows > 1 and asked.text_window is not None:
        label += f" on window {asked.text_window + 1} of {windows}"
    elif windows > 1:
        label += f" on {windows} windows"
    return explain_request(asked, progress=reporter(progress, label), seconds=SECONDS_PER_EXPLANATION)[0]


MIN_SCORECARD_SECONDS = 2.0


def scored(model, e, progress, target: int = 0, metrics=HEADLINE, references=()):
    """The explanation with its scorecard in meta, and the scorecard; no scorecard for an explanation
    without an output (attention without labels or a pair).

    The scorecard spends what the explanation left of the request's time budget: when too little is left,
    or it runs out (or would, at its pace), the explanation comes back without it and a note says so (a
    result, not an error)."""
    if not e.targets:
        return e, None
    left = None if SECONDS_PER_EXPLANATION is None else SECONDS_PER_EXPLANATION - float(e.meta.get("seconds", 0))
    try:
        if left is not None and left < MIN_SCORECARD_SECONDS:
            raise BudgetExceeded("no time left")
        card = evaluate(e, None if metrics is None else list(metrics), model=model, target=target, seconds=left,
                        progress=reporter(progress, "Scorecard"), references=references)
    except BudgetExceeded:
        note = (f"The faithfulness scorecard was left out: it would not finish within the {SECONDS_PER_EXPLANATION:g}-second "
                f"budget of a request here, of which the explanation took {e.meta.get('seconds', 0):.0f} s (the CLI's "
                "--evaluate has no budget).")
        return dataclasses.replace(e, meta={**e.meta, "note": " ".join(filter(None, [e.meta.get("note"), note]))}), None
    return dataclasses.replace(e, meta={**e.meta, "scores": card.to_dict()}), card
