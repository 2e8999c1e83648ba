"""The Classify tab: predict, explain one class with the chosen method, and the scorecard that
compares methods on the same text."""
from __future__ import annotations

import gradio as gr

from explain import METHODS, Explanation, compare, get_method
from explain.charts import explanation as charts
from explain.charts import scorecard as scorecard_charts
from explain.charts.style import method_label
from explain.export import write_files, write_scorecard_files
from explain.metrics import METRICS
from model.errors import InputError
from model.tasks import Classification

from . import explaining
from .handlers import handler, log, warn
from .models import resolve
from .page import EXAMPLES, Page
from .safe import markdown
from .text import TOP_K, bullets, explanation_notes, faithfulness, top_labels
from .widgets import clear_on_change, control, downloads, method_row

TASK = Classification.NAME
TOP_WORDS = 40


@handler
def classify(text: str, model_name: str, method: str, target: str | None, seed: int, sort: bool = True,
             progress=gr.Progress(), **values):
    """Predict, explain one class, draw bars and a text heatmap, write the downloads."""
    model = resolve(model_name, TASK, progress)
    get_method(method)
    e = explaining.run(model, text, method, progress, seed, values, target=target or None)
    e, card = explaining.scored(model, e, progress)
    notes = bullets([*explanation_notes(e), faithfulness(card)])
    return (top_labels(e.labels, e.probabilities), charts.attribution_bars(e, sort=bool(sort), top=TOP_WORDS),
            charts.text_heatmap(e), notes, write_files(e, "classify"), e.to_dict())


@handler
def redraw_bars(explained: dict | None, sort: bool):
    """The bars of the explanation on screen in the other order: nothing is recomputed."""
    if not explained:
        return None
    return charts.attribution_bars(Explanation.from_dict(explained), sort=bool(sort), top=TOP_WORDS)


def default_compare() -> list[str]:
    return [name for name, cls in METHODS.items() if cls.COMPARE_DEFAULT]


@handler
def compare_methods(text: str, model_name: str, target: str | None, seed: int, methods: list[str] | None = None,
                    sort: bool = True, progress=gr.Progress(), **values):
    """The scorecard: several methods on the same input, words aligned (each method reads its own
    parameters), every metric beside a random ranking, and how far the methods agree."""
    model = resolve(model_name, TASK, progress)
    chosen = [get_method(m).NAME for m in (default_compare() if methods is None else methods)]
    if not chosen:
        raise InputError("Tick at least one method to compare.")
    results = [explaining.run(model, text, m, progress, seed, values, target=target or None) for m in chosen]
    cards = []
    for e in results:  # each method's normalised scores search among the others' rankings too
        others = [o.word_attributions[:, 0] for o in results if o is not e and o.targets]
        cards.append(explaining.scored(model, e, progress, metrics=None, references=others)[1])
    headers, rows = scorecard_charts.scorecard_table(cards)
    agreement = compare(results) if len(results) > 1 else None
    return (charts.comparison(results, top=TOP_WORDS, sort=bool(sort)), {"headers": headers, "data": rows},
            scorecard_charts.aopc_curves(cards), scorecard_charts.agreement_heatmap(agreement) if agreement else None,
            write_scorecard_files(cards, agreement, text), [e.to_dict() for e in results])


@handler
def redraw_comparison(compared: list[dict] | None, sort: bool):
    """The methods compared, in the other order: nothing is recomputed."""
    if not compared:
        return None
    return charts.comparison([Explanation.from_dict(e) for e in compared], top=TOP_WORDS, sort=bool(sort))


@handler
def class_labels(model_name: str):
    """The target dropdown follows the chosen classifier's labels (just "predicted class" if the
    model cannot be loaded: the Explain button then says why)."""
    choices = [("predicted class", "")]
    try:
        model = resolve(model_name, TASK)
        choices += [(label, label) for label in sorted(model.labels)]
    except ValueError as err:
        log.info("class labels of %r unavailable: %s", model_name, err)
        warn(err)
    return gr.Dropdown(choices=choices, value="")


def scorecard_help() -> str:
    """What each registered metric means (built when the page is: plugin metrics included)."""
    lines = [f"**{name.replace('_', ' ')}** {'↓' if metric.LOWER_IS_BETTER else '↑'} {markdown(metric.definition())}"
             for name, metric in METRICS.items()]
    return ("Every score is shown beside the same score for a random ranking of the words. Normalised AOPC "
            "is 0 for a random ranking and 1 for the best ranking found: exact on texts of up to about 9 words; "
            "longer, the best of the compared methods' rankings, occlusion's and a greedy search (a reference, not "
            "a bound; the downloaded CSV says which was used).\n\n" + "\n".join(f"- {line}" for line in lines))


def render(page: Page) -> None:
    with gr.Row():
        text_box = gr.Textbox(label="Text", lines=3, value=EXAMPLES["classify"][0][0], max_length=100_000)
        with gr.Column():
            model = page.models.dropdown((TASK,))
            target = gr.Dropdown([("predicted class", "")], value="", label="Explain class", allow_custom_value=True)
    method, params, seed = method_row()
    options = {p.name: control(p) for p in Classification.OPTIONS}
    sort = gr.Checkbox(value=True, label=f"Sort words by the size of their contribution (top {TOP_WORDS})")
    run = gr.Button("Explain", variant="primary")
    gr.Examples(EXAMPLES["classify"], [text_box], label="Examples")
    label = gr.Label(label="Prediction", num_top_classes=TOP_K)
    bars = gr.Plot(label="Word contributions")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    files = downloads("Download: JSON, words CSV, tokens CSV")
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
        card_files = downloads("Download the scorecard: JSON, CSV", height=130)
        compared_shown = gr.State(None)  # the explanations compared, for redrawing in the other order
    inputs_kwargs = {**params, **options}
    outputs = [label, bars, heat, notes, files, shown]
    compare_outputs = [compared, table, curves, agreement, card_files, compared_shown]
    run.click(classify, [text_box, model, method, target, seed, sort], outputs, inputs_kwargs=inputs_kwargs,
              api_name="classify")
    compare_button.click(compare_methods, [text_box, model, target, seed, which, sort], compare_outputs,
                         inputs_kwargs=inputs_kwargs, api_name="compare_methods")
    sort.change(redraw_bars, [shown, sort], bars, api_name=False, queue=False, show_progress="hidden")
    sort.change(redraw_comparison, [compared_shown, sort], compared, api_name=False, queue=False,
                show_progress="hidden")
    model.change(class_labels, model, target, api_name="class_labels")
    page.demo.load(class_labels, model, target, api_name=False, queue=False)
    clear_on_change([text_box, model, method, target, seed, *inputs_kwargs.values()], outputs)
    clear_on_change([text_box, model, target, seed, which, *inputs_kwargs.values()], compare_outputs)
