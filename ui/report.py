""""Download report": one self-contained HTML file of what is on screen (``explain.io.report``): the text
heatmap, the charts, the scorecard, the notes, the parameters and the JSON; it opens offline."""
from __future__ import annotations

import gradio as gr

from explain import Explanation
from explain.io.export import new_folder, slug
from explain.io.report import write_report

from .handlers import handler
from .text import compared_output

LABEL = "📄 Download report (HTML)"


def render() -> gr.DownloadButton:
    """The button, empty until there is something to report."""
    return gr.DownloadButton(LABEL, value=None, interactive=False, size="sm")


def _written(explanations, name: str, **kwargs) -> dict:
    folder = new_folder("report-")
    path = write_report(explanations, f"{folder}/{name}-report.html", **kwargs)
    return gr.update(value=path, interactive=True)  # (the label stays as the page shows it, in its language)


@handler
def of_explanation(explained: dict | None, target: int | str = 0):
    """The report of the explanation on screen (the label the view shows, for zero-shot); of both sides of a
    similarity, given by name (``{"Text A": ..., "Text B": ...}``)."""
    if not explained:
        return gr.update(value=None, interactive=False)
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
        return gr.update(value=None, interactive=False)
    explanations = [Explanation.from_dict(e) for e in compared]
    scorecard = None
    if table is not None and hasattr(table, "columns") and len(table):
        scorecard = (list(table.columns), table.values.tolist())
    from explain.charts.style import method_label

    return _written({method_label(e.method): e for e in explanations}, f"compare-{slug(explanations[0].text)}",
                    scorecard=scorecard, target=compared_output(explanations[0]))
