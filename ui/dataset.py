"""The Dataset tab: explain every row of a file and see what the classifier relies on across it."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import gradio as gr

from explain import METHODS, Explanation, get_method
from explain.charts import dataset as dataset_charts
from explain.charts.style import method_label
from explain.dataset import DatasetRun, RowResult, columns_of, explain_dataset
from explain.dataset.aggregate import FAITHFULNESS
from explain.dataset.writing import RowWriter
from explain.io.export import new_folder
from explain.metrics.plausibility import MEASURES, TITLES
from model.errors import InputError
from model.tasks import TASKS, Embedding
from model.validation import counted
from model.windows import READING

from . import document, gpu
from .cleanup import MAX_AGE_S
from .explaining import method_values, task_options
from .handlers import handler, info
from .models import default, resolve
from .page import EXAMPLE_FILE, MAX_UPLOAD_BYTES, RATIONALE_FILE, Page
from .progress import reporter
from .safe import markdown
from .widgets import Slider, clear_on_change, downloads, method_row, on_screen, reading_controls, whole


def tasks() -> tuple[str, ...]:
    """The tasks whose models explain a file's rows as they are: those that need nothing given once for
    every row (no candidate labels, no second text): classification and any such task registered."""
    return tuple(name for name, task in TASKS.items() if not task.REQUIRES)


MAX_ROWS = 2_000
SECONDS = 30 * 60.0  # a run stops (keeping what it finished) past this
COLUMNS = ["row", "text", "gold", "prediction", "correct", "confidence", "top words"]
TYPES = ["number", "str", "str", "str", "str", "number", "str"]  # "str": shown as text, never as HTML
WIDTHS = ["6%", "34%", "13%", "13%", "8%", "9%", "17%"]
NO_LABELS = "(no gold labels)"
NO_RATIONALES = "(no rationales)"
METHOD_HEADERS = ["method", "rows with a rationale", *(f"{TITLES[m]} ↑" for m in MEASURES), "rows scored",
                  "comprehensiveness ↑", "sufficiency ↓"]
RUNS: dict[str, DatasetRun] = {}  # the dataset run of each browser session, for its Cancel button
RUNS_LOCK = threading.Lock()


@handler
def dataset_columns(path: str | None):
    """The text, label and rationale column choices follow the chosen file's columns."""
    if not path:
        return (gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS),
                gr.Dropdown(choices=[NO_RATIONALES], value=NO_RATIONALES))
    columns = columns_of(path, max_bytes=MAX_UPLOAD_BYTES)
    if not columns:  # plain text: one text per line
        return (gr.Dropdown(choices=[("one text per line", "text")], value="text"),
                gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS),
                gr.Dropdown(choices=[NO_RATIONALES], value=NO_RATIONALES))
    text = next((c for c in columns if c.lower() in ("text", "sentence", "utterance")), columns[0])
    label = next((c for c in columns if c.lower() in ("label", "gold", "intent", "class")), NO_LABELS)
    why = next((c for c in columns if c.lower() in ("rationale", "rationales", "reason", "evidence")), NO_RATIONALES)
    return (gr.Dropdown(choices=columns, value=text), gr.Dropdown(choices=[NO_LABELS, *columns], value=label),
            gr.Dropdown(choices=[NO_RATIONALES, *columns], value=why))


def _top_words(record: dict, k: int = 3) -> str:
    return ", ".join(f"{word} {value:+.3f}" for word, value in RowResult.from_record(record).top_words[:k])


CELL_CHARS = 300  # a row's text in the table (its whole text: the downloads and the document view below)


def _cell(text: str | None) -> str:
    """A row's text as the table shows it: the start of a long one, its length said."""
    text = text or ""
    if len(text) <= CELL_CHARS:
        return text
    return f"{text[:CELL_CHARS - 1].rstrip()}… ({len(text):,} characters; the whole row is in the downloads)"


def _rows(records: list[dict]) -> list[list]:
    return [[r["row"], _cell(r["text"]), r["label"] or "",
             r["prediction"] or "" if not r["error"] else f"not explained: {r['error']}",
             "" if r["correct"] is None else "✓" if r["correct"] else "✗",
             None if r["confidence"] is None else round(r["confidence"], 4), _top_words(r) if not r["error"] else ""]
            for r in records]


@handler


@gpu.work
def dataset(path: str | None, text_column: str | None, label_column: str | None, model_name: str, method: str,
            seed: int, limit: int, score: bool, request: gr.Request, progress=gr.Progress(),
            rationale_column: str | None = None, compare: list[str] | None = None, **values):
    """Explain every row of a file; the global importance, confusion matrix, misclassified rows,
    a map of the rows and the downloads. Cancel (or the time cap) keeps what finished. With a
    rationale column (or methods to compare), the per-method table of plausibility (ERASER) and
    faithfulness, and its CSV."""
    if not path:
        raise InputError("Upload a file (CSV, JSON Lines or one text per line), or load the example file.")
    model = resolve(model_name, None, progress)
    if model.task not in tasks():
        raise InputError(f"A {model.task} model needs more than each row's text; choose a model of "
                         f"{', '.join(tasks())}.")
    label = get_method(method).LABEL or method
    limit = whole(limit, "row cap", 1, MAX_ROWS)
    gold = None if label_column in (None, "", NO_LABELS) else label_column
    why = None if rationale_column in (None, "", NO_RATIONALES) else rationale_column
    compared = [get_method(m).NAME for m in (compare or []) if get_method(m).NAME != get_method(method).NAME]
    params = {}
    for name in (method, *compared):
        params.update(method_values(name, values))
    progress(0, desc="Reading the file…")
    if compared:
        label += f" and {len(compared)} compared"
    run = explain_dataset(model, path, method, text_column=text_column or "text", label_column=gold,
                          rationale_column=why, compare=compared, limit=limit,
                          max_bytes=MAX_UPLOAD_BYTES, seconds=SECONDS,
                          progress=reporter(progress, f"{label}: rows explained", unit="rows"),
                          seed=whole(seed, "seed", 0, 2**32 - 1), evaluate=bool(score),
                          **task_options(model, values), **params)
    if run.total == 0:
        raise InputError("The file has no rows to explain.")
    folder = Path(new_folder("dataset-"))
    stem = f"dataset-{method}-{time.strftime('%Y%m%d-%H%M%S')}"
    key = request.session_hash if request is not None else None
    with RUNS_LOCK:
        RUNS[key] = run
    records = []
    explanations = folder / f"{stem}-explanations.jsonl"  # every row's whole explanation, for the document view
    try:
        progress((0, run.total), desc=f"{label}: rows explained", unit="rows")
        with RowWriter(folder / f"{stem}-rows.jsonl") as writer, RowWriter(explanations) as full:
            for result in run:
                writer.write(result)
                full.write(result, full=True)
                records.append(result.to_record())
    finally:
        with RUNS_LOCK:
            RUNS.pop(key, None)
    summary = run.summary
    files = [folder / f"{stem}-summary.json", folder / f"{stem}-rows.jsonl", folder / f"{stem}-global.csv", explanations]
    files[0].write_text(json.dumps(summary.to_dict(), ensure_ascii=False), encoding="utf-8")
    summary.write_csv(files[2])
    by_method = summary.method_table()
    if by_method:
        files.append(summary.write_method_csv(folder / f"{stem}-methods.csv"))
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
    return (summary_text(run, len(records), records), {"headers": COLUMNS, "data": _rows(records)},
            dataset_charts.global_importance(summary), dataset_charts.confusion(summary),
            {"headers": COLUMNS, "data": _rows(wrong)}, projection, [str(f) for f in files],
            {"headers": METHOD_HEADERS, "data": method_rows(by_method)}, str(explanations))


def shown_if_filled(table):
    """The per-method table only when it has rows (with a rationale column or methods compared): an empty one
    showed its headers alone."""
    import pandas as pd

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame((table or {}).get("data", []))
    filled = frame.astype(str).apply(lambda column: column.str.strip()).replace({"": pd.NA, "nan": pd.NA})
    return gr.update(visible=len(filled.dropna(how="all")) > 0)


def method_rows(table: list[dict]) -> list[list]:
    """The per-method table's cells (3 decimals; '–' where not measured)."""
    def shown(value):
        return "–" if value is None else round(value, 3) if isinstance(value, float) else value

    return [[method_label(row["method"]), row["rationale_rows"], *(shown(row[m]) for m in MEASURES),
             row["scored_rows"], *(shown(row[m]) for m in FAITHFULNESS)] for row in table]


@handler
def dataset_documents(path: str | None):
    """After a run (chained, so the API's outputs stay what they were): the rows to open as documents,
    longest first, and the first one read as windows opened."""
    records = []
    if path:
        with open(path, encoding="utf-8") as handle:
            records = [{k: v for k, v in json.loads(line).items() if k != "explanation"} for line in handle]
    choices = document_rows(records)
    first = choices[0][1] if choices and any(r.get("windows", 1) > 1 for r in records) else None
    return [gr.Dropdown(choices=choices, value=first), *row_document(path, first)]


def document_rows(records: list[dict]) -> list[tuple[str, int]]:
    """Rows to view as documents: the longest first (those read as windows), then in file order."""
    explained = [r for r in records if not r["error"]]
    explained.sort(key=lambda r: (-r.get("windows", 1), -len(r.get("sentences") or ()), r["row"]))
    out = []
    for r in explained:
        text = (r["text"] or "").replace("\n", " ")
        start = text if len(text) <= 70 else text[:69] + "…"
        windows = r.get("windows", 1)
        out.append((f"row {r['row']}{f' ({windows} windows)' if windows > 1 else ''}: {start}", int(r["row"])))
    return out


def _explanation_of(path: str | None, row) -> Explanation | None:
    """The whole explanation of one row, read back from the run's explanations file."""
    if not path or row is None:
        return None
    if not os.path.exists(path):
        raise InputError(f"This run's files were cleared (downloads are kept {MAX_AGE_S // 3600} hours): run it "
                         "again to see its rows.")
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if int(record.get("row", -1)) == int(row) and record.get("explanation"):
                return Explanation.from_dict(record["explanation"])
    return None


@handler
def row_document(path: str | None, row):
    """The document view of one row (its sentences shaded, ranked, and the words of the top one)."""
    e = _explanation_of(path, row)
    return [e.to_dict() if e is not None else None, *document.show(e, 0, force=True)]


def summary_text(run: DatasetRun, done: int, records: list[dict] = ()) -> str:
    """What the run did, in a few safe Markdown lines: rows explained of rows read, why it stopped, errors."""
    s = run.summary
    explained = done - s.error_count
    total = max(done, run.total or done)  # the rows the run was to explain (more than those done when it stopped)
    lines = [f"**{explained:,} of {counted(total, 'row')}** explained with {method_label(run.method)} on "
             f"`{markdown(run.model.info.name)}`" + (f" · accuracy **{s.accuracy:.1%}** on {s.labelled:,} labelled "
                                                     f"{'row' if s.labelled == 1 else 'rows'}"
                                                     if s.accuracy is not None else "")]
    if run.stopped == "cancelled":
        lines.append(f"Cancelled after {counted(done, 'row')} of {total:,}: those finished are shown and in the downloads.")
    elif run.stopped == "time":
        lines.append(f"Stopped at the {SECONDS / 60:.0f}-minute limit: the {counted(done, 'row')} finished are shown.")
    if s.error_count:
        shown = "; ".join(markdown(str(e["error"]).rstrip(".")) for e in s.errors[:3])
        lines.append(f"{counted(s.error_count, 'row')} could not be explained ({shown}"
                     f"{' …' if s.error_count > 3 else ''}).")
    if s.clipped or s.truncated:
        lines.append(f"{counted(s.clipped + s.truncated, 'row')} {'was' if s.clipped + s.truncated == 1 else 'were'} "
                     "cut to the model's input length.")
    windowed = sum(1 for r in records if r.get("windows", 1) > 1)
    if windowed:
        lines.append(f"{counted(windowed, 'row')} {'was' if windowed == 1 else 'were'} longer than the model reads at "
                     "once and read whole as overlapping windows (see them below, in the document view).")
    card = dataset_charts.scores_line(s)
    if card:
        lines.append(card)
    rated = max((row["rationale_rows"] for row in s.method_table()), default=0)
    if rated:
        lines.append(f"{counted(rated, 'row')} with a rationale: each method's top words are compared with the marked "
                     "words (ERASER's plausibility: token F1 and IOU-F1 take as many words as are marked; AUPRC ranks "
                     "every word), in the per-method table.")
    if s.rationale_error_count:
        first = markdown(str(s.rationale_errors[0]["error"]).rstrip("."))
        lines.append(f"{counted(s.rationale_error_count, 'rationale')} could not be read (the rows were explained, "
                     f"not scored for plausibility; {first}{' …' if s.rationale_error_count > 1 else ''}).")
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


def file_with_example(label: str, file_types: list[str], rationales: bool = False) -> gr.File:
    """A file box with a button that puts the bundled example file in it (and, with ``rationales``,
    one for the example whose reasons are marked)."""
    upload = gr.File(label=label, file_types=file_types, type="filepath", height=130)
    example = gr.Button(f"📄 Use the example file ({EXAMPLE_FILE.name}: 300 labelled intents)", size="md",
                        variant="secondary", elem_classes=["example-file"])
    example.click(lambda: str(EXAMPLE_FILE), None, upload, api_name=False, queue=False)
    if rationales:
        marked = gr.Button(f"📄 Use the example with rationales ({RATIONALE_FILE.name}: 60 intents, their reasons "
                           "marked)", size="md", variant="secondary", elem_classes=["example-file"])
        marked.click(lambda: str(RATIONALE_FILE), None, upload, api_name=False, queue=False)
    return upload


def render(page: Page) -> None:
    gr.Markdown("Explain every row of a file and see what the classifier relies on across it: CSV (choose the "
                "columns), JSON Lines, or plain text with one text per line; UTF-8, up to "
                f"{MAX_UPLOAD_BYTES // 2**20} MB. Gold labels add accuracy, a confusion matrix and the misclassified "
                "rows. A rationale column (the words a person marked as the reason: phrases separated by `|`, or a "
                "JSON list of `[start, end]` character spans) adds each method's plausibility. For bigger files use "
                "the CLI (`python -m explain --file …`), which resumes and can run on Ray.")
    with gr.Row():
        with gr.Column():
            upload = file_with_example("File", [".csv", ".jsonl", ".json", ".txt"], rationales=True)
        with gr.Column():
            # (any name is accepted: the choices follow the file, and the reader names a missing column)
            text_column = gr.Dropdown([], label="Text column", allow_custom_value=True)
            label_column = gr.Dropdown([NO_LABELS], value=NO_LABELS, label="Gold label column",
                                       allow_custom_value=True)
            rationale_column = gr.Dropdown([NO_RATIONALES], value=NO_RATIONALES, label="Rationale column",
                                           info="the words that justify each label", allow_custom_value=True)
        with gr.Column():
            model = page.models.dropdown(tasks())
            limit = Slider(1, MAX_ROWS, value=300, step=1, label="Row cap", info="rows explained from the top of the file")
            score = gr.Checkbox(label="Score each row's faithfulness (about 50 more model calls a row)")
    targeted = [m for m, cls in METHODS.items() if cls.NEEDS_TARGET]
    method, params, seed = method_row(methods=targeted)
    compare = gr.CheckboxGroup([(method_label(m), m) for m in METHODS], value=[],
                               label="Also explain the rows with (for the per-method table)",
                               info="each method ticked explains every row once more; the method above is always in "
                                    "the table")
    reading = reading_controls(READING)
    with gr.Row():
        run = gr.Button("Explain the file", variant="primary")
        stop = gr.Button("Cancel (keep the rows done)", variant="stop")
    summary = gr.Markdown()
    by_method = gr.Dataframe(headers=METHOD_HEADERS, interactive=False, wrap=True, visible=False,
                             label="Per method: plausibility against the rationales (ERASER) and faithfulness "
                                   "(↑ higher is better, ↓ lower is better; – not measured)")
    files = downloads("Download: summary (JSON), rows (JSON Lines), every row's whole explanation (JSON Lines), global "
                      "importance (CSV), and with rationales or methods compared the per-method table (CSV)")
    table = gr.Dataframe(headers=COLUMNS, label="Rows (sort with a column's menu)", interactive=False, wrap=True,
                         max_height=420, datatype=TYPES, column_widths=WIDTHS)
    importance = gr.Plot(label="Global word importance (choose the class in the chart)")
    with gr.Row():
        confusion = gr.Plot(label="Confusion matrix")
        projection = gr.Plot(label="Rows embedded (colour by class or correctness)")
    wrong = gr.Dataframe(headers=COLUMNS, label="Misclassified rows", interactive=False, wrap=True, max_height=320,
                         datatype=TYPES, column_widths=WIDTHS)
    row_choice = gr.Dropdown([], label="View a row as a document (longest first)", interactive=True)
    doc = document.render("The row by sentence, for its predicted class")
    explanations, shown = gr.State(None), on_screen()  # the run's explanations file; the row on screen
    results = [summary, table, importance, confusion, wrong, projection, files, by_method, explanations]
    upload.change(dataset_columns, upload, [text_column, label_column, rationale_column], api_name="dataset_columns")
    run.click(dataset, [upload, text_column, label_column, model, method, seed, limit, score], results,
              inputs_kwargs={**params, **reading, "rationale_column": rationale_column, "compare": compare},
              api_name="dataset", concurrency_limit=1).success(
        shown_if_filled, by_method, by_method, api_name=False, queue=False).success(
        dataset_documents, explanations, [row_choice, shown, *doc.outputs], api_name=False)
    row_choice.input(row_document, [explanations, row_choice], [shown, *doc.outputs], api_name=False)
    document.wire(doc, shown)
    stop.click(dataset_cancel, None, None, api_name="dataset_cancel", queue=False)
    inputs = [upload, text_column, label_column, rationale_column, compare, model, method, seed, limit, score,
              *params.values(), *reading.values()]
    clear_on_change(inputs, [*results, row_choice, shown])
    document.hide_on_change(inputs, doc)
