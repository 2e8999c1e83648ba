"""The page of a task no built-in tab serves (a task registered by a plugin), built from the sections every
task page has: explain (the prediction, the chosen method's charts, notes and downloads), your reason
(plausibility), the document view of a long text, the report, compare methods + the scorecard, and what if
(counterfactuals and an edit side by side). Everything comes from the task's declaration: its arguments
(candidate labels, a second text) get boxes in its own words, its options one control each, and a task
whose outputs are scores rather than probabilities (``Task.PROBABILITIES = False``) has them shown as numbers
with its own answer. A task may declare a page of its own instead (``Task.TAB``: a module with ``render(page)``)."""
from __future__ import annotations

import re

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Task
from model.tasks.base import ARGUMENT_WORDS
from model.windows import READING_NAMES

from . import compare, document, explaining, gpu, reason, report, whatif
from .handlers import handler
from .models import resolve
from .page import Page
from .safe import markdown
from .text import bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, method_row, on_screen, reading_controls

TOP_WORDS = 40


def title(task: Task) -> str:
    """The tab's title: the task's own, else its name."""
    return task.WORDS.title or task.NAME.replace("-", " ").replace("_", " ").capitalize()


def api_name(task: Task, section: str = "explain") -> str:
    """``explain_<task>``, ``compare_<task>``, ``counterfactuals_<task>``, ``what_if_<task>``."""
    return f"{section}_" + re.sub(r"[^A-Za-z0-9_]+", "_", task.NAME).strip("_").lower()


def prediction(task: Task, e) -> dict | str:
    """What the page shows as the prediction: the labels' probabilities (a ``gr.Label``), or for a task whose
    outputs are scores, each as a number with the task's answer."""
    if task.PROBABILITIES:
        return top_labels(e.labels, e.probabilities)
    answer = task.answer(e.labels, e.probabilities, e.meta.get("options", {})) if len(e.labels) else "—"
    scores = ", ".join(f"{markdown(label)} {value:+.4g}" for label, value in zip(e.labels, e.probabilities))
    return f"**{markdown(answer)}** · {markdown(task.OUTPUT or 'score')}: {scores}"


def explainer(task: Task):
    """The tab's handler for ``task``: predict, explain (the task's default target, or the one named), the
    headline faithfulness, your reason's plausibility, the charts, the downloads and the explanation shown."""
    @handler
    @gpu.work
    def explain_task(text: str, model_name: str, method: str, seed: int, progress=gr.Progress(), target: str = "",
                     contrast: str = "", labels: str | None = None, pair: str | None = None,
                     reason_typed: str | None = None, reason_marked: list[str] | None = None, **values):
        model = resolve(model_name, task.NAME, progress)
        rationale = reason.spans(text or "", reason_typed, reason_marked)
        arguments = compare.task_arguments(task.NAME, target=target, contrast=contrast, labels=labels, pair=pair)
        e = explaining.run(model, text, method, progress, seed, values, **arguments)
        e, card = explaining.scored(model, e, progress)
        e = reason.measured(e, rationale)
        notes = bullets([*explanation_notes(e), faithfulness(card), reason.line(e)])
        best = int(e.probabilities.argmax()) if len(e.probabilities) else 0
        heat = None if e.meta.get("windows") else charts.text_heatmap(e)  # (the document view shades a long text)
        return (prediction(task, e), charts.attribution_bars(e, sort=True, top=TOP_WORDS), heat, notes,
                write_files(e, task.NAME), f"{len(e.labels)} outputs; the top one is "
                f"{e.labels[best] if len(e.labels) else 'none'}", e.to_dict())
    return explain_task


def searcher(task: Task):
    """The what-if section's counterfactual search for ``task``."""
    @handler
    @gpu.work
    def counterfactual_search(text: str, model_name: str, generator: str, max_edits, target: str = "",
                              labels: str | None = None, progress=gr.Progress(), **values):
        return whatif.search(task.NAME, text, model_name, generator, max_edits, target or None,
                             labels if "labels" in task.TAKES else None, progress, values)
    return counterfactual_search


def editor(task: Task):
    """The what-if section's side by side for ``task``."""
    @handler
    @gpu.work
    def what_if(text: str, edited: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
                target: str = "", contrast: str = "", labels: str | None = None, **values):
        return whatif.side_by_side(task.NAME, text, edited, model_name, method, seed,
                                   labels if "labels" in task.TAKES else None, progress, values,
                                   target=target or None, contrast=contrast or None)
    return what_if


def _argument_boxes(task: Task) -> dict:
    boxes = {}
    for name in ("labels", "pair"):
        if name in task.TAKES:
            boxes[name] = gr.Textbox(label=task.WORDS.arguments.get(name) or ARGUMENT_WORDS[name], max_length=5_000)
    if "target" in task.TAKES:
        boxes["target"] = gr.Textbox("", label=f"Explain {task.WORDS.target}", info="empty: the task's default",
                                     max_length=200)
    if "contrast" in task.TAKES:
        boxes["contrast"] = gr.Textbox("", label="Rather than", info=f"another {task.WORDS.target} to explain the "
                                       "target against (empty: none)", max_length=200)
    return boxes


def render(page: Page, task: Task) -> None:
    gr.Markdown(f"**{title(task)}** — {task.DESCRIPTION or 'a task registered from outside the project.'} "
                f"Every method explains its {task.OUTPUT or 'output'}.")
    with gr.Row():
        text_box = gr.Textbox(label="Text", lines=3, max_length=100_000)
        with gr.Column():
            model = page.models.dropdown((task.NAME,))
            arguments = _argument_boxes(task)
    method, params, seed = method_row()
    options = {p.name: control(p) for p in task.OPTIONS if p.name not in READING_NAMES}
    options.update(reading_controls([p for p in task.OPTIONS if p.name in READING_NAMES]))
    why = reason.render()
    run = gr.Button("Explain", variant="primary")
    label = gr.Label(label="Prediction") if task.PROBABILITIES else gr.Markdown(label="Prediction")
    bars = gr.Plot(label="Word contributions")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    doc = document.render()
    files = downloads()
    report_button = report.render()
    summary = gr.Markdown()
    shown = on_screen()  # the explanation on screen: its report and document view
    scorecard = compare.render()
    edit = whatif.render()
    outputs = [label, bars, heat, notes, files, summary, shown]
    values = {**params, **options}
    explain_kwargs = {**values, **arguments, "reason_typed": why.typed, "reason_marked": why.marked}
    run.click(explainer(task), [text_box, model, method, seed], outputs, inputs_kwargs=explain_kwargs,
              api_name=api_name(task)).success(document.follow, shown, [bars, heat, *doc.outputs], api_name=False,
                                               queue=False)
    document.wire(doc, shown)
    shown.change(report.of_explanation, shown, report_button, api_name=False, show_progress="hidden")
    text_box.change(reason.follow_text, text_box, why.marked, api_name=False, queue=False, show_progress="hidden")
    page.demo.load(reason.follow_text, text_box, why.marked, api_name=False, queue=False)
    target = arguments.get("target", gr.State(""))
    compare.wire(scorecard, compare.comparer(task.NAME), [text_box, model, target, seed],
                 {k: v for k, v in explain_kwargs.items() if k != "target"},
                 gr.State(True), [text_box, model, seed, why.typed, why.marked, *values.values(),
                                  *arguments.values()], api_name(task, "compare"))
    search_outputs, compare_edit_outputs = whatif.outputs_of(edit)
    asked = {k: v for k, v in arguments.items() if k in ("target", "labels")}
    edit.find.click(searcher(task), [text_box, model, edit.generator, edit.max_edits], search_outputs,
                    inputs_kwargs={**edit.controls, **options, **asked}, api_name=api_name(task, "counterfactuals"))
    edit.pick.input(whatif.apply, [edit.found, edit.pick], edit.edited, api_name=False, queue=False)
    edit.compare.click(editor(task), [text_box, edit.edited, model, method, seed], compare_edit_outputs,
                       inputs_kwargs={**values, **{k: v for k, v in arguments.items() if k != "pair"}},
                       api_name=api_name(task, "what_if"))
    every = [text_box, model, method, seed, *values.values(), *arguments.values()]
    clear_on_change([text_box, model, edit.generator, edit.max_edits, *edit.controls.values(), *options.values(),
                     *asked.values()], search_outputs)
    clear_on_change([*every, edit.edited], compare_edit_outputs)
    clear_on_change([*every, why.typed, why.marked], outputs)
    document.hide_on_change(every, doc)
