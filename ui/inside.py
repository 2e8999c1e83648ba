"""The Inside the Transformer tab: self-attention recomputed step by step from the chosen model's
own weights and checked against the model, position encodings, the layer flow and a layer lens.
Changing the layer or head (any way) recomputes for the new one and keeps the chosen query token."""
from __future__ import annotations

import gradio as gr

from explain.charts import inside as inside_charts
from explain.io.export import write_inside
from model import REGISTRY, TASKS, internals
from model.errors import InputError
from model.tasks import get_task
from model.tasks.base import ARGUMENT_WORDS, ARGUMENTS
from model.validation import split_labels

from . import gpu
from .handlers import handler
from .models import resolve
from .page import EXAMPLES, Page
from .widgets import Slider, clear_on_change, whole

POSITIONS = 64  # positions drawn in the position-encoding charts
MAX_CHARS = 2_000
EXAMPLE_ARGUMENTS = {"labels": EXAMPLES["zero_shot"][0][1], "pair": EXAMPLES["similarity"][0][1]}
NO_LENS_INPUT = "Not used by this model's task"


def lens_input(task) -> tuple[str, str]:
    """The lens box's label and example for a task: the argument it requires (labels, a second text), in
    its own words, or a note that nothing is needed (the task's ``WORDS``)."""
    needed = [name for name in task.REQUIRES if name in ("labels", "pair")]
    if not needed:
        return f"Not used by a {task.NAME} model (its lens reads {task.WORDS.lens})", ""
    name = needed[0]
    words = task.WORDS.arguments.get(name) or ARGUMENT_WORDS.get(name, name)
    return f"{words}, for the layer lens ({task.WORDS.lens} after each layer)", EXAMPLE_ARGUMENTS.get(name, "")


def _lens_arguments(model, extra: str) -> dict:
    """The layer lens's task arguments (candidate labels, a second text), from the box."""
    task = get_task(model.task)
    extra = (extra or "").strip()
    out = {}
    for name in task.REQUIRES:
        if not extra:
            raise InputError(f"A {task.NAME} model's layer lens needs {ARGUMENTS.get(name, name)}: give "
                             f"{'them, comma-separated' if name == 'labels' else 'it'}.")
        out[name] = split_labels(extra) if name == "labels" else extra
    return out


def _layer_head(model, layer, head) -> tuple[int, int]:
    """1-based slider values to the library's 0-based layer and head, within the model's size."""
    layers, heads = model.attention_shape
    return (min(max(whole(layer, "layer", -10**6, 10**6), 1), layers) - 1,
            min(max(whole(head, "head", -10**6, 10**6), 1), heads) - 1)


def _proof(steps, summed, flow, head_index: int, tokenized, model, parts) -> str:
    lines = [f"**This is the model's own computation**: P equals the model's attention probabilities to "
             f"{steps.p_difference:.1e} and A equals head {head_index + 1}'s slice of its attention output to "
             f"{steps.a_difference:.1e} (largest absolute differences, within what float32 rounding in the model "
             f"allows: {steps.p_bound:.1e} and {steps.a_bound:.1e}); {summed.steps} equals the model's embedding "
             f"output to {summed.difference:.1e}.",
             f"Positions: {parts.position_description}."
             + (" " + "; ".join(steps.notes) + "." if steps.notes else "")
             + (" ALBERT: every layer runs the same shared weights." if parts.shared else ""),
             f"`last_hidden_state` has shape `{flow.last_hidden_state_shape}` (batch, tokens, hidden) for this "
             "text; the layer lens's last point is the model's prediction."]
    if tokenized.truncated:
        lines.append(f"The text is longer than this model reads: it reads the first {model.max_length} tokens "
                     "(special tokens included), and every chart here shows those.")
    return "\n".join(f"- {line}" for line in lines)


def compute(text: str, model_name: str, layer, head, extra: str, query=None, progress=None) -> tuple:
    """Every output of the tab; ``query``: the query token to keep (None: the first after [CLS])."""
    model = resolve(model_name, None, progress)
    if isinstance(text, str) and len(text) > MAX_CHARS:
        raise InputError(f"The text has {len(text):,} characters; this tab reads at most {MAX_CHARS:,}.")
    layer_index, head_index = _layer_head(model, layer, head)
    steps = internals.attention_steps(model, text, layer_index, head_index)
    flow = internals.layer_flow(model, text)
    lens = internals.layer_lens(model, text, **_lens_arguments(model, extra))
    parts = internals.anatomy(model)
    encoding = internals.sinusoidal_encoding(POSITIONS, parts.hidden)
    summed = internals.embedding_sum(model, text)
    positions = inside_charts.positions(internals.position_view(model, POSITIONS), POSITIONS)
    chosen = query if isinstance(query, int) and 0 <= query < len(steps.tokens) else (1 if len(steps.tokens) > 1 else 0)
    path = write_inside(model.name, text, steps, encoding, summed, flow, lens)
    read = model.tokenize(text, long_text="truncate")  # one forward: what the model reads at once
    return (_proof(steps, summed, flow, head_index, read, model, parts), inside_charts.layer_input(steps),
            inside_charts.queries_keys_values(steps), inside_charts.scores_and_weights(steps),
            inside_charts.head_output(steps),
            gr.Dropdown(choices=[(f"{i}: {t}", i) for i, t in enumerate(steps.tokens)], value=chosen),
            inside_charts.query_key(steps, chosen), inside_charts.sinusoidal(encoding), positions,
            inside_charts.flow(flow), inside_charts.token_similarity(flow, layer_index + 1), inside_charts.lens(lens),
            path)


@handler


@gpu.work
def inside(text: str, model_name: str, layer: int, head: int, extra: str, progress=gr.Progress()):
    """Self-attention step by step, position encodings, the layer flow and the layer lens of one text."""
    return compute(text, model_name, layer, head, extra, progress=progress)


@handler


@gpu.work
def follow_controls(text: str, model_name: str, layer: int, head: int, extra: str, query, shown: bool):
    """Layer or head changed: recompute for them, keeping the chosen query token (nothing if no result is shown)."""
    if not shown:
        return [gr.skip()] * 13
    return compute(text, model_name, layer, head, extra, query=query if isinstance(query, int) else None)


@handler


@gpu.work
def inside_query(text: str, model_name: str, layer: int, head: int, query: int):
    """The query/key view for another query token (the dropdown lists the text's tokens)."""
    model = resolve(model_name)
    layer_index, head_index = _layer_head(model, layer, head)
    steps = internals.attention_steps(model, text, layer_index, head_index)
    position = whole(query, "query token", -10**9, 10**9)
    if not 0 <= position < len(steps.tokens):
        raise InputError(f"The query token must be one of the text's {len(steps.tokens)} tokens (0 to "
                         f"{len(steps.tokens) - 1}); press Show to list them.")
    return inside_charts.query_key(steps, position)


@handler
def inside_shape(model_name: str):
    """Layer and head sliders follow the chosen model; the lens box says what it needs."""
    model = resolve(model_name)
    internals.anatomy(model)  # (an architecture the tab does not cover is one sentence here)
    layers, heads = model.attention_shape
    hint, value = lens_input(get_task(model.task))
    return (gr.Slider(1, layers, value=min(2, layers), step=1), gr.Slider(1, heads, value=1, step=1),
            gr.Textbox(label=hint, value=value))


def render(page: Page) -> None:
    gr.Markdown("How the encoder computes, recomputed from the chosen model's own weights and checked against what "
                "the model itself computed: self-attention step by step (with what each architecture adds to the "
                "scores), the positions it uses, the feed-forward layers and a layer lens. "
                f"{internals.COVERED}; texts up to {MAX_CHARS:,} characters (the model reads at most its maximum "
                "number of tokens, and the page says when it cuts).")
    with gr.Row():
        text = gr.Textbox(label="Text", lines=2, value="The bank raised interest rates again.", max_length=MAX_CHARS)
        with gr.Column():
            model = page.models.dropdown(tuple(TASKS))
            hint, example = lens_input(get_task(REGISTRY[model.value].task)) if model.value in REGISTRY \
                else (NO_LENS_INPUT, "")
            extra = gr.Textbox(label=hint, value=example, max_length=5_000)
        with gr.Column():
            layer = Slider(1, 6, value=2, step=1, label="Layer")
            head = Slider(1, 12, value=1, step=1, label="Head")
    run = gr.Button("Show the computation", variant="primary")
    proof = gr.Markdown()
    gr.Markdown("### Self-attention, step by step\nOne head of one layer: the layer input X is projected to queries, "
                "keys and values; each query's scores against every key are scaled by √d_k and turned into weights "
                "by a softmax; the head's output mixes the values with those weights.")
    x = gr.Plot(label="X: the layer input (tokens × hidden)")
    qkv = gr.Plot(label="Q, K, V (tokens × d_k)")
    scores = gr.Plot(label="S = QKᵀ/√d_k and P = softmax(S) (tokens × tokens)")
    output = gr.Plot(label="A = PV: the head's output (tokens × d_k)")
    query = gr.Dropdown([], label="Query token (for the view below)", allow_custom_value=True)
    query_key = gr.Plot(label="One query against every key: the products that make each score")
    gr.Markdown("### Positions\nSelf-attention alone does not know word order. The original Transformer added fixed "
                "sinusoids to the embeddings (first chart: their dot product depends only on the distance between "
                "positions). The second chart shows what the chosen model really uses: a learned table of absolute "
                "positions (BERT-style models, BART, GPT-2), a learned bias per bucket of relative distance (MPNet), "
                "relative-position embeddings read by extra score terms (DeBERTa), or rotary angles (with local "
                "windows in ModernBERT; in Llama, Mistral and Qwen2 under the causal mask).")
    sinusoid = gr.Plot(label="Sinusoidal position encoding (the formula)")
    learned = gr.Plot(label="The positions this model uses")
    gr.Markdown("### Feed-forward layers and hidden states")
    flow = gr.Plot(label="Per layer and token: the residual stream and what each block adds")
    similarity = gr.Plot(label="Token-to-token similarity after the chosen layer (follows the Layer slider)")
    lens = gr.Plot(label="Layer lens: the task's output read after each layer")
    file = gr.File(label="Download the matrices (JSON)", height=100)
    shown = gr.State(False)  # whether results are on screen (the layer and head controls then recompute)
    outputs = [proof, x, qkv, scores, output, query, query_key, sinusoid, learned, flow, similarity, lens, file]
    model.change(inside_shape, model, [layer, head, extra], api_name="inside_shape")
    run.click(inside, [text, model, layer, head, extra], outputs, api_name="inside").success(
        lambda: True, None, shown, api_name=False, queue=False)
    for slider in (layer, head):  # every way of changing them: drag, typing, arrow keys
        slider.change(follow_controls, [text, model, layer, head, extra, query, shown], outputs, api_name=False,
                      trigger_mode="always_last")
    query.input(inside_query, [text, model, layer, head, query], query_key, api_name="inside_query")
    clear_on_change([text, model, extra], [*outputs, shown])
