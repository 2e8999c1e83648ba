""""Download report": one self-contained HTML file of what is on screen (``explain.io.report``): the text
heatmap, the charts, the scorecard, the notes, the parameters and the JSON; it opens offline."""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import gradio as gr

from explain import Explanation, PairExplanation
from explain.io.export import new_folder, slug
from explain.io.report import write_report
from model.errors import InputError

from .handlers import handler
from .locale import language, localize_output, say
from .text import compared_output

LABEL = "📄 Download report (HTML)"
NOTHING = "There is nothing on screen to report yet: explain first."


@dataclass
class Report:
    """The button, and the unseen download button through which the report it writes is handed over."""
    button: gr.Button
    file: gr.DownloadButton
    key: str


_keys = itertools.count()


def render() -> Report:
    """The report is written when asked for (a click), not beside every result (4.9 MB each, mostly plotly.js)."""
    key = f"report-file-{next(_keys)}"
    button = gr.Button(LABEL, size="sm")
    file = gr.DownloadButton(LABEL, visible="hidden", elem_id=key)  # (in the page, unseen: the button clicks it)
    return Report(button, file, key)


def wire(report: Report, write, inputs: list) -> None:
    """A click writes the report of what is on screen (``write``: ``of_explanation`` or ``of_comparison`` of
    ``inputs``), then hands it over as a download."""
    hand_over = ("() => requestAnimationFrame(() => requestAnimationFrame(() => {"
                 f"const at = document.getElementById('{report.key}');"
                 "const link = at && (at.matches('a, button') ? at : at.querySelector('a, button'));"
                 "if (link) link.click(); }))")
    report.button.click(write, inputs, report.file, api_name=False, show_progress="minimal").success(
        None, None, None, js=hand_over, queue=False)


def _written(explanations, name: str, **kwargs) -> str:
    folder = new_folder("report-")
    lang = language()
    if lang != "en":  # (the report in the page's language: its words and its charts; the data as it is)
        kwargs.update(say=functools.partial(say, lang=lang), figure=functools.partial(localize_output, lang=lang),
                      lang=lang)
    return write_report(explanations, f"{folder}/{name}-report.html", **kwargs)


@handler
def of_explanation(explained: dict | None, target: int | str = 0):
    """The report of the explanation on screen (the label the view shows, for zero-shot); of both sides of a
    similarity, given by name (``{"Text A": ..., "Text B": ...}``)."""
    if not explained:
        raise InputError(NOTHING)
    if explained.get("kind") == "pair":
        pairs = PairExplanation.from_dict(explained)
        return _written(pairs, f"pairs-{pairs.method}-{slug(pairs.text_a)}")
    if "schema_version" not in explained:
        sides = {str(name): Explanation.from_dict(side) for name, side in explained.items()}
        first = next(iter(sides.values()))
        return _written(sides, f"{first.method}-{slug(first.text)}")
    e = Explanation.from_dict(explained)
    return _written(e, f"{e.method}-{slug(e.text)}", target=target if target is not None else 0)


@handler
def of_comparison(compared: list[dict] | None, table=None):
    """The report of the methods compared, with the scorecard table as shown."""
    if not compared:
        raise InputError(NOTHING)
    explanations = [Explanation.from_dict(e) for e in compared]
    scorecard = None
    if table is not None and hasattr(table, "columns") and len(table):
        scorecard = (list(table.columns), table.values.tolist())
    from explain.charts.style import method_label

    return _written({method_label(e.method): e for e in explanations}, f"compare-{slug(explanations[0].text)}",
                    scorecard=scorecard, target=compared_output(explanations[0]))
