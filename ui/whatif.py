"""What if? Beside Classify and Zero-shot: edit the text (or apply a generated counterfactual) and
see the original and the edit side by side, each with its prediction and explanation, the changed
words marked and the change in every label's score."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from explain import counterfactuals
from explain.charts import explanation as charts
from explain.charts import whatif as whatif_charts
from explain.counterfactuals import GENERATORS, generator_params, get_generator
from explain.io.export import write_counterfactual_files
from explain.request import NO_TASK, read_arguments
from model.errors import InputError
from model.tasks import get_task
from model.validation import split_labels

from . import explaining
from .handlers import handler
from .models import resolve
from .safe import markdown
from .text import prediction
from .widgets import Slider, control, downloads, whole

DEFAULT_GENERATOR = "ablation_flip"
LIMIT = 10
COLUMNS = ["#", "counterfactual text", "edits", "new answer", "target's change"]
CATEGORIES = {"removed": "#008bfb", "added": "#ff0051", "replaced": "#ffb000"}


@dataclass
class WhatIf:
    generator: gr.Radio
    max_edits: gr.Slider
    controls: dict  # every registered generator's parameters, by name (the chosen one's shown)
    find: gr.Button
    table: gr.Dataframe
    note: gr.Markdown
    files: gr.File
    pick: gr.Dropdown
    found: gr.State
    edited: gr.Textbox
    compare: gr.Button
    before_label: gr.Label | gr.Markdown
    after_label: gr.Label | gr.Markdown
    before_text: gr.HighlightedText
    after_text: gr.HighlightedText
    change: gr.Plot
    before_bars: gr.Plot
    after_bars: gr.Plot


def render(probabilities: bool = True) -> WhatIf:
    """The section; ``probabilities``: the task's outputs are shown as probabilities (else as numbers with its
    answer, ``Task.PROBABILITIES``)."""
    def answer(label: str):
        return gr.Label(label=label, num_top_classes=3) if probabilities else gr.Markdown(label=label)

    with gr.Accordion("What if? Edit the text, or find the smallest changes that change the answer", open=False):
        with gr.Row():
            generator = gr.Radio([(f"{cls.LABEL or name} ({name})", name) for name, cls in GENERATORS.items()],
                                 value=DEFAULT_GENERATOR if DEFAULT_GENERATOR in GENERATORS else next(iter(GENERATORS)),
                                 label="Counterfactuals by", info="each one is run through the model and changes its "
                                                                  "answer")
            max_edits = Slider(1, 5, value=2, step=1, label="Edits at most")
            own = {p.name for p in GENERATORS[generator.value].PARAMS}
            controls = {name: control(p, visible=name in own) for name, p in generator_params().items()}
        generator.change(follow_generator, generator, list(controls.values()), api_name=False, queue=False,
                         show_progress="hidden")
        find = gr.Button("Find counterfactuals")
        note = gr.Markdown()
        table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, datatype=["number", "str", "str", "str",
                                                                                      "number"],
                             label="Counterfactuals (fewest edits first)", max_height=320)
        files = downloads("Download the counterfactuals: JSON, CSV")
        found = gr.State([])  # the counterfactual texts, for applying one
        pick = gr.Dropdown([], label="Apply a counterfactual to the edited text", interactive=True)
        edited = gr.Textbox(label="Edited text", lines=3, max_length=100_000,
                            placeholder="Type an edit of the text above, or apply a counterfactual")
        compare = gr.Button("Compare the original and the edit", variant="primary")
        with gr.Row():
            with gr.Column():
                before_label = answer("Original")
                before_text = gr.HighlightedText(label="Original (removed or replaced words marked)",
                                                 color_map=CATEGORIES, show_legend=True)
                before_bars = gr.Plot(label="Original: word contributions")
            with gr.Column():
                after_label = answer("Edit")
                after_text = gr.HighlightedText(label="Edit (added or replaced words marked)", color_map=CATEGORIES,
                                                show_legend=True)
                after_bars = gr.Plot(label="Edit: word contributions")
        change = gr.Plot(label="Change in each label's score")
    return WhatIf(generator, max_edits, controls, find, table, note, files, pick, found, edited, compare, before_label,
                  after_label, before_text, after_text, change, before_bars, after_bars)


def follow_generator(generator: str):
    """Show the chosen generator's parameter controls (every generator's are on the page)."""
    own = {p.name for p in GENERATORS[generator].PARAMS} if generator in GENERATORS else set()
    return [gr.update(visible=name in own) for name in generator_params()]


def generator_values(generator: str, values: dict) -> dict:
    """Of the tab's control values, the chosen generator's own parameters (given ones), read as their kinds."""
    return read_arguments(values, NO_TASK, (get_generator(generator),)).parsed()[0]


def search(task: str, text: str, model_name: str, generator: str, max_edits, target: str | None,
           labels: str | None, progress, values: dict, pair: str | None = None):
    """Verified counterfactuals of ``text`` (beside ``pair``, for a similarity): the table, its downloads, the
    choices to apply, a note."""
    model = resolve(model_name, task, progress)
    progress(None, desc="Searching for counterfactuals…")
    found = counterfactuals(model, text, target=target or None, generator=generator,
                            max_edits=whole(max_edits, "edits at most", 1, 5), limit=LIMIT,
                            labels=split_labels(labels) if labels is not None else None, pair=pair or None,
                            **generator_values(generator, values), **explaining.task_options(model, values))
    rows = [[i + 1, c.text, c.describe(), c.prediction, round(c.target_change, 4)] for i, c in enumerate(found)]
    said = (f"{len(found)} found" if len(found) else markdown(found.note)) + (
        f" · {found.tried:,} texts tried in {found.model_calls} model calls ({found.seconds:.1f} s); the original "
        f"answer is **{markdown(found.original['prediction'])}**, the target's change is in "
        f"{markdown(found.original['target'])}'s score.")
    choices = [(f"{i + 1}: {c.describe()[:90]}", i) for i, c in enumerate(found)]
    return ({"headers": COLUMNS, "data": rows}, said, write_counterfactual_files(found),
            gr.Dropdown(choices=choices, value=None), [c.text for c in found])


@handler
def apply(found: list[str] | None, index):
    """The chosen counterfactual's text into the edited box."""
    try:
        return (found or [])[int(index)]
    except (TypeError, ValueError, IndexError):
        return gr.update()


def side_by_side(task: str, text: str, edited: str, model_name: str, method: str, seed, labels: str | None,
                 progress, values: dict, target: str | None = None, contrast: str | None = None,
                 pair: str | None = None):
    """The original and the edit explained the same way and for the same target, like for like: the
    chosen one (``target``), else the original's prediction, rather than ``contrast`` when one is chosen;
    the changed words and the change in every label's score."""
    model = resolve(model_name, task, progress)
    if not (edited or "").strip():
        raise InputError("Type the edited text (or apply a counterfactual) to compare it with the original.")
    request = {"labels": split_labels(labels)} if labels is not None else {}
    request["contrast"] = contrast or None
    if pair:
        request["pair"] = pair  # (a similarity: both texts beside the same second text)
    first = explaining.run(model, text, method, progress, seed, values, target=target or None, **request)
    chosen = target or (first.labels[int(first.probabilities.argmax())] if len(first.labels) else None)
    same = [chosen] if chosen in first.targets else list(first.targets) or None
    second = explaining.run(model, edited, method, progress, seed, values, target=same, **request)
    before, after = whatif_charts.changed_words(text, edited)
    output = get_task(model.task).OUTPUT
    shown = first.targets.index(chosen) if chosen in first.targets else 0
    page_task = get_task(task)
    return (prediction(page_task, first), prediction(page_task, second), before, after,
            whatif_charts.score_change(list(first.labels), first.probabilities, second.probabilities, output=output),
            charts.attribution_bars(first, shown, sort=True, top=20),
            charts.attribution_bars(second, second.targets.index(first.targets[shown]) if first.targets else 0,
                                    sort=True, top=20))


def outputs_of(view: WhatIf) -> tuple[list, list]:
    """(the search's outputs, the comparison's outputs)."""
    return ([view.table, view.note, view.files, view.pick, view.found],
            [view.before_label, view.after_label, view.before_text, view.after_text, view.change, view.before_bars,
             view.after_bars])
