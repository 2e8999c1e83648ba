"""The Classify tab: predict, explain one class with the chosen method, and the scorecard that
compares methods on the same text."""
from __future__ import annotations

import gradio as gr

from explain import METHODS, Explanation, compare, get_method
from explain.charts import explanation as charts
from explain.charts import scorecard as scorecard_charts
from explain.charts.style import method_label
from explain.io.export import write_files, write_scorecard_files
from explain.metrics import METRICS
from model.errors import InputError
from model.tasks import Classification
from model.windows import READING_NAMES

from . import document, explaining, gpu, influence, reason, report, whatif
from .handlers import handler, log, warn
from .models import resolve
from .page import EXAMPLES, Page
from .safe import markdown
from .text import TOP_K, bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, long_example_button, method_row, reading_controls

TASK = Classification.NAME
SERVES = (TASK,)  # the tasks this tab explains (app.py gives a tab to any other)
TOP_WORDS = 40


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


def default_compare() -> list[str]:
    return [name for name, cls in METHODS.items() if cls.COMPARE_DEFAULT]


@handler


@gpu.work
def compare_methods(text: str, model_name: str, target: str | None, seed: int, methods: list[str] | None = None,
                    sort: bool = True, progress=gr.Progress(), contrast: str | None = None,
                    reason_typed: str | None = None, reason_marked: list[str] | None = None, **values):
    """The scorecard: several methods on the same input, words aligned (each method reads its own
    parameters), every metric beside a random ranking, how far the methods agree, and with a
    reason, each method's plausibility beside its faithfulness."""
    model = resolve(model_name, TASK, progress)
    chosen = [get_method(m).NAME for m in (default_compare() if methods is None else methods)]
    if not chosen:
        raise InputError("Tick at least one method to compare.")
    rationale = reason.spans(text or "", reason_typed, reason_marked)
    results = [explaining.run(model, text, m, progress, seed, values, target=target or None,
                              contrast=contrast or None) for m in chosen]
    cards = []
    for e in results:  # each method's normalised scores search among the others' rankings too
        others = [o.word_attributions[:, 0] for o in results if o is not e and o.targets]
        cards.append(explaining.scored(model, e, progress, metrics=None, references=others)[1])
    headers, rows = scorecard_charts.scorecard_table(cards)
    plausible = reason.compared(results, rationale) if rationale else None
    if plausible:
        extra, cells = reason.table_columns(*plausible)
        at = 3  # beside the headline faithfulness (method, comprehensiveness, sufficiency)
        headers = headers[:at] + extra + headers[at:]
        rows = [row[:at] + more + row[at:] for row, more in zip(rows, cells)]
    agreement = compare(results) if len(results) > 1 else None
    return (charts.comparison(results, top=TOP_WORDS, sort=bool(sort)), {"headers": headers, "data": rows},
            scorecard_charts.aopc_curves(cards), scorecard_charts.agreement_heatmap(agreement) if agreement else None,
            write_scorecard_files(cards, agreement, text, plausible=plausible), [e.to_dict() for e in results])


@handler
def redraw_comparison(compared: list[dict] | None, sort: bool):
    """The methods compared, in the other order: nothing is recomputed."""
    if not compared:
        return None
    return charts.comparison([Explanation.from_dict(e) for e in compared], top=TOP_WORDS, sort=bool(sort))


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


def scorecard_help() -> str:
    """What each registered metric means (built when the page is: plugin metrics included)."""
    lines = [f"**{name.replace('_', ' ')}** {'↓' if metric.LOWER_IS_BETTER else '↑'} {markdown(metric.definition())}"
             for name, metric in METRICS.items()]
    return ("Every score is shown beside the same score for a random ranking of the words. Normalised AOPC "
            "is 0 for a random ranking and 1 for the best ranking found: exact on texts of up to about 9 words; "
            "longer, the best of the compared methods' rankings, occlusion's and a greedy search (a reference, not "
            "a bound; the downloaded CSV says which was used). With *your reason* given, **token F1**, **IOU-F1** and "
            "**AUPRC** ↑ (ERASER's plausibility: do the method's top words match the words you marked?) stand beside "
            "the faithfulness.\n\n" + "\n".join(f"- {line}" for line in lines))


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
    options = {p.name: control(p) for p in Classification.OPTIONS if p.name not in READING_NAMES}
    options.update(reading_controls([p for p in Classification.OPTIONS if p.name in READING_NAMES]))
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
    shown = gr.State(None)  # the explanation on screen, for redrawing without recomputing
    with gr.Accordion("Compare methods on this text: the scorecard", open=False):
        which = gr.CheckboxGroup([(method_label(m), m) for m in METHODS], value=default_compare(),
                                 label="Methods to compare")
        compare_button = gr.Button("Compare methods")
        compared = gr.Plot(label="Methods compared")
        gr.Markdown(scorecard_help())
        table = gr.Dataframe(headers=["method", "comprehensiveness ↑", "sufficiency ↓"],
                             label="Scorecard (↑ higher is better, ↓ lower is better)", interactive=False,
                             wrap=False)
        curves = gr.Plot(label="Faithfulness per bin")
        agreement = gr.Plot(label="Agreement between the methods")
        card_files = downloads("Download the scorecard: JSON, CSV")
        compare_report = report.render()
        compared_shown = gr.State(None)  # the explanations compared, for redrawing in the other order
    inputs_kwargs = {**params, **options}
    explain_kwargs = {**inputs_kwargs, "contrast": contrast, "reason_typed": why.typed, "reason_marked": why.marked}
    outputs = [label, bars, heat, notes, files, shown]
    compare_outputs = [compared, table, curves, agreement, card_files, compared_shown]
    run.click(classify, [text_box, model, method, target, seed, sort], outputs, inputs_kwargs=explain_kwargs,
              api_name="classify").success(document.follow, shown, [bars, heat, *doc.outputs], api_name=False,
                                           queue=False)
    compare_button.click(compare_methods, [text_box, model, target, seed, which, sort], compare_outputs,
                         inputs_kwargs=explain_kwargs, api_name="compare_methods")
    sort.change(redraw_bars, [shown, sort], bars, api_name=False, queue=False, show_progress="hidden")
    shown.change(report.of_explanation, shown, report_button, api_name=False, show_progress="hidden")
    compared_shown.change(report.of_comparison, [compared_shown, table], compare_report, api_name=False,
                          show_progress="hidden")
    document.wire(doc, shown)
    sort.change(redraw_comparison, [compared_shown, sort], compared, api_name=False, queue=False,
                show_progress="hidden")
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
    clear_on_change([text_box, model, target, seed, which, why.typed, why.marked, *inputs_kwargs.values()],
                    compare_outputs)
