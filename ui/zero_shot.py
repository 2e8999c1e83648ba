"""The Zero-shot tab: score candidate labels chosen at call time and explain every one of them."""
from __future__ import annotations

import gradio as gr

from explain.charts import explanation as charts
from explain.export import write_files
from model.tasks import ZeroShot
from model.validation import MAX_LABELS, split_labels

from . import explaining
from .handlers import handler
from .models import resolve
from .page import EXAMPLES, Page
from .text import bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, method_row

TASK = ZeroShot.NAME
ONE_LABEL = ("With one candidate label, its score is computed on its own (as in multi-label mode and as transformers' "
             "zero-shot pipeline does), not as a share of 100%.")


def options(*values) -> dict:
    """The tab's option controls (positional in the API, in the task's declared order) as the task's options."""
    return dict(zip((p.name for p in ZeroShot.OPTIONS), values))


@handler
def zero_shot(text: str, labels: str, template: str, multi_label: bool, model_name: str, method: str, seed: int,
              progress=gr.Progress(), **values):
    """Score candidate labels and explain every one of them."""
    model = resolve(model_name, TASK, progress)
    chosen = {**values, **options(template or None, bool(multi_label))}
    e = explaining.run(model, text, method, progress, seed, chosen, labels=split_labels(labels))
    best = int(e.probabilities.argmax())
    independent = bool(multi_label) or len(e.labels) == 1
    e, card = explaining.scored(model, e, progress, target=best)
    lines = [*explanation_notes(e, target=best), faithfulness(card, f"{e.labels[best]}: ")]
    if len(e.labels) == 1:
        lines.insert(0, ONE_LABEL)
    return (top_labels(e.labels, e.probabilities, k=MAX_LABELS),
            charts.label_scores(list(e.labels), e.probabilities, independent), bullets(lines),
            charts.target_small_multiples(e), charts.text_heatmap(e, best), write_files(e, "zero-shot"))


def labels_above_half(prediction: dict | None):
    """Show every label scored above 50% (independent scores can have several; a softmax at most one)."""
    confidences = (prediction or {}).get("confidences") or []
    return gr.update(num_top_classes=max(1, sum(c.get("confidence", 0) > 0.5 for c in confidences)))


def render(page: Page) -> None:
    with gr.Row():
        text_box = gr.Textbox(label="Text", lines=3, value=EXAMPLES["zero_shot"][0][0], max_length=100_000)
        with gr.Column():
            labels = gr.Textbox(label=f"Candidate labels (comma-separated, at most {MAX_LABELS})",
                                value=EXAMPLES["zero_shot"][0][1], max_length=5_000)
            option_controls = [control(p) for p in ZeroShot.OPTIONS]
    model = page.models.dropdown((TASK,))
    method, params, seed = method_row()
    run = gr.Button("Classify and explain", variant="primary")
    gr.Examples(EXAMPLES["zero_shot"], [text_box, labels], label="Examples")
    with gr.Row():
        label = gr.Label(label="Prediction (every label above 50% when they are scored on their own)",
                         num_top_classes=1)
        scores = gr.Plot(label="Scores of every candidate label")
    notes = gr.Markdown()
    multiples = gr.Plot(label="Contributions per label")
    heat = gr.Plot(label="Text heatmap (top label)")
    files = downloads("Download: JSON, words CSV, tokens CSV")
    outputs = [label, scores, notes, multiples, heat, files]
    run.click(zero_shot, [text_box, labels, *option_controls, model, method, seed], outputs, inputs_kwargs=params,
              api_name="zero_shot").success(labels_above_half, label, label, api_name=False, queue=False)
    clear_on_change([text_box, labels, *option_controls, model, method, seed, *params.values()], outputs)
