"""The "compare methods + scorecard" section of a task page: several methods on the same input, words aligned,
every metric beside a random ranking, how far the methods agree, and with a reason each method's plausibility
beside its faithfulness. Any task's page has it (``render`` and ``comparer(task)``)."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from explain import METHODS, Explanation, compare, get_method
from explain.charts import explanation as charts
from explain.charts import scorecard as scorecard_charts
from explain.charts.style import method_label
from explain.io.export import write_scorecard_files
from explain.metrics import METRICS
from model.errors import InputError
from model.tasks import get_task
from model.validation import split_labels

from . import explaining, gpu, reason, report
from .handlers import handler
from .models import resolve
from .safe import markdown
from .text import compared_output
from .widgets import downloads, on_screen

TOP_WORDS = 40


@dataclass
class Compare:
    which: gr.CheckboxGroup
    button: gr.Button
    compared: gr.Plot
    table: gr.Dataframe
    curves: gr.Plot
    agreement: gr.Plot
    files: gr.File
    report: report.Report
    shown: gr.Textbox  # the explanations compared (held by the page: on_screen), for redrawing in the other order

    @property
    def outputs(self) -> list:
        return [self.compared, self.table, self.curves, self.agreement, self.files, self.shown]


def default_compare() -> list[str]:
    return [name for name, cls in METHODS.items() if cls.COMPARE_DEFAULT]


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


def render() -> Compare:
    with gr.Accordion("Compare methods on this text: the scorecard", open=False):
        which = gr.CheckboxGroup([(method_label(m), m) for m in METHODS], value=default_compare(),
                                 label="Methods to compare")
        button = gr.Button("Compare methods")
        compared = gr.Plot(label="Methods compared")
        gr.Markdown(scorecard_help())
        table = gr.Dataframe(headers=["method", "comprehensiveness ↑", "sufficiency ↓"],
                             label="Scorecard (↑ higher is better, ↓ lower is better)", interactive=False,
                             wrap=False)
        curves = gr.Plot(label="Faithfulness per bin")
        agreement = gr.Plot(label="Agreement between the methods")
        files = downloads("Download the scorecard: JSON, CSV")
        compare_report = report.render()
        shown = on_screen()
    return Compare(which, button, compared, table, curves, agreement, files, compare_report, shown)


def comparer(task_name: str):
    """The section's handler for a task's page: its arguments (labels, pair) as the task takes them."""
    @handler
    @gpu.work
    def compare_methods(text: str, model_name: str, target: str | None, seed: int, methods: list[str] | None = None,
                        sort: bool = True, progress=gr.Progress(), contrast: str | None = None,
                        reason_typed: str | None = None, reason_marked: list[str] | None = None,
                        labels: str | None = None, pair: str | None = None, **values):
        """The scorecard: several methods on the same input, words aligned (each method reads its own
        parameters), every metric beside a random ranking, how far the methods agree, and with a
        reason, each method's plausibility beside its faithfulness."""
        model = resolve(model_name, task_name, progress)
        chosen = [get_method(m).NAME for m in (default_compare() if methods is None else methods)]
        if not chosen:
            raise InputError("Tick at least one method to compare.")
        rationale = reason.spans(text or "", reason_typed, reason_marked)
        arguments = task_arguments(task_name, target=target, contrast=contrast, labels=labels, pair=pair)
        results = [explaining.run(model, text, m, progress, seed, values, **arguments) for m in chosen]
        top = compared_output(results[0])  # (what is compared where every output was explained: the top one, Zero-shot's)
        cards = []
        for e in results:  # each method's normalised scores search among the others' rankings too
            others = [o.word_attributions[:, o.target_index(top)] for o in results if o is not e and o.targets]
            cards.append(explaining.scored(model, e, progress, target=e.target_index(top) if e.targets else 0,
                                           metrics=None, references=others)[1])
        scored = [c for c in cards if c is not None]  # (a method with no output to explain has no scorecard)
        headers, rows = scorecard_charts.scorecard_table(scored)
        first = next((e for e in results if e.targets), None)
        plausible = reason.compared(results, rationale, target=first.target_index(top) if first else 0) \
            if rationale else None
        if plausible:
            extra, cells = reason.table_columns(*plausible)
            at = 3  # beside the headline faithfulness (method, comprehensiveness, sufficiency)
            headers = headers[:at] + extra + headers[at:]
            rows = [row[:at] + more + row[at:] for row, more in zip(rows, cells)]
        agreement = compare(results) if len(results) > 1 else None
        return (charts.comparison(results, top, top=TOP_WORDS, sort=bool(sort)), {"headers": headers, "data": rows},
                scorecard_charts.aopc_curves(scored) if scored else None,
                scorecard_charts.agreement_heatmap(agreement) if agreement else None,
                write_scorecard_files(scored, agreement, text, plausible=plausible), [e.to_dict() for e in results])
    return compare_methods


def task_arguments(task_name: str, *, target=None, contrast=None, labels=None, pair=None) -> dict:
    """A page's boxes as ``explain``'s arguments: only those the task takes; empty boxes left out."""
    takes = get_task(task_name).TAKES
    arguments = {"target": target.strip() if isinstance(target, str) else target,
                 "contrast": contrast.strip() if isinstance(contrast, str) else contrast,
                 "labels": split_labels(labels) if isinstance(labels, str) and labels.strip() else None,
                 "pair": pair if isinstance(pair, str) and pair.strip() else None}
    return {name: value for name, value in arguments.items() if name in takes and value not in (None, "")}


@handler
def redraw_comparison(compared: list[dict] | None, sort: bool):
    """The methods compared, in the other order: nothing is recomputed."""
    if not compared:
        return None
    explanations = [Explanation.from_dict(e) for e in compared]
    return charts.comparison(explanations, compared_output(explanations[0]), top=TOP_WORDS, sort=bool(sort))


def wire(section: Compare, handler_fn, inputs: list, explain_kwargs: dict, sort, clear_inputs: list,
         api_name: str | bool) -> None:
    """The section's events: compare (``inputs``: text, model, target, seed; the methods ticked and the sort
    order follow), redraw in the other order, the report of what is compared, emptied when an input changes."""
    from .widgets import clear_on_change

    section.button.click(handler_fn, [*inputs, section.which, sort], section.outputs, inputs_kwargs=explain_kwargs,
                         api_name=api_name)
    report.wire(section.report, report.of_comparison, [section.shown, section.table])
    if not isinstance(sort, gr.State):  # (a page with no sort box: always sorted)
        sort.change(redraw_comparison, [section.shown, sort], section.compared, api_name=False, queue=False,
                    show_progress="hidden")
    clear_on_change([*clear_inputs, section.which], section.outputs)
