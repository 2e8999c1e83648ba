"""The Zero-shot tab: score candidate labels chosen at call time and explain every one of them."""
from __future__ import annotations

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import ZeroShot, get_task
from model.validation import MAX_LABELS, split_labels
from model.windows import READING_NAMES

from . import compare, document, explaining, gpu, reason, report, task_page, whatif
from .handlers import handler
from .models import resolve
from .page import EXAMPLES, Page
from .text import bullets, explanation_notes, faithfulness, top_labels
from .widgets import control, downloads, on_screen

TASK = ZeroShot.NAME
SERVES = (TASK,)  # the tasks this tab explains (app.py gives a tab to any other)
ONE_LABEL = ("With one candidate label, its score is computed on its own (as in multi-label mode and as transformers' "
             "zero-shot pipeline does), not as a share of 100%.")


# (the long-text ones and the output explained are keywords: the API's positions stay those it always had)
POSITIONAL = [p for p in ZeroShot.OPTIONS if p.name not in READING_NAMES and p.name != "output"]


def options(*values) -> dict:
    """The tab's option controls (positional in the API, in the task's declared order) as the task's options."""
    return dict(zip((p.name for p in POSITIONAL), values))


@handler


@gpu.work
def zero_shot(text: str, labels: str, template: str, multi_label: bool, model_name: str, method: str, seed: int,
              progress=gr.Progress(), contrast: str | None = None, reason_typed: str | None = None,
              reason_marked: list[str] | None = None, **values):
    """Score candidate labels and explain every one of them (rather than ``contrast``, when chosen);
    with a reason, the plausibility of the top label's explanation."""
    model = resolve(model_name, TASK, progress)
    rationale = reason.spans(text or "", reason_typed, reason_marked)
    chosen = {**values, **options(template or None, bool(multi_label))}
    e = explaining.run(model, text, method, progress, seed, chosen, labels=split_labels(labels),
                       contrast=contrast or None)
    best = int(e.probabilities.argmax())
    independent = bool(multi_label) or len(e.labels) == 1
    e, card = explaining.scored(model, e, progress, target=best)
    e = reason.measured(e, rationale, target=best)
    lines = [*explanation_notes(e, target=best, sides=(e.labels[best],)), faithfulness(card, f"{e.labels[best]}: "),
             reason.line(e, f"{e.labels[best]}: ")]
    if len(e.labels) == 1:
        lines.insert(0, ONE_LABEL)
    heat = None if e.meta.get("windows") else charts.text_heatmap(e, best)  # (the document view shades a long text)
    return (top_labels(e.labels, e.probabilities, k=MAX_LABELS),
            charts.label_scores(list(e.labels), e.probabilities, independent), bullets(lines),
            charts.target_small_multiples(e, level="sentence" if e.meta.get("granularity") in document.BY_SENTENCE
                                          else "word"), heat, write_files(e, "zero-shot"), e.to_dict(), best)




compare_methods = compare.comparer(TASK)  # the scorecard section's handler: the top label, method by method


def contrast_choices(labels: str | None):
    """The "rather than" choices follow the candidate labels typed (nothing chosen when they change)."""
    try:
        names = split_labels(labels) if labels and labels.strip() else []
    except ValueError:
        names = []
    return gr.Dropdown(choices=[(n, n) for n in names], value=None)


@handler


@gpu.work
def counterfactual_search(text: str, labels: str, model_name: str, generator: str, max_edits,
                          progress=gr.Progress(), **values):
    """Verified counterfactuals of the text: the smallest edits that change the top label."""
    return whatif.search(TASK, text, model_name, generator, max_edits, None, labels, progress, values)


@handler


@gpu.work
def what_if(text: str, edited: str, labels: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
            contrast: str | None = None, **values):
    """The original and the edited text side by side, both explained for the original's top label, rather than
    the chosen contrast: label scores, explanations, changed words."""
    return whatif.side_by_side(TASK, text, edited, model_name, method, seed, labels, progress, values,
                               contrast=contrast)


def labels_above_half(prediction: dict | None):
    """Show every label scored above 50% (independent scores can have several; a softmax at most one)."""
    confidences = (prediction or {}).get("confidences") or []
    return gr.update(num_top_classes=max(1, sum(c.get("confidence", 0) > 0.5 for c in confidences)))


def _label_boxes(task) -> tuple[dict, dict]:
    """The candidate labels, the options that read them (template, multi-label: positional in the API) and the
    label to explain the others against (its choices follow the labels typed)."""
    labels = gr.Textbox(label=f"Candidate labels (comma-separated, at most {MAX_LABELS})",
                        value=EXAMPLES["zero_shot"][0][1], max_length=5_000)
    placed = {p.name: control(p) for p in POSITIONAL}
    contrast = gr.Dropdown([], value=None, label="Rather than", allow_custom_value=True,
                           info="empty: why each label; a label: why each other label rather than it, explained "
                                "as log score − log score of this label")
    return {"labels": labels, "contrast": contrast}, placed


def _results(task) -> task_page.Results:
    """Every label's score, the contributions per label, the top label's heatmap and its document view."""
    with gr.Row():
        label = gr.Label(label="Prediction (every label above 50% when they are scored on their own)",
                         num_top_classes=1)
        scores = gr.Plot(label="Scores of every candidate label")
    notes = gr.Markdown()
    multiples = gr.Plot(label="Contributions per label")
    heat = gr.Plot(label="Text heatmap (top label)")
    view = document.render("The text by sentence, for the top label")
    files = downloads()
    report_button = report.render()
    shown, shown_target = on_screen(), on_screen()  # the explanation on screen and the label the view shows
    return task_page.Results([label, scores, notes, multiples, heat, files, shown, shown_target], shown,
                             [shown, shown_target], report_button, view,
                             [(labels_above_half, label, label),
                              (document.follow_heatmap, [shown, shown_target], [heat, *view.outputs])])


def render(page: Page) -> None:
    """The task page with zero-shot's settings: candidate labels typed at call time, every label explained."""
    task = get_task(TASK)
    inp = task_page.inputs(page, task, text_value=EXAMPLES["zero_shot"][0][0], boxes=_label_boxes, wide=True)
    labels = inp.arguments["labels"]
    run = task_page.explain_button("Classify and explain", EXAMPLES["zero_shot"], [inp.text, labels], inp.text)
    results = _results(task)
    positional = [inp.options[p.name] for p in POSITIONAL]
    task_page.wire_explain(page, inp, run, zero_shot,
                           [inp.text, labels, *positional, inp.model, inp.method, inp.seed], results, "zero_shot")
    labels.change(contrast_choices, labels, inp.arguments["contrast"], api_name=False, queue=False,
                  show_progress="hidden")
    page.demo.load(contrast_choices, labels, inp.arguments["contrast"], api_name=False, queue=False)
    task_page.whatif_section(inp, counterfactual_search, [inp.text, labels, inp.model, task_page.GENERATOR,
                                                          task_page.MAX_EDITS],
                             what_if, [inp.text, task_page.EDITED, labels, inp.model, inp.method, inp.seed],
                             ("zero_shot_counterfactuals", "zero_shot_what_if"))
    task_page.compare_section(inp, compare_methods, "zero_shot_compare")
