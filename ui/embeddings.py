"""The Embeddings & similarity tab: how a set of texts relate (similarity matrix, 2-D and 3-D
projections), which words of two texts raise or lower their cosine similarity, and which word of one
matches which word of the other (``ui.pairs``)."""
from __future__ import annotations

import gradio as gr

from explain.charts import embedding as embedding_charts
from explain.charts import explanation as charts
from explain.io.export import write_files
from model.tasks import Embedding, get_task
from model.validation import MAX_LINES, text_lines

from . import compare, explaining, gpu, pairs, report, task_page
from .handlers import handler
from .locale import say
from .models import resolve
from .page import EXAMPLES, Page
from .text import bullets, explanation_notes, faithfulness
from .widgets import clear_on_change, downloads, on_screen

TASK = Embedding.NAME
SERVES = (TASK,)  # the tasks this tab explains (app.py gives a tab to any other)
TOP_WORDS = 40


@handler


@gpu.work
def embeddings(texts: str, model_name: str, projection: str, progress=gr.Progress()):
    """Similarity matrix and 2-D / 3-D projections of a list of texts (one per line)."""
    model = resolve(model_name, TASK, progress)
    lines = text_lines(texts)
    vectors = model.predict(lines)
    if projection == "umap":
        progress(None, desc="Projecting with UMAP (its first use on this server compiles it, up to a minute)…")
    return (embedding_charts.similarity_matrix(lines, vectors), embedding_charts.projection(lines, vectors, 2, projection),
            embedding_charts.projection(lines, vectors, 3, projection))


@handler


@gpu.work
def explain_similarity(text: str, pair: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
                       **values):
    """Which words of each text raise or lower their cosine similarity."""
    model = resolve(model_name, TASK, progress)
    first, first_card = explaining.scored(model, explaining.run(model, text, method, progress, seed, values,
                                                                pair=pair), progress)
    second, second_card = explaining.scored(model, explaining.run(model, pair, method, progress, seed, values,
                                                                  pair=text), progress)
    lines = [*explanation_notes(first, second, sides=("Text A", "Text B")),
             faithfulness(first_card, "Text A: "), faithfulness(second_card, "Text B: ")]
    return (say(f"cosine similarity: {first.outputs[0]:.4f}"), charts.attribution_bars(first, sort=True, top=TOP_WORDS),
            charts.attribution_bars(second, sort=True, top=TOP_WORDS), bullets(lines),
            write_files({"A": first, "B": second}, "similarity"), {"Text A": first.to_dict(), "Text B": second.to_dict()})


task = get_task(TASK)
compare_similarity = compare.comparer(TASK)  # the scorecard section's handler (Text A, beside Text B)
counterfactual_search = task_page.searcher(task)  # Text A's smallest edits that change similar / not similar
what_if = task_page.editor(task)  # Text A and an edit, each beside Text B


def render(page: Page) -> None:
    with gr.Row():
        texts = gr.Textbox(label=f"Texts, one per line (2 to {MAX_LINES})", lines=7,
                           value="\n".join(EXAMPLES["embeddings"]), max_length=200_000)
        with gr.Column():
            model = page.models.dropdown((TASK,))
            projection = gr.Radio([("PCA", "pca"), ("UMAP (5 texts or more; 6 for 3-D)", "umap")], value="pca",
                                  label="Projection")
            run = gr.Button("Compare texts", variant="primary")
    matrix = gr.Plot(label="Similarity matrix")
    with gr.Row():
        two = gr.Plot(label="2-D projection")
        three = gr.Plot(label="3-D projection")
    outputs = [matrix, two, three]
    run.click(embeddings, [texts, model, projection], outputs, api_name="embeddings")
    clear_on_change([texts, model, projection], outputs)

    gr.Markdown("### Why are two texts similar? Each side's words")
    similarity(page, model)


def _pair_box(task) -> tuple[dict, dict]:
    return {"pair": gr.Textbox(label="Text B", value=EXAMPLES["similarity"][0][1], lines=3, max_length=100_000)}, {}


def _results(task) -> task_page.Results:
    value = gr.Textbox(label="Similarity", interactive=False)
    with gr.Row():
        words_a = gr.Plot(label="Words of A")
        words_b = gr.Plot(label="Words of B")
    notes = gr.Markdown()
    files = downloads("Download (both texts, by side): JSON, words CSV, tokens CSV; for texts of several sentences a sentences "
                      "CSV, and for a long text the texts themselves (.txt)")
    report_button = report.render()
    shown = on_screen()  # both sides on screen, for their report
    return task_page.Results([value, words_a, words_b, notes, files, shown], shown, [shown], report_button)


def similarity(page: Page, model) -> None:
    """The task page with a similarity's settings: Text A beside Text B (the tab's model list), both sides
    explained, compare methods and what if on Text A."""
    inp = task_page.inputs(page, task, text_label="Text A", text_value=EXAMPLES["similarity"][0][0],
                           boxes=_pair_box, model=model, reasons=False)
    pair = inp.arguments["pair"]
    run = task_page.explain_button("Explain the similarity", EXAMPLES["similarity"], [inp.text, pair])
    results = _results(task)
    task_page.wire_explain(page, inp, run, explain_similarity, [inp.text, pair, inp.model, inp.method, inp.seed],
                           results, "explain_similarity")
    pairs.render(inp.text, pair, inp.model)
    task_page.compare_section(inp, compare_similarity, "compare_similarity")
    task_page.whatif_section(inp, counterfactual_search, [inp.text, inp.model, task_page.GENERATOR,
                                                          task_page.MAX_EDITS],
                             what_if, [inp.text, task_page.EDITED, inp.model, inp.method, inp.seed],
                             ("similarity_counterfactuals", "similarity_what_if"))
