"""One task page, built from sections: the inputs (the text, the model, the task's own arguments and options,
the method row, your reason), explain (a result area the setting draws: the prediction, the charts, notes,
downloads, the document view of a long text and the report, with the explanation on screen held by the page),
compare methods + the scorecard, and what if (counterfactuals and an edit side by side). Classify, Zero-shot,
the similarity half of Embeddings and the page of a task a plugin registers are settings of it: which boxes,
which handlers, which API names, which result area. Everything else comes from the task's declaration: its
arguments (candidate labels, a second text) get boxes in its own words, its options one control each, and a task
whose outputs are scores rather than probabilities (``Task.PROBABILITIES = False``) has them shown as numbers with
its own answer. A task may declare a page of its own instead (``Task.TAB``: a module with ``render(page)``)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Task, get_task
from model.tasks.base import ARGUMENT_WORDS
from model.windows import READING_NAMES

from . import compare, document, explaining, gpu, reason, report, whatif
from .handlers import handler
from .models import resolve
from .page import Page
from .text import bullets, explanation_notes, faithfulness, prediction
from .widgets import clear_on_change, control, downloads, long_example_button, method_row, on_screen, reading_controls

TOP_WORDS = 40


def title(task: Task) -> str:
    """The tab's title: the task's own, else its name."""
    return task.WORDS.title or task.NAME.replace("-", " ").replace("_", " ").capitalize()


def api_name(task: Task, section: str = "explain") -> str:
    """``explain_<task>``, ``compare_<task>``, ``counterfactuals_<task>``, ``what_if_<task>``."""
    return f"{section}_" + re.sub(r"[^A-Za-z0-9_]+", "_", task.NAME).strip("_").lower()


@dataclass
class Inputs:
    """What every section reads: the text, the model, the task's arguments as ``explain`` names them (target,
    contrast, labels, pair), the method row, the task's options and your reason."""
    task: Task
    text: gr.Textbox
    model: gr.Dropdown
    arguments: dict
    method: gr.Radio
    params: dict
    seed: gr.Number
    options: dict
    why: reason.Reason | None

    @property
    def values(self) -> dict:
        """The method's parameters and the task's options, by name (handlers read them as keywords)."""
        return {**self.params, **self.options}

    @property
    def reasons(self) -> list:
        return [self.why.typed, self.why.marked] if self.why else []

    def keywords(self, positional=(), reasons: bool = False) -> dict:
        """What a handler reads by keyword: the method's parameters, the task's options and its arguments, less
        the inputs it is given by position (``positional``); with ``reasons``, your reason too."""
        taken = {id(c) for c in positional}
        out = {k: v for k, v in {**self.values, **self.arguments}.items() if id(v) not in taken}
        if reasons and self.why:
            out.update({"reason_typed": self.why.typed, "reason_marked": self.why.marked})
        return out

    def every(self) -> list:
        """Every input an explanation depends on (a change empties what was shown for the old ones)."""
        return [self.text, self.model, self.method, self.seed, *self.values.values(), *self.arguments.values()]


def argument_boxes(task: Task) -> tuple[dict, dict]:
    """A text box per argument the task takes, in its own words; no option placed (the page places them)."""
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
    return boxes, {}


def inputs(page: Page, task: Task, *, text_label: str = "Text", text_value: str = "",
           boxes: Callable[[Task], tuple[dict, dict]] = argument_boxes, wide: bool = False,
           reasons: bool = True, model: gr.Dropdown | None = None) -> Inputs:
    """The inputs section: the text beside the model and the task's argument boxes (``boxes``: the setting's
    own, with any options it places among them), the method row, the task's other options (the long-text ones
    in their accordion) and your reason. ``wide``: the model's list under the row rather than in it; ``model``:
    a list the tab already shows."""
    with gr.Row():
        text = gr.Textbox(label=text_label, lines=3, value=text_value, max_length=100_000)
        with gr.Column():
            if model is None and not wide:
                model = page.models.dropdown((task.NAME,))
            arguments, options = boxes(task)
    if model is None:
        model = page.models.dropdown((task.NAME,))
    method, params, seed = method_row()
    rest = [p for p in task.OPTIONS if p.name not in options]
    options = {**options, **{p.name: control(p) for p in rest if p.name not in READING_NAMES}}
    options.update(reading_controls([p for p in rest if p.name in READING_NAMES]))
    why = reason.render() if reasons else None
    return Inputs(task, text, model, arguments, method, params, seed, options, why)


def explain_button(label: str = "Explain", examples: list | None = None, example_inputs: list | None = None,
                   long_text: gr.Textbox | None = None) -> gr.Button:
    """The button that explains, the setting's examples under it and the long example document."""
    run = gr.Button(label, variant="primary")
    if examples:
        gr.Examples(examples, example_inputs, label="Examples")
    if long_text is not None:
        long_example_button(long_text)
    return run


@dataclass
class Results:
    """A result area: what the explain handler returns, in its order (the explanation on screen, ``shown``,
    among them), the document view, the report button (``report_inputs``: the explanation on screen, then what
    else the report and the document view read), and what is redrawn when the result is in (``follows``: (function,
    inputs, outputs) in turn, chained so the API's outputs stay the handler's)."""
    outputs: list
    shown: gr.Component
    report_inputs: list
    report_button: report.Report | None = None
    view: document.DocumentView | None = None
    follows: list = field(default_factory=list)


def word_results(task: Task, summary: bool = True) -> Results:
    """The result area of a task that explains one output at a time: the prediction (probabilities in a label,
    or scores as numbers with the answer), word bars, the text heatmap, notes, the document view, downloads, the
    report (and, for a plugin's task, one line on its outputs)."""
    label = gr.Label(label="Prediction") if task.PROBABILITIES else gr.Markdown(label="Prediction")
    bars = gr.Plot(label="Word contributions")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    view = document.render()
    files = downloads()
    report_button = report.render()
    extra = [gr.Markdown()] if summary else []
    shown = on_screen()  # the explanation on screen: redrawn, reported and read by sentence from the page
    return Results([label, bars, heat, notes, files, *extra, shown], shown, [shown], report_button, view,
                   [(document.follow, [shown], [bars, heat, *view.outputs])])


def wire_explain(page: Page, inp: Inputs, run: gr.Button, handler_fn, positional: list, results: Results,
                 api_name: str) -> None:
    """The explain section's events: run (``positional`` inputs, the rest by keyword: the method's parameters, the
    task's options and arguments not among ``positional``, your reason), what follows a result, the report, the
    chosen sentence, the words offered for marking, and every result emptied when an input changes."""
    event = run.click(handler_fn, positional, results.outputs, inputs_kwargs=inp.keywords(positional, reasons=True),
                      api_name=api_name)
    for follow, follow_inputs, follow_outputs in results.follows:
        event = event.success(follow, follow_inputs, follow_outputs, api_name=False, queue=False)
    if results.report_button is not None:
        report.wire(results.report_button, report.of_explanation, results.report_inputs)
    if results.view is not None:
        document.wire(results.view, results.shown, *results.report_inputs[1:])
        document.hide_on_change(inp.every(), results.view)
    if inp.why:  # the words offered for marking are the text's, from the start
        inp.text.change(reason.follow_text, inp.text, inp.why.marked, api_name=False, queue=False,
                        show_progress="hidden")
        page.demo.load(reason.follow_text, inp.text, inp.why.marked, api_name=False, queue=False)
    clear_on_change([*inp.every(), *inp.reasons], results.outputs)


def compare_section(inp: Inputs, handler_fn, api_name: str, sort=None, target=None) -> compare.Compare:
    """Compare methods + the scorecard on the same input (``target``: the box naming what is explained)."""
    section = compare.render()
    target = target if target is not None else inp.arguments.get("target", gr.State(""))
    positional = [inp.text, inp.model, target, inp.seed]
    compare.wire(section, handler_fn, positional, inp.keywords(positional, reasons=True),
                 sort if sort is not None else gr.State(True),
                 [inp.text, inp.model, inp.seed, *inp.values.values(), *inp.arguments.values(), *inp.reasons],
                 api_name)
    return section


GENERATOR, MAX_EDITS, EDITED = "generator", "max_edits", "edited"  # the what-if section's own inputs, in a list


def whatif_section(inp: Inputs, search_fn, search_inputs: list, side_fn, side_inputs: list, names: tuple[str, str],
                   asked: tuple[str, ...] = ("target", "labels", "pair")) -> whatif.WhatIf:
    """What if: counterfactuals of the text (``search_fn``) and an edit side by side (``side_fn``), the
    prediction shown as the task shows it. ``search_inputs``/``side_inputs``: their positional inputs (the
    section's own named by ``GENERATOR``, ``MAX_EDITS``, ``EDITED``), the rest by keyword; ``asked``: the
    arguments the search reads."""
    edit = whatif.render(inp.task.PROBABILITIES)
    own = {GENERATOR: edit.generator, MAX_EDITS: edit.max_edits, EDITED: edit.edited}
    search_inputs = [own.get(c, c) if isinstance(c, str) else c for c in search_inputs]
    side_inputs = [own.get(c, c) if isinstance(c, str) else c for c in side_inputs]
    search_outputs, compare_edit_outputs = whatif.outputs_of(edit)
    taken = {id(c) for c in search_inputs}
    searched = {k: v for k, v in inp.arguments.items() if k in asked and id(v) not in taken}
    edit.find.click(search_fn, search_inputs, search_outputs,
                    inputs_kwargs={**edit.controls, **inp.options, **searched}, api_name=names[0])
    edit.pick.input(whatif.apply, [edit.found, edit.pick], edit.edited, api_name=False, queue=False)
    edit.compare.click(side_fn, side_inputs, compare_edit_outputs, inputs_kwargs=inp.keywords(side_inputs),
                       api_name=names[1])
    clear_on_change([inp.text, inp.model, edit.generator, edit.max_edits, *edit.controls.values(),
                     *inp.options.values(), *(inp.arguments[k] for k in asked if k in inp.arguments)], search_outputs)
    clear_on_change([*inp.every(), edit.edited], compare_edit_outputs)
    return edit


# ---- the page of a task a plugin registers: every section with the defaults ----

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
                              labels: str | None = None, pair: str | None = None, progress=gr.Progress(), **values):
        return whatif.search(task.NAME, text, model_name, generator, max_edits, target or None,
                             labels if "labels" in task.TAKES else None, progress, values,
                             pair=pair if "pair" in task.TAKES else None)
    return counterfactual_search


def editor(task: Task):
    """The what-if section's side by side for ``task``."""
    @handler
    @gpu.work
    def what_if(text: str, edited: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
                target: str = "", contrast: str = "", labels: str | None = None, pair: str | None = None, **values):
        return whatif.side_by_side(task.NAME, text, edited, model_name, method, seed,
                                   labels if "labels" in task.TAKES else None, progress, values,
                                   target=target or None, contrast=contrast or None,
                                   pair=pair if "pair" in task.TAKES else None)
    return what_if


def render(page: Page, task: Task | str) -> None:
    """A plugin task's page: every section its task supports, with the defaults."""
    task = get_task(task) if isinstance(task, str) else task
    gr.Markdown(f"**{title(task)}** — {task.DESCRIPTION or 'a task registered from outside the project.'} "
                f"Every method explains its {task.OUTPUT or 'output'}.")
    inp = inputs(page, task)
    run = explain_button()
    results = word_results(task)
    wire_explain(page, inp, run, explainer(task), [inp.text, inp.model, inp.method, inp.seed], results,
                 api_name(task))
    compare_section(inp, compare.comparer(task.NAME), api_name(task, "compare"))
    whatif_section(inp, searcher(task), [inp.text, inp.model, GENERATOR, MAX_EDITS], editor(task),
                   [inp.text, EDITED, inp.model, inp.method, inp.seed],
                   (api_name(task, "counterfactuals"), api_name(task, "what_if")))
