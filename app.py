"""Gradio app: wiring only (inputs -> model/ and explain/ -> outputs), no maths here."""
from __future__ import annotations

import argparse
import os

import gradio as gr

from model import list_models, load_model

TOP_K = 5


def classify(text: str, model_name: str) -> dict[str, float]:
    """The top intents of one text, for ``gr.Label``."""
    try:
        model = load_model(model_name)
        probabilities = model.predict([text])[0]
    except ValueError as err:
        raise gr.Error(str(err)) from None
    top = probabilities.argsort()[::-1][:TOP_K]
    return {model.labels[i]: float(probabilities[i]) for i in top}


def build() -> gr.Blocks:
    classifiers = [spec.name for spec in list_models("classification", bundled_only=True)]
    with gr.Blocks(title="Transformer explainability studio") as demo:
        gr.Markdown("# Transformer explainability studio\nClassify a text with a real pretrained Transformer.")
        with gr.Row():
            text = gr.Textbox(label="Text", value="transfer $200 from checking to savings", lines=2)
            model_name = gr.Dropdown(classifiers, value=classifiers[0], label="Model")
        button = gr.Button("Classify", variant="primary")
        label = gr.Label(label="Top intents", num_top_classes=TOP_K)
        button.click(classify, [text, model_name], label, api_name="classify")
        text.submit(classify, [text, model_name], label, api_name=False)
    demo.queue(default_concurrency_limit=2, max_size=64)
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    args = parser.parse_args()
    load_model("intent-minilm")  # load before the first user arrives
    build().launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
