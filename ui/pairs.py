"""The Embeddings tab's "Why are they similar?" section: which word of Text A matches which word of Text B
(``explain.explain_pair``), as a word × word heatmap with each side's totals, the strongest matches, the
completeness line, downloads (JSON, CSV of pairs) and the HTML report."""
from __future__ import annotations

import gradio as gr

from explain.charts.pairs import file_pairs, method_label, pair_heatmap, strongest_lines
from explain.dataset.pairs import explain_pair_file
from explain.io.export import write_pair_file_tables, write_pair_files
from explain.pairs import GRANULARITIES, PAIR_METHODS, all_pair_params, explain_pair
from model.errors import InputError
from model.tasks import Embedding

from . import gpu, report
from .handlers import handler
from .locale import say
from .models import resolve
from .page import ASSETS, MAX_UPLOAD_BYTES
from .progress import reporter
from .safe import markdown
from .text import bullets
from .widgets import Number, clear_on_change, control, downloads, on_screen, whole

TASK = Embedding.NAME
SECONDS = 300.0  # the web page's cap on one word-pair explanation (the library's default is 120 s)
DEFAULT = "integrated_jacobians"
METHOD_INFO = ("Integrated Jacobians: exact shares of the similarity's change from both texts masked (gradient). Pair "
               "occlusion: how two words count together when removed (black box).")


def method_values(method: str, values: dict) -> dict:
    """The chosen pair method's own parameters from the page's controls (every method's are sent), read as kinds."""
    return {p.name: p.parse(values[p.name]) for p in PAIR_METHODS.named(method).PARAMS if values.get(p.name) is not None}


@handler


@gpu.work
def word_pairs(text: str, pair: str, model_name: str, method: str, granularity: str, progress=gr.Progress(),
               **values):
    """Which word of Text A matches which word of Text B, and how much each pair adds to their similarity."""
    model = resolve(model_name, TASK, progress)
    own = method_values(method, values)
    e = explain_pair(model, text, pair, method, granularity=granularity, seconds=SECONDS,
                     progress=reporter(progress, method_label(method)), **own)
    lines = [say(line) for line in strongest_lines(e, quote=lambda text: f"“{markdown(text)}”")]
    return pair_heatmap(e), bullets(lines), write_pair_files(e), e.to_dict()


FILE_ROWS = 20  # rows of a file explained by default (at most MAX_FILE_ROWS)
MAX_FILE_ROWS = 1_000
ROWS_SHOWN = 200


@handler


@gpu.work
def pair_file(path, a_column: str, b_column: str, model_name: str, method: str, granularity: str, limit,
              progress=gr.Progress(), **values):
    """Every pair of texts of a file explained word pair by word pair, and the pairs of words that matter most
    across it."""
    if not path:
        raise InputError("Choose a CSV or JSON Lines file with a column for each text of a pair.")
    model = resolve(model_name, TASK, progress)
    own = method_values(method, values)
    limit = whole(limit, "rows", 1, MAX_FILE_ROWS)
    found = explain_pair_file(model, path, method, a_column=(a_column or "").strip(), b_column=(b_column or "").strip(),
                              granularity=granularity, limit=limit, seconds=SECONDS,
                              progress=reporter(progress, f"{method_label(method)} over the file", "rows"),
                              max_bytes=MAX_UPLOAD_BYTES, **own)
    if not found.explained:
        reason = found.rows[0].error if found.rows else "it has no rows"
        raise InputError(f"No pair of texts in the file could be explained; the first reason: {reason}")
    table = [[r.index + 1, r.text_a, r.text_b, "" if r.similarity is None else round(r.similarity, 4),
              f"{r.word_a} ↔ {r.word_b}" if r.word_a else "", "" if r.value is None else round(r.value, 4),
              r.error or ""] for r in found.rows[:ROWS_SHOWN]]
    said = [f"{found.explained:,} pairs of texts explained."]
    if found.failed:
        said.append(f"{found.failed:,} could not be explained: their reasons are in the table and the rows file.")
    if found.stopped:
        said.append(f"The run stopped at its {SECONDS:g}-second limit; the rows done are shown.")
    return file_pairs(found), " ".join(say(line) for line in said), table, write_pair_file_tables(found)


def follow(method: str, controls: dict):
    own = {p.name for p in PAIR_METHODS[method].PARAMS} if method in PAIR_METHODS else set()
    return [gr.update(visible=name in own) for name in controls]


def render(text: gr.Textbox, pair: gr.Textbox, model) -> None:
    """The section, reading the similarity section's two texts and the tab's model."""
    gr.Markdown("### Why are they similar? Word pairs")
    with gr.Row():
        method = gr.Radio([(cls.LABEL, name) for name, cls in PAIR_METHODS.items()], value=DEFAULT,
                          label="Pair method", info=METHOD_INFO)
        granularity = gr.Radio(list(GRANULARITIES), value="word", label="Pairs of")
    with gr.Row():
        own = {p.name for p in PAIR_METHODS[DEFAULT].PARAMS}
        controls = {name: control(param, name in own) for name, param in all_pair_params().items()}
    method.change(lambda m: follow(m, controls), method, list(controls.values()), api_name=False, queue=False)
    run = gr.Button("Why are they similar?", variant="primary")
    heatmap = gr.Plot(label="Word pairs")
    lines = gr.Markdown()
    files = downloads("Download: the word-pair explanation as JSON, and a CSV with one row per pair")
    report_button = report.render()
    shown = on_screen()
    outputs = [heatmap, lines, files, shown]
    run.click(word_pairs, [text, pair, model, method, granularity], outputs, inputs_kwargs=controls,
              api_name="explain_pairs")
    report.wire(report_button, report.of_explanation, [shown])
    clear_on_change([text, pair, model, method, granularity, *controls.values()], outputs)
    file_section(model, method, granularity, controls)


PAIRS_FILE = ASSETS / "similar_pairs.csv"


def file_section(model, method, granularity, controls: dict) -> None:
    """A file of pairs (the pair method and its settings above): the word pairs that matter most across it."""
    with gr.Accordion("A file of text pairs: the word pairs that matter most across it", open=False):
        with gr.Row():
            upload = gr.File(label="CSV or JSON Lines file, a column for each text of a pair", file_types=[".csv", ".jsonl",
                                                                                                          ".json"])
            with gr.Column():
                a_column = gr.Textbox(value="text_a", label="Column of text A", max_length=200)
                b_column = gr.Textbox(value="text_b", label="Column of text B", max_length=200)
                limit = Number(value=FILE_ROWS, precision=0, minimum=1, maximum=MAX_FILE_ROWS, label="Rows to explain")
        example = gr.Button(f"📄 Use the example file ({PAIRS_FILE.name}: 12 pairs of similar sentences)", size="md")
        example.click(lambda: str(PAIRS_FILE), None, upload, api_name=False, queue=False)
        run = gr.Button("Explain every pair", variant="primary")
        chart = gr.Plot(label="Word pairs across the file")
        said = gr.Markdown()
        table = gr.Dataframe(headers=["row", "text A", "text B", "similarity", "strongest pair", "value", "error"],
                             label="Each pair of texts", wrap=True, interactive=False,
                             column_widths=["6%", "27%", "27%", "9%", "17%", "8%", "6%"])
        files = downloads("Download: the word pairs across the file (CSV) and each row (CSV)")
        outputs = [chart, said, table, files]
        run.click(pair_file, [upload, a_column, b_column, model, method, granularity, limit], outputs,
                  inputs_kwargs=controls, api_name="explain_pair_file")
        clear_on_change([upload, a_column, b_column, model, method, granularity, limit, *controls.values()], outputs)
