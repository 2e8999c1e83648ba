"""Which training examples made this prediction? In the Train tab and in Classify (for a model trained
here): the training rows that supported or opposed the prediction, the estimates checked against really
retraining without the top rows, retraining without chosen rows (the prediction before and after), and
the likely mislabelled rows with a download."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np

from explain import influence, self_influence
from explain.charts import influence as charts
from explain.influence import METHODS
from explain.io.export import new_folder
from model.errors import InputError
from model.tasks import Classification
from model.train import left_out_in_turn, retrain_without

from . import gpu
from .handlers import handler
from .models import resolve
from .text import TOP_K, top_labels

TOP = 10  # supporting and opposing rows listed (each)
CHECKED = 5  # of each, checked against retraining
MISLABELLED_SHOWN = 20
COLUMNS = ["row", "text", "label", "score"]


def method_choices() -> list[tuple[str, str]]:
    """The registered influence methods, as the page names them."""
    return [(method.LABEL or name, name) for name, method in METHODS.items()]


@dataclass
class InfluenceView:
    text: gr.Textbox
    model: gr.Dropdown
    method: gr.Radio
    find: gr.Button
    table: gr.Dataframe
    bars: gr.Plot
    note: gr.Markdown
    found: gr.State
    check: gr.Button
    checked: gr.Plot
    rows: gr.Dropdown
    retrain: gr.Button
    before: gr.Label
    after: gr.Label
    retrained_note: gr.Markdown
    mislabelled: gr.Button
    ranked: gr.Dataframe
    ranked_files: gr.File


def _table(rows: list[dict]) -> dict:
    return {"headers": COLUMNS, "data": [[r["index"], r["text"], r["label"], round(r["score"], 6)] for r in rows]}


@handler
@gpu.work
def training_examples(text: str, model_name: str, method: str, progress=gr.Progress()):
    """The training rows that supported (score > 0) or opposed the predicted class, their chart, a note."""
    model = resolve(model_name, Classification.NAME, progress)
    progress(None, desc="Scoring the training rows…")
    found = influence(model, text, method=method, top=TOP)
    supporting = [r for r in found.rows if r["score"] > 0]
    note = (f"**{len(found.indices):,} training rows** scored for **{found.target}** in {found.seconds:.2f} s "
            f"({len(supporting)} of the top supporting shown first, then the opposing). {found.note}")
    choices = [(f"#{r['index']} ({r['label']}, {r['score']:+.3g})", r["index"]) for r in found.rows]
    return (_table(found.rows), charts.rows_bars(found), note, found.to_dict(),
            gr.Dropdown(choices=choices, value=[r["index"] for r in supporting[:3]], multiselect=True))


@handler
@gpu.work
def check_against_retraining(text: str, model_name: str, found: dict | None, progress=gr.Progress()):
    """The top supporting and opposing rows' estimates beside the real drop of log p after retraining without each."""
    if not found:
        raise InputError("Find the training examples first.")
    model = resolve(model_name, Classification.NAME, progress)
    rows = [r for r in found["rows"] if r["score"] > 0][:CHECKED] + [r for r in found["rows"] if r["score"] < 0][:CHECKED]
    target = list(model.labels).index(found["target"])
    before = np.log(model.predict([found["text"]])[0][target])

    def step(done: int, total: int) -> None:
        progress((done, total), desc="Retraining without each row", unit="retrainings")

    step(0, len(rows))
    after = left_out_in_turn(model, [found["text"]], [r["index"] for r in rows], on_row=step)[:, 0, target]
    actual = [float(before - np.log(p)) for p in after]
    return charts.estimate_vs_retraining(rows, actual, found["method"], found["target"])


@handler
@gpu.work
def retrain_without_rows(text: str, model_name: str, rows: list | None, progress=gr.Progress()):
    """The prediction before and after retraining without the chosen rows."""
    if not rows:
        raise InputError("Choose the rows to leave out (find the training examples first).")
    model = resolve(model_name, Classification.NAME, progress)
    progress(None, desc=f"Retraining {model.name} without {len(rows)} row{'s' if len(rows) > 1 else ''}…")
    new = retrain_without(model, rows, name=f"{model.name}-without")
    before, after = model.predict([text])[0], new.predict([text])[0]
    top = int(before.argmax())
    note = (f"Without rows {', '.join(f'#{int(r)}' for r in rows)}: p({model.labels[top]}) went from "
            f"{before[top]:.3f} to {after[top]:.3f}; the prediction is **{new.labels[int(after.argmax())]}**. "
            "(The model itself is unchanged: retraining here only shows what the rows did.)")
    return top_labels(model.labels, before, k=TOP_K), top_labels(new.labels, after, k=TOP_K), note


@handler
@gpu.work
def likely_mislabelled(model_name: str, progress=gr.Progress()):
    """The training rows the others explain worst, first; every row ranked in a CSV."""
    model = resolve(model_name, Classification.NAME, progress)
    progress(None, desc="Scoring every training row…")
    ranked = self_influence(model)
    path = Path(new_folder("mislabelled-")) / f"{model.name}-likely-mislabelled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "row", "text", "label", "self_influence"])
        for rank, row in enumerate(ranked.ranked, start=1):
            writer.writerow([rank, row["index"], row["text"], row["label"], f"{row['score']:.8g}"])
    return _table(ranked.ranked[:MISLABELLED_SHOWN]), [str(path)]


def render(page, text: gr.Textbox | None = None, model: gr.Dropdown | None = None, api: bool = True) -> InfluenceView:
    """The view; ``text`` and ``model`` are the tab's own when given (Classify), else its own boxes."""
    with gr.Accordion("Which training examples made this prediction? (models trained here)", open=text is None):
        gr.Markdown("For a model trained in the studio (it keeps its training rows): each row scored by how much "
                    "removing it and retraining would lower the probability of the prediction. *Leave-one-out* "
                    "refits the head without each row (a Newton step with the head's exact Hessian, less the row's "
                    "own curvature): its estimates have the size of real retraining; *Influence* (first-order, "
                    "Koh & Liang) ranks rows alike but understates the size on a weakly regularised head. Check any "
                    "method against really retraining without the top rows, retrain without rows you choose, or "
                    "list the likely mislabelled rows.")
        with gr.Row():
            if text is None:
                text = gr.Textbox(label="Text", value="please move money into my savings account", max_length=2_000)
            if model is None:
                model = page.models.dropdown((Classification.NAME,), label="Trained model", trained_only=True,
                                             info="train one above: it is chosen here once trained")
            method = gr.Radio(method_choices(), value="leave_one_out", label="Estimate by")
        find = gr.Button("Find the training examples", variant="primary")
        note = gr.Markdown()
        table = gr.Dataframe(headers=COLUMNS, label="Supporting rows (score > 0), then opposing", interactive=False,
                             wrap=True, datatype=["number", "str", "str", "number"], max_height=360)
        bars = gr.Plot(label="Training rows by score")
        found = gr.State(None)
        check = gr.Button(f"Check the top {CHECKED} supporting and opposing rows against retraining")
        checked = gr.Plot(label="Estimate against retraining without each row")
        with gr.Row():
            rows = gr.Dropdown([], multiselect=True, label="Rows to leave out")
            retrain = gr.Button("Retrain without these rows")
        with gr.Row():
            before, after = gr.Label(label="Prediction now", num_top_classes=3), \
                gr.Label(label="Prediction without the rows", num_top_classes=3)
        retrained_note = gr.Markdown()
        mislabelled = gr.Button("List the likely mislabelled rows")
        ranked = gr.Dataframe(headers=COLUMNS, label=f"Likely mislabelled (the {MISLABELLED_SHOWN} the other rows "
                                                     "explain worst)", interactive=False, wrap=True, max_height=360)
        ranked_files = gr.File(label="Download every training row ranked (CSV)", file_count="multiple")
    view = InfluenceView(text, model, method, find, table, bars, note, found, check, checked, rows, retrain, before,
                         after, retrained_note, mislabelled, ranked, ranked_files)
    wire(view, api)
    return view


def wire(view: InfluenceView, api: bool) -> None:
    def name(suffix: str):
        return suffix if api else False

    view.find.click(training_examples, [view.text, view.model, view.method],
                    [view.table, view.bars, view.note, view.found, view.rows], api_name=name("training_examples"))
    view.check.click(check_against_retraining, [view.text, view.model, view.found], view.checked,
                     api_name=name("check_against_retraining"))
    view.retrain.click(retrain_without_rows, [view.text, view.model, view.rows],
                       [view.before, view.after, view.retrained_note], api_name=name("retrain_without_rows"))
    view.mislabelled.click(likely_mislabelled, view.model, [view.ranked, view.ranked_files],
                           api_name=name("likely_mislabelled"))
    for component in (view.text, view.model, view.method):
        component.change(lambda: [None, None, "", None, gr.Dropdown(choices=[], value=[]), None, None, None, ""],
                         None, [view.table, view.bars, view.note, view.found, view.rows, view.checked, view.before,
                                view.after, view.retrained_note], api_name=False, queue=False, show_progress="hidden")
    view.model.change(lambda: [None, None], None, [view.ranked, view.ranked_files], api_name=False, queue=False,
                      show_progress="hidden")


__all__ = ["METHODS", "InfluenceView", "render"]
