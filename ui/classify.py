"""The Classify tab: predict, explain one class with the chosen method, and the scorecard that
compares methods on the same text."""
from __future__ import annotations

import gradio as gr

from explain import Explanation, get_method
from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Classification, get_task
from model.windows import READING_NAMES

from . import compare, document, explaining, gpu, influence, reason, report, whatif
from .handlers import handler, log, warn
from .models import resolve
from .page import EXAMPLES, Page
from .text import TOP_K, bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, long_example_button, method_row, on_screen, reading_controls

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


def render(page: Page) -> None:
    with gr.Row():
        text_box = gr.Textbox(label="Text", lines=3, value=EXAMPLES["classify"][0][0], max_length=100_000)
        with gr.Column():
            model = page.models.dropdown((TASK,))
            target = gr.Dropdown([("predicted class", "")], value="", label="Explain class", allow_custom_value=True)
            # (empty: why this class; no "nothing" choice, whose shown words a typed label would be appended to)
            contrast = gr.Dropdown([], value=None, label="Rather than", allow_custom_value=True,
                                   info="empty: why this class; a class: why this one rather than it, explained as "
                                        "log p(class) − log p(other)")
    method, params, seed = method_row()
    options = {p.name: control(p) for p in get_task(TASK).OPTIONS if p.name not in READING_NAMES}
    options.update(reading_controls([p for p in get_task(TASK).OPTIONS if p.name in READING_NAMES]))
    sort = gr.Checkbox(value=True, label=f"Sort words by the size of their contribution (top {TOP_WORDS})")
    why = reason.render()
    run = gr.Button("Explain", variant="primary")
    gr.Examples(EXAMPLES["classify"], [text_box], label="Examples")
    long_example_button(text_box)
    label = gr.Label(label="Prediction", num_top_classes=TOP_K)
    bars = gr.Plot(label="Word contributions")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    doc = document.render()
    files = downloads()
    report_button = report.render()
    edit = whatif.render()
    influence.render(page, text=text_box, model=model, api=False)  # (for a model trained here)
    shown = on_screen()  # the explanation on screen, for redrawing without recomputing
    scorecard = compare.render()
    inputs_kwargs = {**params, **options}
    explain_kwargs = {**inputs_kwargs, "contrast": contrast, "reason_typed": why.typed, "reason_marked": why.marked}
    outputs = [label, bars, heat, notes, files, shown]
    run.click(classify, [text_box, model, method, target, seed, sort], outputs, inputs_kwargs=explain_kwargs,
              api_name="classify").success(document.follow, shown, [bars, heat, *doc.outputs], api_name=False,
                                           queue=False)
    compare.wire(scorecard, compare_methods, [text_box, model, target, seed], explain_kwargs, sort,
                 [text_box, model, target, seed, why.typed, why.marked, *inputs_kwargs.values()], "compare_methods")
    sort.change(redraw_bars, [shown, sort], bars, api_name=False, queue=False, show_progress="hidden")
    shown.change(report.of_explanation, shown, report_button, api_name=False, show_progress="hidden")
    document.wire(doc, shown)
    model.change(class_labels, model, [target, contrast], api_name="class_labels")
    text_box.change(reason.follow_text, text_box, why.marked, api_name=False, queue=False, show_progress="hidden")
    page.demo.load(reason.follow_text, text_box, why.marked, api_name=False, queue=False)
    page.demo.load(class_labels, model, [target, contrast], api_name=False, queue=False)
    search_outputs, compare_edit_outputs = whatif.outputs_of(edit)
    edit.find.click(counterfactual_search, [text_box, model, edit.generator, edit.max_edits, target],
                    search_outputs, inputs_kwargs={**edit.controls, **options}, api_name="counterfactuals")
    edit.pick.input(whatif.apply, [edit.found, edit.pick], edit.edited, api_name=False, queue=False)
    edit.compare.click(what_if, [text_box, edit.edited, model, method, seed], compare_edit_outputs,
                       inputs_kwargs={**inputs_kwargs, "target": target, "contrast": contrast}, api_name="what_if")
    clear_on_change([text_box, model, target, edit.generator, edit.max_edits, *edit.controls.values()], search_outputs)
    clear_on_change([text_box, edit.edited, model, method, seed, target, contrast, *inputs_kwargs.values()],
                    compare_edit_outputs)
    clear_on_change([text_box, model, method, target, contrast, seed, why.typed, why.marked,
                     *inputs_kwargs.values()], outputs)
    document.hide_on_change([text_box, model, method, target, contrast, seed, *inputs_kwargs.values()], doc)

