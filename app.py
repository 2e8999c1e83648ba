"""Gradio app: wiring only (inputs -> model/ and explain/ -> charts); no maths here."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import gradio as gr

from explain import METHODS, explain, plots
from explain.export import write_files
from model import REGISTRY, list_models, load_model
from model.validation import MAX_LABELS, split_labels

ASSETS = Path(__file__).resolve().parent / "assets"
EXAMPLES = json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
TOP_K = 5
MAX_EMBED_TEXTS = 50
SECONDS_PER_EXPLANATION = 60.0  # each explanation stops with a clear message past this
HUB_ONLINE = os.environ.get("HF_HUB_OFFLINE", "").strip() in ("", "0")

try:  # On a Hugging Face ZeroGPU Space, run the model-bound handlers on the GPU; elsewhere a no-op.
    import spaces

    gpu = spaces.GPU
except ImportError:
    def gpu(fn):
        return fn

METHOD_TEXT = "\n".join(f"- **{cls.NAME}** — {cls.DESCRIPTION}" for cls in METHODS.values())
INTRO = f"""# Transformer explainability studio
Run real pretrained Transformers and see **why** they answered: every chart is interactive (hover for
exact values) and every result downloads as JSON and CSV. The bundled models run fully offline.

{METHOD_TEXT}
"""


def _choices(task: str) -> list[tuple[str, str]]:
    """Bundled models first; hub models only mentioned as such."""
    return [(spec.name if spec.bundled else f"{spec.name} (Hugging Face Hub)", spec.name)
            for spec in list_models(task) if spec.bundled or HUB_ONLINE]


def _model(name: str, task: str | None = None):
    """Only registry names reach load_model from the UI: no user string becomes a hub id or path.

    ``task`` None accepts a model of any task (the Attention tab lists all of them)."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise gr.Error("Choose one of the listed models.")
    try:
        return load_model(name, task=task)
    except ValueError as err:
        raise gr.Error(str(err)) from None


def _explain(model, text, method, progress, **kwargs):
    def report(done: int, planned: int) -> None:
        progress(min(done / max(planned, 1), 1.0), desc=f"{done} model evaluations")

    try:
        return explain(model, text, method, progress=report, seconds=SECONDS_PER_EXPLANATION, **kwargs)
    except ValueError as err:
        raise gr.Error(str(err)) from None


def _int(value, what: str) -> int:
    """Numbers from the UI or the API: a missing or non-numeric value is one clear sentence."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"The {what} must be a whole number.") from None


def _budget(max_evals, num_samples, seed) -> dict[str, int]:
    """The budget controls every explaining tab shares, as explain() keyword arguments."""
    return {"max_evals": _int(max_evals, "SHAP max evaluations"),
            "num_samples": _int(num_samples, "LIME sample count"), "seed": _int(seed, "seed")}


def _label(labels, scores, k=TOP_K) -> dict[str, float]:
    order = sorted(range(len(labels)), key=lambda i: -float(scores[i]))[:k]
    return {labels[i]: float(scores[i]) for i in order}


# ----------------------------------------------------------------------------- handlers
@gpu
def classify(text: str, model_name: str, method: str, target: str | None, max_evals: int, num_samples: int,
             seed: int, sort: bool = True, progress=gr.Progress()):
    """Predict, explain one class, draw bars and a text heatmap, write the downloads."""
    model = _model(model_name, "classification")
    e = _explain(model, text, method, progress, target=target or None, **_budget(max_evals, num_samples, seed))
    files = list(write_files(e))
    return (_label(e.labels, e.probabilities), plots.attribution_bars(e, sort=bool(sort), top=40),
            plots.text_heatmap(e), files)


@gpu
def compare_methods(text: str, model_name: str, target: str | None, max_evals: int, num_samples: int, seed: int,
                    progress=gr.Progress()):
    """SHAP, LIME and attention rollout on the same input, words aligned."""
    model = _model(model_name, "classification")
    budget = _budget(max_evals, num_samples, seed)
    results = [_explain(model, text, m, progress, target=target or None, **budget) for m in ("shap", "lime", "rollout")]
    return plots.comparison(results)


def _target_choices(model_name: str) -> list[tuple[str, str]]:
    model = _model(model_name, "classification")
    return [("predicted class", "")] + [(label, label) for label in sorted(model.labels)]


def class_labels(model_name: str):
    """The target dropdown follows the chosen classifier's labels."""
    return gr.Dropdown(choices=_target_choices(model_name), value="")


@gpu
def zero_shot(text: str, labels: str, template: str, multi_label: bool, model_name: str, method: str,
              max_evals: int, num_samples: int, seed: int, progress=gr.Progress()):
    """Score candidate labels and explain every one of them."""
    model = _model(model_name, "zero-shot")
    try:
        candidates = split_labels(labels)
    except ValueError as err:
        raise gr.Error(str(err)) from None
    e = _explain(model, text, method, progress, labels=candidates, hypothesis_template=template or None,
                 multi_label=bool(multi_label), **_budget(max_evals, num_samples, seed))
    best = int(e.probabilities.argmax())
    return (_label(e.labels, e.probabilities, k=MAX_LABELS), plots.label_scores(list(e.labels), e.probabilities),
            plots.target_small_multiples(e), plots.text_heatmap(e, best), list(write_files(e)))


@gpu
def embeddings(texts: str, model_name: str, projection: str):
    """Similarity matrix and 2-D / 3-D projections of a list of texts (one per line)."""
    model = _model(model_name, "embedding")
    if len(texts or "") > 200_000:
        raise gr.Error(f"The texts have {len(texts):,} characters together; the limit is 200,000.")
    lines = [line.strip() for line in (texts or "").splitlines() if line.strip()]
    if len(lines) < 2:
        raise gr.Error("Give at least two texts, one per line.")
    if len(lines) > MAX_EMBED_TEXTS:
        raise gr.Error(f"{len(lines)} texts were given; the limit is {MAX_EMBED_TEXTS}.")
    try:
        vectors = model.predict(lines)
        return (plots.similarity_matrix(lines, vectors), plots.projection(lines, vectors, 2, projection),
                plots.projection(lines, vectors, 3, projection))
    except ValueError as err:
        raise gr.Error(str(err)) from None


@gpu
def explain_similarity(text: str, pair: str, model_name: str, method: str, max_evals: int, num_samples: int,
                       seed: int, progress=gr.Progress()):
    """Which words of each text raise or lower their cosine similarity."""
    model = _model(model_name, "embedding")
    kwargs = _budget(max_evals, num_samples, seed)
    first = _explain(model, text, method, progress, pair=pair, **kwargs)
    second = _explain(model, pair, method, progress, pair=text, **kwargs)
    return (f"cosine similarity: {first.outputs[0]:.4f}", plots.attribution_bars(first), plots.attribution_bars(second),
            list(write_files(first)))


@gpu
def attention(text: str, model_name: str, layer: int, head: int, progress=gr.Progress()):
    """One layer/head heatmap, all heads of the layer, the rollout matrix and per-token scores."""
    model = _model(model_name)
    kwargs = {"labels": ["this"]} if model.task == "zero-shot" else {"pair": text} if model.task == "embedding" else {}
    raw = _explain(model, text, "attention", progress, **kwargs)
    rolled = _explain(model, text, "rollout", progress, **kwargs)
    layers, heads = raw.attention.shape[:2]
    layer_index = min(max(_int(layer, "layer"), 1), layers) - 1
    head_number = _int(head, "head")
    head_index = None if head_number <= 0 else min(head_number, heads) - 1
    return (plots.attention_heatmap(raw, layer_index, head_index), plots.attention_head_grid(raw, layer_index),
            plots.rollout_heatmap(rolled), plots.attribution_bars(raw, level="token"), list(write_files(raw)))


def attention_shape(model_name: str):
    """Layer and head sliders follow the chosen model's depth and width."""
    config = _model(model_name).transformer.config
    layers, heads = int(config.num_hidden_layers), int(config.num_attention_heads)
    return gr.Slider(1, layers, value=layers, step=1), gr.Slider(0, heads, value=0, step=1)


# ----------------------------------------------------------------------------- layout
def _budget_controls():
    with gr.Row():
        max_evals = gr.Slider(50, 5000, value=500, step=50, label="SHAP max evaluations")
        num_samples = gr.Slider(100, 5000, value=1000, step=100, label="LIME samples")
        seed = gr.Number(value=0, precision=0, minimum=0, label="Seed")
    return max_evals, num_samples, seed


def build() -> gr.Blocks:
    methods = list(METHODS)
    with gr.Blocks(title="Transformer explainability studio", analytics_enabled=False) as demo:
        gr.Markdown(INTRO)
        if not HUB_ONLINE:
            gr.Markdown("*The Hugging Face Hub is not reachable from this server: only the bundled models are offered.*")
        with gr.Tab("Classify"):
            with gr.Row():
                c_text = gr.Textbox(label="Text", lines=3, value=EXAMPLES["classify"][0][0], max_length=100_000)
                with gr.Column():
                    c_model = gr.Dropdown(_choices("classification"), value="intent-minilm", label="Model")
                    c_method = gr.Radio(methods, value="shap", label="Method")
                    c_target = gr.Dropdown(_target_choices("intent-minilm"), value="", label="Explain class",
                                           allow_custom_value=True)
            c_max, c_samples, c_seed = _budget_controls()
            c_sort = gr.Checkbox(value=True, label="Sort words by the size of their contribution")
            with gr.Row():
                c_run = gr.Button("Explain", variant="primary")
                c_cmp = gr.Button("Compare SHAP, LIME and rollout")
            gr.Examples(EXAMPLES["classify"], [c_text], label="Examples")
            c_label = gr.Label(label="Prediction", num_top_classes=TOP_K)
            c_bars = gr.Plot(label="Word contributions")
            c_heat = gr.Plot(label="Text heatmap")
            c_files = gr.File(label="Download (JSON, CSV)", file_count="multiple")
            c_compare = gr.Plot(label="Methods compared")
            c_run.click(classify, [c_text, c_model, c_method, c_target, c_max, c_samples, c_seed, c_sort],
                        [c_label, c_bars, c_heat, c_files], api_name="classify")
            c_cmp.click(compare_methods, [c_text, c_model, c_target, c_max, c_samples, c_seed], c_compare,
                        api_name="compare_methods")
            c_model.change(class_labels, c_model, c_target, api_name="class_labels")

        with gr.Tab("Zero-shot"):
            with gr.Row():
                z_text = gr.Textbox(label="Text", lines=3, value=EXAMPLES["zero_shot"][0][0], max_length=100_000)
                with gr.Column():
                    z_labels = gr.Textbox(label=f"Candidate labels (comma-separated, at most {MAX_LABELS})",
                                          value=EXAMPLES["zero_shot"][0][1], max_length=5_000)
                    z_template = gr.Textbox(label="Hypothesis template (leave empty for the model's default)",
                                            max_length=300,
                                            placeholder="This text is about {}.")
                    z_multi = gr.Checkbox(label="Several labels can be true (multi-label)")
            with gr.Row():
                z_model = gr.Dropdown(_choices("zero-shot"), value="minilm-zeroshot", label="Model")
                z_method = gr.Radio(methods, value="shap", label="Method")
            z_max, z_samples, z_seed = _budget_controls()
            z_run = gr.Button("Classify and explain", variant="primary")
            gr.Examples(EXAMPLES["zero_shot"], [z_text, z_labels], label="Examples")
            z_label = gr.Label(label="Label scores")
            z_scores = gr.Plot(label="Label scores")
            z_multiples = gr.Plot(label="Contributions per label")
            z_heat = gr.Plot(label="Text heatmap (top label)")
            z_files = gr.File(label="Download (JSON, CSV)", file_count="multiple")
            z_run.click(zero_shot, [z_text, z_labels, z_template, z_multi, z_model, z_method, z_max, z_samples, z_seed],
                        [z_label, z_scores, z_multiples, z_heat, z_files], api_name="zero_shot")

        with gr.Tab("Embeddings & similarity"):
            with gr.Row():
                e_texts = gr.Textbox(label=f"Texts, one per line (2 to {MAX_EMBED_TEXTS})", lines=7,
                                     value="\n".join(EXAMPLES["embeddings"]), max_length=200_000)
                with gr.Column():
                    e_model = gr.Dropdown(_choices("embedding"), value="minilm-embed", label="Model")
                    e_proj = gr.Radio(["pca", "umap"], value="pca", label="Projection (UMAP if installed)")
                    e_run = gr.Button("Compare texts", variant="primary")
            e_matrix = gr.Plot(label="Similarity matrix")
            with gr.Row():
                e_2d = gr.Plot(label="2-D projection")
                e_3d = gr.Plot(label="3-D projection")
            e_run.click(embeddings, [e_texts, e_model, e_proj], [e_matrix, e_2d, e_3d], api_name="embeddings")
            gr.Markdown("### Why are two texts similar?")
            with gr.Row():
                s_text = gr.Textbox(label="Text A", value=EXAMPLES["similarity"][0][0], max_length=100_000)
                s_pair = gr.Textbox(label="Text B", value=EXAMPLES["similarity"][0][1], max_length=100_000)
            s_method = gr.Radio(methods, value="shap", label="Method")
            s_max, s_samples, s_seed = _budget_controls()
            s_run = gr.Button("Explain the similarity", variant="primary")
            gr.Examples(EXAMPLES["similarity"], [s_text, s_pair], label="Examples")
            s_value = gr.Textbox(label="Similarity", interactive=False)
            with gr.Row():
                s_a = gr.Plot(label="Words of A")
                s_b = gr.Plot(label="Words of B")
            s_files = gr.File(label="Download (JSON, CSV)", file_count="multiple")
            s_run.click(explain_similarity, [s_text, s_pair, e_model, s_method, s_max, s_samples, s_seed],
                        [s_value, s_a, s_b, s_files], api_name="explain_similarity")

        with gr.Tab("Attention"):
            with gr.Row():
                a_text = gr.Textbox(label="Text", lines=2, value=EXAMPLES["attention"][0][0], max_length=100_000)
                with gr.Column():
                    a_model = gr.Dropdown([(n, v) for t in ("classification", "zero-shot", "embedding")
                                           for n, v in _choices(t)], value="intent-minilm", label="Model")
                    a_layer = gr.Slider(1, 6, value=6, step=1, label="Layer")
                    a_head = gr.Slider(0, 12, value=0, step=1, label="Head (0 = mean of heads)")
            a_run = gr.Button("Show attention", variant="primary")
            gr.Examples(EXAMPLES["attention"], [a_text], label="Examples")
            a_heat = gr.Plot(label="Layer / head")
            a_grid = gr.Plot(label="All heads of the layer")
            a_roll = gr.Plot(label="Rollout")
            a_scores = gr.Plot(label="Attention received per token")
            a_files = gr.File(label="Download (JSON, CSV)", file_count="multiple")
            a_model.change(attention_shape, a_model, [a_layer, a_head], api_name="attention_shape")
            a_run.click(attention, [a_text, a_model, a_layer, a_head], [a_heat, a_grid, a_roll, a_scores, a_files],
                        api_name="attention")
    demo.queue(default_concurrency_limit=2, max_size=32)
    return demo


def warm_up() -> None:
    """Load the bundled models and run each method once, so the first user waits for nothing."""
    for name, kwargs in (("intent-minilm", {}), ("minilm-zeroshot", {"labels": ["a", "b"]}),
                         ("minilm-embed", {"pair": "warm up"})):
        model = load_model(name)
        for method in METHODS:
            explain(model, "warm up the model", method, max_evals=20, num_samples=20, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Transformer explainability studio.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--no-warm-up", action="store_true", help="skip loading the models before serving")
    args = parser.parse_args()
    if not args.no_warm_up:
        warm_up()
    build().launch(server_name=args.host, server_port=args.port, allowed_paths=[str(ASSETS)], show_error=False)


if __name__ == "__main__":
    main()
