"""The Train a classifier tab: a classifier on the user's labelled examples (a head on a pretrained
encoder, or its top layers fine-tuned too), its curves drawn as it learns; then it is a model of
every tab of its task while the server runs, and a download."""
from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import gradio as gr

from explain.charts import training as training_charts
from explain.io.export import new_folder
from model import REGISTRY
from model import train as training
from model.errors import InputError
from model.rows import read_rows
from model.tasks import Embedding
from model.train.data import MAX_CHARS, MAX_ROWS
from model.trained import TRAINED, check_name
from model.validation import counted

from . import gpu, influence
from .dataset import dataset_columns, file_with_example
from .handlers import handler
from .page import EXAMPLE_FILE, MAX_UPLOAD_BYTES, Page
from .safe import markdown
from .widgets import SEED_MAX, Number, Slider, clear_on_change, downloads, whole

EXAMPLE_ROWS = 4  # the pasted example: this many rows of each label of the example file
DRAWS_PER_SECOND = 2  # live curves are redrawn at most this often


def example_lines(per_label: int) -> str:
    """The example file's first ``per_label`` rows of each label, as pasted 'text, label' lines."""
    taken: dict[str, int] = defaultdict(int)
    lines = []
    for row in read_rows(EXAMPLE_FILE, label_column="label"):
        if taken[row.label] < per_label:
            taken[row.label] += 1
            lines.append(f"{row.text}, {row.label}")
    return "\n".join(lines)


def examples_from(paste: str, path: str | None, text_column: str | None, label_column: str | None):
    """The labelled examples of the uploaded file (if any) or else of the pasted lines."""
    if path:
        return training.examples_from_rows(read_rows(path, text_column=text_column or "text",
                                                     label_column=label_column or "label", max_bytes=MAX_UPLOAD_BYTES))
    if not (paste or "").strip():
        raise InputError("Paste examples (one 'text, label' per line) or upload a file.")
    if len(paste) > MAX_ROWS * (MAX_CHARS + 100):
        raise InputError("The pasted examples are too long; upload a file instead.")
    texts, labels, bad = training.parse_pasted(paste)
    return training.prepare_examples(texts, labels, notes=training.left_out(bad))


def _settings(encoder, mode, l2, optimizer, balanced, holdout, folds, seed, epochs, learning_rate, batch_size,
              layers) -> training.Settings:
    if not isinstance(encoder, str) or encoder not in REGISTRY or REGISTRY[encoder].task != Embedding.NAME:
        raise InputError("Choose one of the listed encoders.")
    numbers = {"l2": l2, "holdout": holdout, "learning rate": learning_rate}
    for what, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"The {what} must be a number.")
    return training.Settings(
        encoder=encoder, mode=mode, l2=float(l2), optimizer=optimizer, class_weights=bool(balanced),
        holdout=float(holdout), folds=whole(folds, "folds", 0, 20), seed=whole(seed, "seed", 0, 2**32 - 1),
        epochs=whole(epochs, "epochs", 0, 1000), learning_rate=float(learning_rate),
        batch_size=whole(batch_size, "batch size", 1, 512), layers=whole(layers, "number of layers", 1, 48)).check()


def _finished(result, name: str, about: str, evicted: list[str]) -> str:
    """The closing status: what was trained, how well, where it now appears, what was left out. (``name``
    passed ``check_name``: letters, digits, '-' and '_' only, so it can stand in a code span as it is.)"""
    seconds, settings = result.seconds, result.settings
    lines = [f"**{markdown(name)}** is trained ({about}; {settings.mode}, {seconds.get('embedding', 0):.1f} s embedding "
             f"+ {seconds.get('head', 0):.2f} s head"
             + (f" + {seconds['finetune']:.0f} s fine-tuning" if "finetune" in seconds else "") + ").",
             f"It is now a model in every classification tab (pick *{markdown(name)} (trained here)*) while the "
             f"server runs; download it to keep it (unzip it; `load_model(\"./{name}\")` in that folder's "
             "parent loads it back)."]
    if result.report is not None:
        r = result.report
        what = f"{len(r.folds)}-fold cross-validated" if r.folds else f"held-out ({counted(r.rows, 'row')})"
        lines.append(f"Accuracy {what}: **{r.accuracy:.1%}**.")
    lines += [markdown(note[0].upper() + note[1:]) + "." for note in result.examples.notes]
    if evicted:
        lines.append(f"To stay within memory, older trained models were let go: {', '.join(map(markdown, evicted))}.")
    return "\n".join(f"- {line}" for line in lines)


def train_model(page: Page, follow=()):
    """The Train button's handler for this page (it refreshes the page's model lists at the end)."""
    @handler
    @gpu.work
    def train_model(paste: str, path: str | None, text_column: str | None, label_column: str | None, name: str,
                    encoder: str, mode: str, l2: float, optimizer: str, balanced: bool, holdout: float, folds: int,
                    seed: int, epochs: int, learning_rate: float, batch_size: int, layers: int, request: gr.Request,
                    progress=gr.Progress()):
        """Train a classifier on the examples, drawing its curves as it learns; then it is a model of every tab."""
        name = check_name((name or "").strip())
        examples = examples_from(paste, path, text_column, label_column)
        settings = _settings(encoder, mode, l2, optimizer, balanced, holdout, folds, seed, epochs, learning_rate,
                             batch_size, layers)
        owner = request.session_hash if request is not None else None
        if TRAINED.taken(name, owner):
            raise InputError(f"A model named {name!r} was trained by someone else; choose another name.")
        counts = examples.counts()
        about = (f"{counted(len(examples.texts), 'example')} of {counted(len(examples.labels), 'label')} (fewest: "
                 f"{min(counts.values())} of {markdown(min(counts, key=counts.get))})")
        history, last_draw, result = [], 0.0, None
        what = "finetune" if settings.mode == "finetune" else settings.optimizer  # (what an epoch is, on the chart)
        for kind, value in training.train_live(examples, name, settings):
            if kind == "stage":
                progress(None, desc=value + "…")
            elif kind == "step":
                epoch, step, steps = value
                progress(((epoch - 1) * steps + step, settings.steps * steps),
                         desc=f"Fine-tuning: epoch {epoch}, step {step} of {steps}", unit="steps")
            elif kind == "epoch":
                history.append(value)
                if settings.mode == "head":
                    progress((value.epoch, settings.steps), desc="Fitting the head (L-BFGS steps; it stops when "
                             "converged)", unit="steps")
                if time.perf_counter() - last_draw > 1 / DRAWS_PER_SECOND:
                    last_draw = time.perf_counter()
                    yield (f"- Training {markdown(name)} on {about}…", training_charts.curves(history, what=what),
                           *[gr.skip()] * (3 + len(page.models.dropdowns)))
            else:
                result = value
        evicted = TRAINED.put(name, result.model, owner=owner)
        archive, files = training.bundle(result, Path(new_folder("trained-")))
        report = result.report
        yield (_finished(result, name, about, evicted), training_charts.curves(result.history, f"Training {name}", what),
               training_charts.confusion(report) if report else None,
               training_charts.per_class(report) if report else None, [str(archive), *map(str, files)],
               *page.models.refreshed(follow, name))
    return train_model


def text_and_label_columns(path: str | None):
    """The text and label column choices of the chosen file (training has no rationale column)."""
    return dataset_columns(path)[:2]


def render(page: Page) -> None:
    gr.Markdown("Train a classifier on your own labelled examples, the way the bundled one was made: a pretrained "
                "encoder and a head learned from examples (or also its top layers, fine-tuned). Then explain it like "
                "any other model: it joins the model lists of the other tabs.")
    with gr.Row():
        paste = gr.Textbox(label="Examples: one 'text, label' per line (the label after the last comma)", lines=10,
                           max_length=MAX_ROWS * 300, value=example_lines(EXAMPLE_ROWS))
        with gr.Column():
            upload = file_with_example("…or a CSV / JSON Lines file (it takes the place of the pasted lines)",
                                       [".csv", ".jsonl", ".json"])
            with gr.Row():
                text_column = gr.Dropdown([], label="Text column", allow_custom_value=True)
                label_column = gr.Dropdown([], label="Label column", allow_custom_value=True)
    with gr.Row():
        name = gr.Textbox(label="Name of the new model (letters, digits, - and _)", value="my-classifier",
                          max_length=40)
        encoder = page.models.dropdown((Embedding.NAME,), label="Pretrained encoder")
        mode = gr.Radio([("Head only (seconds)", "head"), ("Fine-tune the top layers too (minutes on a CPU)", "finetune")],
                        value="head", label="What to train")
    with gr.Accordion("Training settings", open=False):
        with gr.Row():
            l2 = Number(value=1e-3, minimum=0, maximum=100, label="L2 strength",
                        info="mean cross-entropy + L2/2 ‖W‖² over the labels' weight rows (scikit-learn's "
                             "C = 1 / (L2 × rows) for 3+ labels, 2 / (L2 × rows) for 2)")
            optimizer = gr.Radio([("L-BFGS (full batch)", "lbfgs"), ("Adam", "adam")], value="lbfgs",
                                 label="Head optimizer")
            balanced = gr.Checkbox(label="Balance the classes (weights n / (labels × count))")
        with gr.Row():
            holdout = Slider(0, 0.5, value=0.2, step=0.05, label="Held-out share",
                             info="stratified and seeded; 0 trains on everything")
            folds = Slider(0, 10, value=0, step=1, label="Cross-validation folds", info="0: the held-out split instead")
            seed = Number(value=0, precision=0, minimum=0, maximum=SEED_MAX, label="Seed")
        with gr.Row():
            epochs = Slider(0, 200, value=0, step=1, label="Epochs (0 = default)",
                            info="head: L-BFGS steps (50) or Adam steps (300); fine-tune: 3")
            learning_rate = Number(value=0, minimum=0, maximum=1, label="Learning rate (0 = default)",
                                   info="Adam 0.05; fine-tuned layers 3e-5")
            batch_size = Slider(1, 128, value=16, step=1, label="Fine-tune batch size")
            layers = Slider(1, 6, value=2, step=1, label="Fine-tuned layers (from the top)")
    run = gr.Button("Train", variant="primary")
    status = gr.Markdown()
    curves = gr.Plot(label="Loss and held-out accuracy, per epoch (drawn as it trains)")
    with gr.Row():
        confusion = gr.Plot(label="Held-out confusion matrix")
        per_class = gr.Plot(label="Precision and recall per label")
    files = downloads("Download the model: a zip of its folder (safetensors weights + JSON config + the training "
                      "summary), and each file", height=150)
    inputs = [paste, upload, text_column, label_column, name, encoder, mode, l2, optimizer, balanced, holdout, folds,
              seed, epochs, learning_rate, batch_size, layers]
    results = [status, curves, confusion, per_class, files]
    upload.change(text_and_label_columns, upload, [text_column, label_column], api_name=False)
    view = influence.render(page)  # (which training examples made a prediction: the model trained, once it is)
    run.click(train_model(page, follow=[view.model]), inputs, [*results, *page.models.components], api_name="train",
              concurrency_limit=1)
    clear_on_change(inputs, results)
