"""The Attention tab: every layer and head of one forward pass, read without inventing a target,
and the rollout through all layers. Changing the layer or head (dragging, typing, arrow keys)
redraws from the weights already computed. A text longer than the model reads at once is read as
windows, each in its own forward pass: the tab shows the window the user picks (the first to begin
with), and says where it is in the text."""
from __future__ import annotations

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import without_weights, write_attention_weights, write_files
from model import TASKS
from model.errors import InputError

from . import explaining, gpu
from .handlers import handler
from .locale import say
from .models import resolve
from .page import EXAMPLES, Page
from .widgets import AT_ONCE, Slider, clear_on_change, downloads, whole

SHARED_ENCODER = ("The three bundled models share one encoder (all-MiniLM-L6-v2), so their attention is the same; "
                  "they differ only in what reads the encoder's output.")
BUNDLED_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"


def views(raw, layer, head) -> tuple:
    """The charts that follow the Layer and Head controls (1-based; head 0 = the mean of heads)."""
    layers, heads = raw.attention.shape[:2]
    layer_index = min(max(whole(layer, "layer", -10**6, 10**6), 1), layers) - 1
    head_number = whole(head, "head", -10**6, 10**6)
    head_index = None if head_number <= 0 else min(head_number, heads) - 1
    return (charts.attention_heatmap(raw, layer_index, head_index), charts.attention_head_grid(raw, layer_index),
            charts.attention_received_bars(raw, layer_index, head_index))


@handler


@gpu.work
def attention(text: str, model_name: str, layer: int, head: int, progress=gr.Progress(), window=None):
    """Every layer and head of one forward pass, read without inventing a target, and the rollout; for a
    text read as several windows, those of ``window`` (from 0; the first by default)."""
    model = resolve(model_name, None, progress)
    chosen = _window(window, explaining.windows_read(model, text, {}))
    raw = explaining.run(model, text, "attention", progress, 0, {}, text_window=chosen)
    rolled = explaining.run(model, text, "rollout", progress, 0, {}, text_window=chosen)
    # (the downloads: the rollout and what each token receives; every layer and head only when asked, ``weights``)
    return (*views(raw, layer, head), charts.rollout_heatmap(rolled), write_files(without_weights(raw), "attention"),
            raw)


@handler
def weights(raw):
    """Every layer and head of the weights on screen, written now (``explain.io.export.write_attention_weights``)."""
    if raw is None:
        raise InputError("Show the attention of a text first.")
    return gr.File(value=write_attention_weights(raw), visible=True)


async def _no_weights():
    return gr.Button(visible=False), gr.File(value=None, visible=False)


def weights_note(raw) -> str:
    """How big every layer and head of the weights on screen is, for the button that writes them."""
    if raw is None or raw.attention is None:
        return ""
    layers, heads, n, _ = raw.attention.shape
    return say(f"Every layer and head: {layers} × {heads} × {n} × {n} weights, {raw.attention.size * 4 / 1e6:.1f} MB "
               "as a NumPy file (numpy.load gives attention and tokens).")


def _window(value, count: int) -> int | None:
    """The window to show: None for a text read at once; else the chosen one (the first when none is chosen), or one
    sentence for a window the text does not have."""
    if count <= 1:
        return None
    if value is None or value == "":
        return 0
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise InputError(f"The window must be a number from 0 to {count - 1}, not {str(value)[:40]!r}.") from None
    if not 0 <= index < count:
        raise InputError(f"This text is read as {count} windows: choose one from 0 to {count - 1}, not {index}.")
    return index


@handler
def after_result(raw):
    """After a result (chained, so the API's outputs stay what they were): the windows of a long text to pick
    from, and where the one shown is (hidden for a text read at once); how big every layer and head is."""
    return (*window_choices(raw), weights_note(raw), gr.Button(visible=raw is not None and raw.attention is not None))


def window_choices(raw):
    """The windows of a long text to pick from, and where the one shown is; hidden for a text read at once."""
    where = (raw.meta.get("window") if raw is not None else None) or {}
    if where.get("count", 1) <= 1:
        return gr.Dropdown(choices=[], value=None, visible=False), ""
    text, spans = raw.text, where
    choices = [(f"window {k + 1} of {spans['count']}", k) for k in range(spans["count"])]
    start, end = where["chars"]
    note = (f"This text is longer than the model reads at once: it is read as **{where['count']} overlapping windows**, "
            f"each in its own forward pass, so each has its own attention. Shown: **window {where['index'] + 1}**, "
            f"tokens {where['tokens'][0]:,}–{where['tokens'][1] - 1:,} of the text, characters {start:,}–{end:,} "
            f"({len(text[start:end].split()):,} words).")
    return gr.Dropdown(choices=choices, value=where["index"], visible=True), note


@handler


@gpu.work
def follow_controls(raw, layer, head):
    """Layer or head changed: redraw the three views from the weights on screen (nothing if none are)."""
    if raw is None:
        return None, None, None
    return views(raw, layer, head)


@handler
def attention_shape(model_name: str):
    """Layer and head sliders follow the chosen model's depth and width."""
    model = resolve(model_name)
    layers, heads = model.attention_shape
    note = SHARED_ENCODER if model.info.source == BUNDLED_ENCODER else ""
    return gr.Slider(1, layers, value=layers, step=1), gr.Slider(0, heads, value=0, step=1), note


def render(page: Page) -> None:
    with gr.Row():
        text = gr.Textbox(label="Text", lines=2, value=EXAMPLES["attention"][0][0], max_length=100_000)
        with gr.Column():
            model = page.models.dropdown(tuple(TASKS))
            shared = gr.Markdown(SHARED_ENCODER)
            layer = Slider(1, 6, value=6, step=1, label="Layer")
            head = Slider(0, 12, value=0, step=1, label="Head (0 = mean of heads)")
    run = gr.Button("Show attention", variant="primary")
    window = gr.Dropdown([], label="Window of the text shown", visible=False, interactive=True,
                         allow_custom_value=True)  # (the API names a window by its number: checked by _window)
    where = gr.Markdown()
    gr.Examples(EXAMPLES["attention"], [text], label="Examples")
    gr.Markdown(f"*{charts.ATTENTION_CAVEAT}*")
    heat = gr.Plot(label="Layer / head")
    received = gr.Plot(label="Attention received per token (follows the layer and head)")
    grid = gr.Plot(label="All heads of the layer")
    rollout = gr.Plot(label="Rollout")
    files = downloads()
    with gr.Row():
        all_weights = gr.Button("Download every layer and head (NumPy)", size="sm", visible=False)
        size = gr.Markdown()
    weights_file = gr.File(label="Every layer and head (NumPy .npz)", visible=False)
    raw = gr.State(None)  # the weights on screen: the layer and head controls redraw from them
    outputs = [heat, grid, received, rollout, files, raw]
    after = [window, where, size, all_weights]
    model.change(attention_shape, model, [layer, head, shared], api_name="attention_shape")
    run.click(attention, [text, model, layer, head], outputs, inputs_kwargs={"window": window},
              api_name="attention").success(after_result, raw, after, api_name=False, queue=False)
    window.input(attention, [text, model, layer, head], outputs, inputs_kwargs={"window": window},
                 api_name=False).success(after_result, raw, after, api_name=False, queue=False)
    all_weights.click(weights, raw, weights_file, api_name=False)
    for slider in (layer, head):  # every way of changing them: drag, typing, arrow keys
        slider.change(follow_controls, [raw, layer, head], [heat, grid, received], api_name=False,
                      trigger_mode="always_last", show_progress="hidden")
    clear_on_change([text, model], outputs)
    clear_on_change([text, model], [where, size])
    for component in (text, model):  # (the button offers the weights on screen: none now)
        component.change(_no_weights, None, [all_weights, weights_file], **AT_ONCE)
    for component in (text, model):  # (a new text starts from its first window)
        component.change(lambda: gr.Dropdown(choices=[], value=None, visible=False), None, window, api_name=False,
                         queue=False, show_progress="hidden")
