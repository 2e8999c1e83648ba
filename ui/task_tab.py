"""The tab of a task no built-in tab serves (a task registered by a plugin): everything it needs comes
from the task's declaration. Its arguments (candidate labels, a second text) get boxes in the task's
own words, its options get one control each, and any registered method explains its output with the
same charts, notes, faithfulness and downloads as the built-in tabs. A task may declare a tab of its
own instead (``Task.TAB``: a module with ``render(page)``)."""
from __future__ import annotations

import re

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Task
from model.tasks.base import ARGUMENT_WORDS
from model.validation import split_labels
from model.windows import READING_NAMES

from . import explaining, gpu
from .handlers import handler
from .models import resolve
from .page import Page
from .text import bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, method_row, reading_controls

TOP_WORDS = 40


def title(task: Task) -> str:
    """The tab's title: the task's own, else its name."""
    return task.WORDS.title or task.NAME.replace("-", " ").replace("_", " ").capitalize()


def api_name(task: Task) -> str:
    return "explain_" + re.sub(r"[^A-Za-z0-9_]+", "_", task.NAME).strip("_").lower()


def explainer(task: Task):
    """The tab's handler for ``task``: predict, explain (the task's default target, or the one named),
    the headline faithfulness, the charts and the downloads."""
    @handler
    @gpu.work
    def explain_task(text: str, model_name: str, method: str, seed: int, progress=gr.Progress(), target: str = "",
                     contrast: str = "", labels: str | None = None, pair: str | None = None, **values):
        model = resolve(model_name, task.NAME, progress)
        request = {"target": target.strip() or None if isinstance(target, str) else None,
                   "contrast": contrast.strip() or None if isinstance(contrast, str) else None}
        if "labels" in task.TAKES:
            request["labels"] = split_labels(labels or "")
        if "pair" in task.TAKES:
            request["pair"] = pair
        e = explaining.run(model, text, method, progress, seed, values, **request)
        e, card = explaining.scored(model, e, progress)
        notes = bullets([*explanation_notes(e), faithfulness(card)])
        best = int(e.probabilities.argmax()) if len(e.probabilities) else 0
        return (top_labels(e.labels, e.probabilities), charts.attribution_bars(e, sort=True, top=TOP_WORDS),
                charts.text_heatmap(e), notes, write_files(e, task.NAME), f"{len(e.labels)} outputs; the top one is "
                f"{e.labels[best] if len(e.labels) else 'none'}")
    return explain_task


def render(page: Page, task: Task) -> None:
    gr.Markdown(f"**{title(task)}** — {task.DESCRIPTION or 'a task registered from outside the project.'} "
                f"Every method explains its {task.OUTPUT or 'output'}.")
    with gr.Row():
        text_box = gr.Textbox(label="Text", lines=3, max_length=100_000)
        with gr.Column():
            model = page.models.dropdown((task.NAME,))
            arguments = {}
            for name in ("labels", "pair"):
                if name in task.TAKES:
                    arguments[name] = gr.Textbox(label=task.WORDS.arguments.get(name) or ARGUMENT_WORDS[name],
                                                 max_length=5_000)
            if "target" in task.TAKES:
                arguments["target"] = gr.Textbox(label=f"Explain {task.WORDS.target}",
                                                 info="empty: the task's default", max_length=200)
            if "contrast" in task.TAKES:
                arguments["contrast"] = gr.Textbox(label="Rather than", info=f"another {task.WORDS.target} to explain "
                                                   "the target against (empty: none)", max_length=200)
    method, params, seed = method_row()
    options = {p.name: control(p) for p in task.OPTIONS if p.name not in READING_NAMES}
    options.update(reading_controls([p for p in task.OPTIONS if p.name in READING_NAMES]))
    run = gr.Button("Explain", variant="primary")
    label = gr.Label(label="Prediction")
    bars = gr.Plot(label="Word contributions")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    files = downloads()
    summary = gr.Markdown()
    outputs = [label, bars, heat, notes, files, summary]
    run.click(explainer(task), [text_box, model, method, seed], outputs,
              inputs_kwargs={**params, **options, **arguments}, api_name=api_name(task))
    clear_on_change([text_box, model, method, seed, *params.values(), *options.values(), *arguments.values()], outputs)
