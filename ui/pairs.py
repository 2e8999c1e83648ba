"""The Embeddings tab's "Why are they similar?" section: which word of Text A matches which word of Text B
(``explain.explain_pair``), as a word × word heatmap with each side's totals, the strongest matches, the
completeness line, downloads (JSON, CSV of pairs) and the HTML report."""
from __future__ import annotations

import gradio as gr

from explain.charts.pairs import method_label, pair_heatmap, strongest_lines
from explain.io.export import write_pair_files
from explain.pairs import GRANULARITIES, PAIR_METHODS, explain_pair
from model.tasks import Embedding

from . import gpu, report
from .handlers import handler
from .locale import say
from .models import resolve
from .progress import reporter
from .safe import markdown
from .text import bullets
from .widgets import clear_on_change, control, downloads, on_screen

TASK = Embedding.NAME
SECONDS = 300.0  # the web page's cap on one word-pair explanation (the library's default is 120 s)
DEFAULT = "integrated_jacobians"
METHOD_INFO = ("Integrated Jacobians: exact shares of the similarity's change from both texts masked (gradient). Pair "
               "occlusion: how two words count together when removed (black box).")


def params() -> dict:
    """Every pair method's parameters by name (one control each)."""
    return {p.name: p for cls in PAIR_METHODS.values() for p in cls.PARAMS}


@handler


@gpu.work
def word_pairs(text: str, pair: str, model_name: str, method: str, granularity: str, progress=gr.Progress(),
               **values):
    """Which word of Text A matches which word of Text B, and how much each pair adds to their similarity."""
    model = resolve(model_name, TASK, progress)
    cls = PAIR_METHODS.named(method)
    own = {p.name: p.parse(values[p.name]) for p in cls.PARAMS if values.get(p.name) is not None}
    e = explain_pair(model, text, pair, method, granularity=granularity, seconds=SECONDS,
                     progress=reporter(progress, method_label(method)), **own)
    lines = [say(line) for line in strongest_lines(e, quote=lambda text: f"“{markdown(text)}”")]
    return pair_heatmap(e), bullets(lines), write_pair_files(e), e.to_dict()


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
        controls = {name: control(param, name in own) for name, param in params().items()}
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
