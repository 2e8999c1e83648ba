"""The Dataset tab: explain every row of a file and see what the classifier relies on across it."""
from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr

from explain import METHODS, get_method
from explain.charts import dataset as dataset_charts
from explain.charts.style import method_label
from explain.dataset import DatasetRun, RowResult, columns_of, explain_dataset
from explain.dataset.writing import RowWriter
from model.errors import InputError
from model.tasks import Classification, Embedding
from model.validation import counted

from .explaining import method_values
from .handlers import handler, info
from .models import default, resolve
from .page import EXAMPLE_FILE, MAX_UPLOAD_BYTES, Page
from .progress import reporter
from .safe import markdown
from .widgets import Slider, clear_on_change, downloads, method_row, whole

TASK = Classification.NAME
MAX_ROWS = 2_000
SECONDS = 30 * 60.0  # a run stops (keeping what it finished) past this
COLUMNS = ["row", "text", "gold", "prediction", "correct", "confidence", "top words"]
TYPES = ["number", "str", "str", "str", "str", "number", "str"]  # "str": shown as text, never as HTML
WIDTHS = ["6%", "34%", "13%", "13%", "8%", "9%", "17%"]
NO_LABELS = "(no gold labels)"
RUNS: dict[str, DatasetRun] = {}  # the dataset run of each browser session, for its Cancel button
RUNS_LOCK = threading.Lock()


@handler
def dataset_columns(path: str | None):
    """The text and label column choices follow the chosen file's columns."""
    if not path:
        return gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS)
    columns = columns_of(path, max_bytes=MAX_UPLOAD_BYTES)
    if not columns:  # plain text: one text per line
        return (gr.Dropdown(choices=[("one text per line", "text")], value="text"),
                gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS))
    text = next((c for c in columns if c.lower() in ("text", "sentence", "utterance")), columns[0])
    label = next((c for c in columns if c.lower() in ("label", "gold", "intent", "class")), NO_LABELS)
    return gr.Dropdown(choices=columns, value=text), gr.Dropdown(choices=[NO_LABELS, *columns], value=label)


def _top_words(record: dict, k: int = 3) -> str:
    return ", ".join(f"{word} {value:+.3f}" for word, value in RowResult.from_record(record).top_words[:k])


def _rows(records: list[dict]) -> list[list]:
    return [[r["row"], r["text"] if r["text"] is not None else "", r["label"] or "",
             r["prediction"] or "" if not r["error"] else f"not explained: {r['error']}",
             "" if r["correct"] is None else "✓" if r["correct"] else "✗",
             None if r["confidence"] is None else round(r["confidence"], 4), _top_words(r) if not r["error"] else ""]
            for r in records]


@handler
def dataset(path: str | None, text_column: str | None, label_column: str | None, model_name: str, method: str,
            seed: int, limit: int, score: bool, request: gr.Request, progress=gr.Progress(), **values):
    """Explain every row of a file; the global importance, confusion matrix, misclassified rows,
    a map of the rows and the downloads. Cancel (or the time cap) keeps what finished."""
    if not path:
        raise InputError("Upload a file (CSV, JSON Lines or one text per line), or load the example file.")
    model = resolve(model_name, TASK, progress)
    label = get_method(method).LABEL or method
    limit = whole(limit, "row cap", 1, MAX_ROWS)
    gold = None if label_column in (None, "", NO_LABELS) else label_column
    progress(0, desc="Reading the file…")
    run = explain_dataset(model, path, method, text_column=text_column or "text", label_column=gold, limit=limit,
                          max_bytes=MAX_UPLOAD_BYTES, seconds=SECONDS,
                          progress=reporter(progress, f"{label}: rows explained", unit="rows"),
                          seed=whole(seed, "seed", 0, 2**32 - 1), evaluate=bool(score), **method_values(method, values))
    if run.total == 0:
        raise InputError("The file has no rows to explain.")
    folder = Path(tempfile.mkdtemp(prefix="dataset-"))
    stem = f"dataset-{method}-{time.strftime('%Y%m%d-%H%M%S')}"
    key = request.session_hash if request is not None else None
    with RUNS_LOCK:
        RUNS[key] = run
    records = []
    try:
        progress((0, run.total), desc=f"{label}: rows explained", unit="rows")
        with RowWriter(folder / f"{stem}-rows.jsonl") as writer:
            for result in run:
                writer.write(result)
                records.append(result.to_record())
    finally:
        with RUNS_LOCK:
            RUNS.pop(key, None)
    summary = run.summary
    files = [folder / f"{stem}-summary.json", folder / f"{stem}-rows.jsonl", folder / f"{stem}-global.csv"]
    files[0].write_text(json.dumps(summary.to_dict(), ensure_ascii=False), encoding="utf-8")
    summary.write_csv(files[2])
    explained = [r for r in records if not r["error"]]
    projection = None
    if len(explained) >= 3:
        progress(None, desc="Embedding the rows for the map…")
        embedder = resolve(default((Embedding.NAME,)), Embedding.NAME)
        vectors = embedder.predict([r["text"] for r in explained])
        projection = dataset_charts.rows_projection([r["text"] for r in explained], vectors,
                                                    [r["prediction"] for r in explained],
                                                    [r["correct"] for r in explained], embedder.info.name)
    wrong = [r for r in records if r["correct"] is False]
    return (summary_text(run, len(records)), {"headers": COLUMNS, "data": _rows(records)},
            dataset_charts.global_importance(summary), dataset_charts.confusion(summary),
            {"headers": COLUMNS, "data": _rows(wrong)}, projection, [str(f) for f in files])


def summary_text(run: DatasetRun, done: int) -> str:
    """What the run did, in a few safe Markdown lines: rows explained of rows read, why it stopped, errors."""
    s = run.summary
    explained = done - s.error_count
    lines = [f"**{explained:,} of {counted(done, 'row')}** explained with {method_label(run.method)} on "
             f"`{markdown(run.model.info.name)}`" + (f" · accuracy **{s.accuracy:.1%}** on {s.labelled:,} labelled "
                                                     f"{'row' if s.labelled == 1 else 'rows'}"
                                                     if s.accuracy is not None else "")]
    if run.stopped == "cancelled":
        lines.append(f"Cancelled: the {counted(done, 'row')} finished before are shown and in the downloads.")
    elif run.stopped == "time":
        lines.append(f"Stopped at the {SECONDS / 60:.0f}-minute limit: the {counted(done, 'row')} finished are shown.")
    if s.error_count:
        shown = "; ".join(markdown(str(e["error"]).rstrip(".")) for e in s.errors[:3])
        lines.append(f"{counted(s.error_count, 'row')} could not be explained ({shown}"
                     f"{' …' if s.error_count > 3 else ''}).")
    if s.clipped or s.truncated:
        lines.append(f"{counted(s.clipped + s.truncated, 'row')} {'was' if s.clipped + s.truncated == 1 else 'were'} "
                     "cut to the model's input length.")
    card = dataset_charts.scores_line(s)
    if card:
        lines.append(card)
    return "\n".join(f"- {line}" for line in lines)


@handler
def dataset_cancel(request: gr.Request):
    """Stop this session's dataset run after the rows in progress; what finished is shown."""
    with RUNS_LOCK:
        run = RUNS.get(request.session_hash if request is not None else None)
    if run is None:
        info("No dataset run is in progress.")
    else:
        run.cancel()
        info("Cancelling: the rows in progress finish, then the results so far are shown.")


def file_with_example(label: str, file_types: list[str]) -> gr.File:
    """A file box with a button that puts the bundled example file in it."""
    upload = gr.File(label=label, file_types=file_types, type="filepath", height=130)
    example = gr.Button(f"📄 Use the example file ({EXAMPLE_FILE.name}: 300 labelled intents)", size="md",
                        variant="secondary", elem_classes=["example-file"])
    example.click(lambda: str(EXAMPLE_FILE), None, upload, api_name=False, queue=False)
    return upload


def render(page: Page) -> None:
    gr.Markdown("Explain every row of a file and see what the classifier relies on across it: CSV (choose the "
                "columns), JSON Lines, or plain text with one text per line; UTF-8, up to "
                f"{MAX_UPLOAD_BYTES // 2**20} MB. Gold labels add accuracy, a confusion matrix and the misclassified "
                "rows. For bigger files use the CLI (`python -m explain --file …`), which resumes and can run on Ray.")
    with gr.Row():
        with gr.Column():
            upload = file_with_example("File", [".csv", ".jsonl", ".json", ".txt"])
        with gr.Column():
            # (any name is accepted: the choices follow the file, and the reader names a missing column)
            text_column = gr.Dropdown([], label="Text column", allow_custom_value=True)
            label_column = gr.Dropdown([NO_LABELS], value=NO_LABELS, label="Gold label column",
                                       allow_custom_value=True)
        with gr.Column():
            model = page.models.dropdown((TASK,))
            limit = Slider(1, MAX_ROWS, value=300, step=1, label="Row cap", info="rows explained from the top of the file")
            score = gr.Checkbox(label="Score each row's faithfulness (about 50 more model calls a row)")
    targeted = [m for m, cls in METHODS.items() if cls.NEEDS_TARGET]
    method, params, seed = method_row(methods=targeted)
    with gr.Row():
        run = gr.Button("Explain the file", variant="primary")
        stop = gr.Button("Cancel (keep the rows done)", variant="stop")
    summary = gr.Markdown()
    files = downloads("Download: summary (JSON), rows (JSON Lines), global importance (CSV)", height=150)
    table = gr.Dataframe(headers=COLUMNS, label="Rows (sort with a column's menu)", interactive=False, wrap=True,
                         max_height=420, datatype=TYPES, column_widths=WIDTHS)
    importance = gr.Plot(label="Global word importance (choose the class in the chart)")
    with gr.Row():
        confusion = gr.Plot(label="Confusion matrix")
        projection = gr.Plot(label="Rows embedded (colour by class or correctness)")
    wrong = gr.Dataframe(headers=COLUMNS, label="Misclassified rows", interactive=False, wrap=True, max_height=320,
                         datatype=TYPES, column_widths=WIDTHS)
    outputs = [summary, table, importance, confusion, wrong, projection, files]
    upload.change(dataset_columns, upload, [text_column, label_column], api_name="dataset_columns")
    run.click(dataset, [upload, text_column, label_column, model, method, seed, limit, score], outputs,
              inputs_kwargs=params, api_name="dataset", concurrency_limit=1)
    stop.click(dataset_cancel, None, None, api_name="dataset_cancel", queue=False)
    clear_on_change([upload, text_column, label_column, model, method, seed, limit, score, *params.values()], outputs)
