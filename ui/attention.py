"""The Attention tab: every layer and head of one forward pass, read without inventing a target,
and the rollout through all layers. Changing the layer or head (dragging, typing, arrow keys)
redraws from the weights already computed."""
from __future__ import annotations

import gradio as gr

from explain.charts import explanation as charts
from explain.export import write_files
from model import TASKS

from . import explaining, gpu
from .handlers import handler
from .models import resolve
from .page import EXAMPLES, Page
from .widgets import Slider, clear_on_change, downloads, whole

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
def attention(text: str, model_name: str, layer: int, head: int, progress=gr.Progress()):
    """Every layer and head of one forward pass, read without inventing a target, and the rollout."""
    model = resolve(model_name, None, progress)
    raw = explaining.run(model, text, "attention", progress, 0, {})
    rolled = explaining.run(model, text, "rollout", progress, 0, {})
    return (*views(raw, layer, head), charts.rollout_heatmap(rolled), write_files(raw, "attention"), raw)


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
    gr.Examples(EXAMPLES["attention"], [text], label="Examples")
    gr.Markdown(f"*{charts.ATTENTION_CAVEAT}*")
    heat = gr.Plot(label="Layer / head")
    received = gr.Plot(label="Attention received per token (follows the layer and head)")
    grid = gr.Plot(label="All heads of the layer")
    rollout = gr.Plot(label="Rollout")
    files = downloads("Download: JSON, words CSV, tokens CSV")
    raw = gr.State(None)  # the weights on screen: the layer and head controls redraw from them
    outputs = [heat, grid, received, rollout, files, raw]
    model.change(attention_shape, model, [layer, head, shared], api_name="attention_shape")
    run.click(attention, [text, model, layer, head], outputs, api_name="attention")
    for slider in (layer, head):  # every way of changing them: drag, typing, arrow keys
        slider.change(follow_controls, [raw, layer, head], [heat, grid, received], api_name=False,
                      trigger_mode="always_last", show_progress="hidden")
    clear_on_change([text, model], outputs)
