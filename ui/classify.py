"""The Classify tab: predict, explain one class with the chosen method, and the scorecard that
compares methods on the same text."""
from __future__ import annotations

import gradio as gr

from explain import Explanation, get_method
from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Classification, get_task

from . import compare, explaining, gpu, influence, reason, task_page, whatif
from .handlers import handler, log, warn
from .models import resolve
from .page import EXAMPLES, Page
from .text import bullets, explanation_notes, faithfulness, top_labels

TASK = Classification.NAME
SERVES = (TASK,)  # the tasks this tab explains (app.py gives a tab to any other)
TOP_WORDS = 40
compare_methods = compare.comparer(TASK)  # the scorecard section's handler (api_name "compare_methods")


@handler


@gpu.work
def classify(text: str, model_name: str, method: str, target: str | None, seed: int, sort: bool = True,
             progress=gr.Progress(), contrast: str | None = None, reason_typed: str | None = None,
             reason_marked: list[str] | None = None, **values):
    """Predict, explain one class (rather than ``contrast``, when one is chosen), draw bars and a text
    heatmap, write the downloads; with a reason, its plausibility beside the faithfulness."""
    model = resolve(model_name, TASK, progress)
    get_method(method)
    rationale = reason.spans(text or "", reason_typed, reason_marked)
    e = explaining.run(model, text, method, progress, seed, values, target=target or None, contrast=contrast or None)
    e, card = explaining.scored(model, e, progress)
    e = reason.measured(e, rationale)
    notes = bullets([*explanation_notes(e), faithfulness(card), reason.line(e)])
    heat = None if e.meta.get("windows") else charts.text_heatmap(e)  # (the document view shades a long text)
    return (top_labels(e.labels, e.probabilities), charts.attribution_bars(e, sort=bool(sort), top=TOP_WORDS),
            heat, notes, write_files(e, "classify"), e.to_dict())


@handler
def redraw_bars(explained: dict | None, sort: bool):
    """The bars of the explanation on screen in the other order: nothing is recomputed."""
    if not explained:
        return None
    return charts.attribution_bars(Explanation.from_dict(explained), sort=bool(sort), top=TOP_WORDS)


@handler
def class_labels(model_name: str):
    """The target and "rather than" dropdowns follow the chosen classifier's labels (just "predicted
    class" / "nothing" if the model cannot be loaded: the Explain button then says why)."""
    labels: list[str] = []
    try:
        labels = sorted(resolve(model_name, TASK).labels)
    except ValueError as err:
        log.info("class labels of %r unavailable: %s", model_name, err)
        warn(err)
    return (gr.Dropdown(choices=[("predicted class", ""), *((label, label) for label in labels)], value=""),
            gr.Dropdown(choices=[(label, label) for label in labels], value=None))




@handler


@gpu.work
def counterfactual_search(text: str, model_name: str, generator: str, max_edits, target: str | None,
                          progress=gr.Progress(), **values):
    """Verified counterfactuals of the text: the smallest edits that change the predicted class."""
    return whatif.search(TASK, text, model_name, generator, max_edits, target, None, progress, values)


@handler


@gpu.work
def what_if(text: str, edited: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
            target: str | None = None, contrast: str | None = None, **values):
    """The original and the edited text side by side, both explained for the chosen class (else the original's
    prediction), rather than the chosen contrast: predictions, explanations, changed words."""
    return whatif.side_by_side(TASK, text, edited, model_name, method, seed, None, progress, values, target=target,
                               contrast=contrast)


def _class_boxes(task) -> tuple[dict, dict]:
    """Which class to explain and which to explain it against, from the chosen classifier's labels."""
    target = gr.Dropdown([("predicted class", "")], value="", label="Explain class", allow_custom_value=True)
    # (empty: why this class; no "nothing" choice, whose shown words a typed label would be appended to)
    contrast = gr.Dropdown([], value=None, label="Rather than", allow_custom_value=True,
                           info="empty: why this class; a class: why this one rather than it, explained as "
                                "log p(class) − log p(other)")
    return {"target": target, "contrast": contrast}, {}


def render(page: Page) -> None:
    """The task page with a classifier's settings: its classes to choose from, the bars' order, the examples and
    the long example, and which training rows made a prediction (for a model trained here)."""
    task = get_task(TASK)
    inp = task_page.inputs(page, task, text_value=EXAMPLES["classify"][0][0], boxes=_class_boxes)
    target = inp.arguments["target"]
    run = task_page.explain_button(examples=EXAMPLES["classify"], example_inputs=[inp.text], long_text=inp.text)
    sort = gr.Checkbox(value=True, label=f"Sort words by the size of their contribution (top {TOP_WORDS})")
    results = task_page.word_results(task, summary=False)
    bars = results.outputs[1]
    task_page.wire_explain(page, inp, run, classify, [inp.text, inp.model, inp.method, target, inp.seed, sort],
                           results, "classify")
    task_page.whatif_section(inp, counterfactual_search, [inp.text, inp.model, task_page.GENERATOR,
                                                          task_page.MAX_EDITS, target],
                             what_if, [inp.text, task_page.EDITED, inp.model, inp.method, inp.seed],
                             ("counterfactuals", "what_if"))
    influence.render(page, text=inp.text, model=inp.model, api=False)  # (for a model trained here)
    task_page.compare_section(inp, compare_methods, "compare_methods", sort=sort)
    sort.change(redraw_bars, [results.shown, sort], bars, api_name=False, queue=False, show_progress="hidden")
    inp.model.change(class_labels, inp.model, [target, inp.arguments["contrast"]], api_name="class_labels")
    page.demo.load(class_labels, inp.model, [target, inp.arguments["contrast"]], api_name=False, queue=False)
