"""Gradio app: wiring only (inputs -> model/ and explain/ -> charts); no maths here.

Methods, their controls and the Compare view come from ``explain.METHODS`` when the page is
built, so a method registered at start-up (``STUDIO_PLUGINS``) appears in every tab.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import html
import inspect
import json
import logging
import os
import queue
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import gradio as gr

from explain import METHODS, Param, compare, evaluate, explain, inside_charts, load_plugins, plots, train_charts
from explain.dataset import DatasetRun, RowResult, columns_of, explain_dataset
from explain.dataset import charts as dataset_charts
from explain.dataset.reading import read_rows
from explain.dataset.writing import RowWriter
from explain.export import slug, write_files, write_scorecard_files
from explain.metrics import HEADLINE, METRICS
from explain.registry import all_params
from model import REGISTRY, internals, is_loaded, list_models, load_model, quiet_logging
from model import train as training
from model.errors import InputError
from model.hub import hub_reachable, limit_hub_waits
from model.trained import TRAINED, check_name, save_trained
from model.validation import MAX_LABELS, split_labels

ASSETS = Path(__file__).resolve().parent / "assets"
EXAMPLES = json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
TOP_K = 5
TOP_WORDS = 40
MAX_EMBED_TEXTS = 50
DATASET_EXAMPLE = ASSETS / "intents_sample.csv"
DATASET_MAX_ROWS = 2_000
DATASET_MAX_BYTES = 50 * 2**20
DATASET_SECONDS = 30 * 60.0  # a run stops (keeping what it finished) past this
DATASET_COLUMNS = ["row", "text", "gold", "prediction", "correct", "confidence", "top words"]
DATASET_TYPES = ["number", "str", "str", "str", "str", "number", "str"]  # "str": shown as text, never as HTML
DATASET_WIDTHS = ["6%", "34%", "13%", "13%", "8%", "9%", "17%"]
NO_LABELS = "(no gold labels)"
SECONDS_PER_EXPLANATION = 60.0  # each explanation stops with a clear message past this
BUNDLED = {"classification": "intent-minilm", "zero-shot": "minilm-zeroshot", "embedding": "minilm-embed"}
METRIC_NAMES = [name for name in METRICS]
SCORECARD_HELP = ("**Comprehensiveness**: how much the output drops when the words a method ranks highest are "
                  "removed (higher is better). **Sufficiency**: how much it drops when only those words are kept "
                  "(lower is better). Both are averaged over removing 1, 5, 10, 20 and 50% of the words (AOPC), "
                  "beside a random ranking. **Normalised**: 0 = random, 1 = the best ranking reachable. **Log-odds**: "
                  "the log-probability change when the top 20% are masked (lower is better). **LOO tau**: agreement "
                  "with each word's own leave-one-out effect. **Stability**: how much the values move with the seed.")
SHARED_ENCODER = ("The three bundled models share one encoder (all-MiniLM-L6-v2), so their attention is the same; "
                  "they differ only in what reads the encoder's output.")
log = logging.getLogger("studio")

try:  # On a Hugging Face ZeroGPU Space, run the model-bound handlers on the GPU; elsewhere a no-op.
    import spaces

    gpu = spaces.GPU
except ImportError:
    def gpu(fn):
        return fn


def intro() -> str:
    methods = "\n".join(f"- `{cls.NAME}` — {cls.DESCRIPTION}" for cls in METHODS.values())
    return f"""# Transformer explainability studio
Run real pretrained Transformers and see **why** they answered: every chart is interactive (hover for
exact values) and every result downloads as JSON and CSV. The bundled models run fully offline.

{methods}

Beyond one sentence: **Dataset** explains a whole file and shows what the model relies on across it, **Inside the
Transformer** recomputes self-attention step by step on the real model, and **Train a classifier** makes a model
of your own labels to explain like the others.
"""


# ----------------------------------------------------------------------------- start-up
class WarmUp:
    """Loads the bundled models and runs each method once in the background, so the page is served
    at once and the first user rarely waits; a request that comes first waits for its model."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for task, name in BUNDLED.items():
                model = load_model(name)
                kwargs = {"labels": ["a", "b"]} if task == "zero-shot" else {"pair": "warm up"} if task == "embedding" else {}
                for method, cls in list(METHODS.items()):
                    small = {p.name: p.low if p.budget else p.default for p in cls.PARAMS}
                    explain(model, "warm up the model", method, **kwargs, **small)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first request loads instead
            log.exception("Warm-up failed; models will load on first use.")
        finally:
            self.done.set()


WARM = WarmUp()


# ----------------------------------------------------------------------------- components
def number_input(component):
    """A number control whose HTTP API answers a non-numeric value with one sentence of ours
    (Gradio's own check fails with a generic message and a traceback in the console). The
    instance's ``preprocess`` is wrapped rather than the class subclassed: Gradio writes a
    ``.pyi`` stub beside the source of every component subclass at import."""
    original = component.preprocess

    def preprocess(payload):
        try:
            return original(payload)
        except (TypeError, ValueError):
            raise gr.Error(f"{component.label or 'This value'} must be a number; got {payload!r}.",
                           print_exception=False) from None

    component.preprocess = preprocess
    return component


def Slider(*args, **kwargs) -> gr.Slider:  # noqa: N802 - a component constructor
    return number_input(gr.Slider(*args, **kwargs))


def Number(*args, **kwargs) -> gr.Number:  # noqa: N802 - a component constructor
    return number_input(gr.Number(*args, **kwargs))


# ----------------------------------------------------------------------------- helpers
def handler(fn):
    """Every event: a rejected input is one sentence for the user and one log line (no
    traceback); anything else is logged with its traceback and reported without internals.
    Generator handlers (live updates) stay generators, so Gradio streams what they yield."""
    @contextlib.contextmanager
    def reported():
        try:
            yield
        except gr.Error as err:
            log.info("rejected %s: %s", fn.__name__, err.message)
            err.print_exception = False
            raise
        except ValueError as err:
            log.info("rejected %s: %s", fn.__name__, err)
            raise gr.Error(str(err), print_exception=False) from None
        except Exception:
            log.exception("%s failed", fn.__name__)
            raise gr.Error("Something went wrong on the server; the error has been logged.",
                           print_exception=False) from None

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def streamed(*args, **kwargs):
            with reported():
                yield from fn(*args, **kwargs)
        return streamed

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with reported():
            return fn(*args, **kwargs)
    return wrapped


def _choices(task: str, online: bool) -> list[tuple[str, str]]:
    """Bundled models first; Hub models only where the Hub answered at start-up; then models trained here."""
    trained = [(f"{name} (trained here)", name) for name in TRAINED.names()] if task == "classification" else []
    return [(spec.name if spec.bundled else f"{spec.name} (Hugging Face Hub)", spec.name)
            for spec in list_models(task) if spec.bundled or online] + trained


def _model(name: str, task: str | None = None, progress=None):
    """Only registry names reach load_model from the UI: no user string becomes a hub id or path.

    ``task`` None accepts a model of any task (the Attention tab lists all of them)."""
    if not isinstance(name, str) or (name not in REGISTRY and TRAINED.get(name) is None):
        raise InputError("Choose one of the listed models (a model trained here is kept while the server runs, "
                         "unless newer ones take its place).")
    if progress is not None and not is_loaded(name):
        progress(0, desc=f"Loading {name} (first use since the server started)…")
    return load_model(name, task=task)


def _int(value, what: str) -> int:
    """Numbers from the UI or the API: a missing or non-numeric value is one clear sentence."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"The {what} must be a whole number.") from None


def _method(name) -> str:
    if not isinstance(name, str) or name not in METHODS:
        raise InputError(f"Choose a method: one of {', '.join(METHODS)}.")
    return name


def _params(method: str, values: dict) -> dict:
    """The selected method's own parameters from the tab's controls (the others are ignored)."""
    return {p.name: p.parse(values[p.name]) for p in METHODS[method].PARAMS if values.get(p.name) is not None}


def _explain(model, text, method, progress, seed, params: dict, **kwargs):
    label = plots.method_label(method)
    started = time.perf_counter()

    def report(done: int, planned: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-6)
        left = f" · about {(planned - done) / rate:.0f} s left" if done and planned > done else ""
        progress((done, planned), desc=f"{label}: model evaluations{left}", unit="evaluations")

    return explain(model, text, method, progress=report, seconds=SECONDS_PER_EXPLANATION,
                   seed=_int(seed, "seed"), **kwargs, **params)


def _scored(model, e, progress, target: int = 0, metrics=HEADLINE):
    """The explanation with its scorecard in meta (and so in the downloads), and the scorecard; no
    scorecard for an explanation without an output (attention without labels or a pair)."""
    if not e.targets:
        return e, None

    def report(done: int, planned: int) -> None:
        progress((done, planned), desc="Scorecard: model evaluations", unit="evaluations")

    card = evaluate(e, list(metrics), model=model, target=target, progress=report, seconds=SECONDS_PER_EXPLANATION)
    return dataclasses.replace(e, meta={**e.meta, "scores": card.to_dict()}), card


def _faithfulness(card, prefix: str = "") -> str:
    """The two headline scores in one sentence, each beside the random control."""
    if card is None:
        return ""
    r = card.random
    prefix = _markdown_text(prefix)  # (a zero-shot label: user text)
    return (f"- {prefix}Faithfulness (ERASER, removing or keeping only the top 1–50% of the words): comprehensiveness "
            f"{card.comprehensiveness:.3f} against {r['comprehensiveness']:.3f} for a random ranking (higher is "
            f"better); sufficiency {card.sufficiency:.3f} against {r['sufficiency']:.3f} (lower is better).")


def _label(labels, scores, k=TOP_K) -> dict[str, float]:
    order = sorted(range(len(labels)), key=lambda i: -float(scores[i]))[:k]
    return {labels[i]: float(scores[i]) for i in order}


def _markdown_text(text: str) -> str:
    """User or model strings inside Markdown: HTML-escaped, Markdown syntax characters backslashed."""
    escaped = html.escape(str(text), quote=False)  # no tags; then no emphasis, code, links or tables
    return "".join("\\" + c if c in "\\`*_[]|~" else c for c in escaped)


def _notes(*explanations, target: int | str = 0, sides: tuple[str, ...] = ()) -> str:
    """The explanations' notes as a Markdown list (each side's notes prefixed with its name)."""
    lines = []
    for index, e in enumerate(explanations):
        prefix = f"{sides[index]}: " if index < len(sides) else ""
        lines += [prefix + note for note in plots.notes(e, target) if prefix + note not in lines]
    return "\n".join(f"- {_markdown_text(line)}" for line in lines)


def cleared(count: int):
    """A handler that empties ``count`` outputs: results never stay on screen for other inputs."""
    return lambda *_: None if count == 1 else [None] * count


# ----------------------------------------------------------------------------- handlers
@gpu
@handler
def classify(text: str, model_name: str, method: str, target: str | None, seed: int, sort: bool = True,
             progress=gr.Progress(), **params):
    """Predict, explain one class, draw bars and a text heatmap, write the downloads."""
    model = _model(model_name, "classification", progress)
    method = _method(method)
    e = _explain(model, text, method, progress, seed, _params(method, params), target=target or None)
    e, card = _scored(model, e, progress)
    return (_label(e.labels, e.probabilities), plots.attribution_bars(e, sort=bool(sort), top=TOP_WORDS),
            plots.text_heatmap(e), "\n".join(filter(None, [_notes(e), _faithfulness(card)])),
            write_files(e, "classify"))


@gpu
@handler
def compare_methods(text: str, model_name: str, target: str | None, seed: int, methods: list[str] | None = None,
                    sort: bool = True, progress=gr.Progress(), **params):
    """The scorecard: several methods on the same input, words aligned (each method reads its own
    parameters), their faithfulness scores beside a random ranking, and how far they agree."""
    model = _model(model_name, "classification", progress)
    chosen = [_method(m) for m in (default_compare() if methods is None else methods)]
    if not chosen:
        raise InputError("Tick at least one method to compare.")
    results = [_explain(model, text, m, progress, seed, _params(m, params), target=target or None) for m in chosen]
    cards = [_scored(model, e, progress, metrics=METRIC_NAMES)[1] for e in results]
    headers, rows = plots.scorecard_table(cards)
    agreement = compare(results) if len(results) > 1 else None
    return (plots.comparison(results, top=TOP_WORDS, sort=bool(sort)), {"headers": headers, "data": rows},
            plots.aopc_curves(cards), plots.agreement_heatmap(agreement) if agreement else None,
            write_scorecard_files(cards, agreement, text))


def default_compare() -> list[str]:
    return [name for name, cls in METHODS.items() if cls.COMPARE_DEFAULT]


@handler
def class_labels(model_name: str):
    """The target dropdown follows the chosen classifier's labels (just "predicted class" if the
    model cannot be loaded: the Explain button then says why)."""
    choices = [("predicted class", "")]
    try:
        model = _model(model_name, "classification")
        choices += [(label, label) for label in sorted(model.labels)]
    except ValueError as err:
        log.info("class labels of %r unavailable: %s", model_name, err)
        gr.Warning(str(err))
    return gr.Dropdown(choices=choices, value="")


@gpu
@handler
def zero_shot(text: str, labels: str, template: str, multi_label: bool, model_name: str, method: str, seed: int,
              progress=gr.Progress(), **params):
    """Score candidate labels and explain every one of them."""
    model = _model(model_name, "zero-shot", progress)
    method = _method(method)
    candidates = split_labels(labels)
    e = _explain(model, text, method, progress, seed, _params(method, params), labels=candidates,
                 hypothesis_template=template or None, multi_label=bool(multi_label))
    best = int(e.probabilities.argmax())
    independent = bool(multi_label) or len(e.labels) == 1
    e, card = _scored(model, e, progress, target=best)
    notes = "\n".join(filter(None, [_notes(e, target=best), _faithfulness(card, f"{e.labels[best]}: ")]))
    if len(e.labels) == 1:
        notes = "- With one candidate label, its score is computed on its own (as in multi-label mode and as " \
                "transformers' zero-shot pipeline does), not as a share of 100%.\n" + notes
    return (_label(e.labels, e.probabilities, k=MAX_LABELS), plots.label_scores(list(e.labels), e.probabilities,
                                                                                independent),
            notes, plots.target_small_multiples(e), plots.text_heatmap(e, best), write_files(e, "zero-shot"))


@gpu
@handler
def embeddings(texts: str, model_name: str, projection: str):
    """Similarity matrix and 2-D / 3-D projections of a list of texts (one per line)."""
    model = _model(model_name, "embedding")
    if len(texts or "") > 200_000:
        raise InputError(f"The texts have {len(texts):,} characters together; the limit is 200,000.")
    lines = [line.strip() for line in (texts or "").splitlines() if line.strip()]
    if len(lines) < 2:
        raise InputError("Give at least two texts, one per line.")
    if len(lines) > MAX_EMBED_TEXTS:
        raise InputError(f"{len(lines)} texts were given; the limit is {MAX_EMBED_TEXTS}.")
    vectors = model.predict(lines)
    return (plots.similarity_matrix(lines, vectors), plots.projection(lines, vectors, 2, projection),
            plots.projection(lines, vectors, 3, projection))


@gpu
@handler
def explain_similarity(text: str, pair: str, model_name: str, method: str, seed: int, progress=gr.Progress(),
                       **params):
    """Which words of each text raise or lower their cosine similarity."""
    model = _model(model_name, "embedding", progress)
    method = _method(method)
    chosen = _params(method, params)
    first, first_card = _scored(model, _explain(model, text, method, progress, seed, chosen, pair=pair), progress)
    second, second_card = _scored(model, _explain(model, pair, method, progress, seed, chosen, pair=text), progress)
    notes = [_notes(first, second, sides=("Text A", "Text B")), _faithfulness(first_card, "Text A: "),
             _faithfulness(second_card, "Text B: ")]
    return (f"cosine similarity: {first.outputs[0]:.4f}", plots.attribution_bars(first, sort=True, top=TOP_WORDS),
            plots.attribution_bars(second, sort=True, top=TOP_WORDS), "\n".join(filter(None, notes)),
            write_files({"A": first, "B": second}, "similarity"))


@gpu
@handler
def attention(text: str, model_name: str, layer: int, head: int, progress=gr.Progress()):
    """Every layer and head of one forward pass, read without inventing a target, and the rollout."""
    model = _model(model_name, None, progress)
    raw = _explain(model, text, "attention", progress, 0, {})
    rolled = _explain(model, text, "rollout", progress, 0, {})
    return (*attention_views(raw, layer, head), plots.rollout_heatmap(rolled), write_files(raw, "attention"))


def attention_views(raw, layer, head):
    """The charts that follow the Layer and Head controls."""
    layers, heads = raw.attention.shape[:2]
    layer_index = min(max(_int(layer, "layer"), 1), layers) - 1
    head_number = _int(head, "head")
    head_index = None if head_number <= 0 else min(head_number, heads) - 1
    return (plots.attention_heatmap(raw, layer_index, head_index), plots.attention_head_grid(raw, layer_index),
            plots.attention_received_bars(raw, layer_index, head_index))


@handler
def attention_shape(model_name: str):
    """Layer and head sliders follow the chosen model's depth and width."""
    config = _model(model_name).transformer.config
    layers = int(getattr(config, "num_hidden_layers", None) or config.encoder_layers)
    heads = int(getattr(config, "num_attention_heads", None) or config.encoder_attention_heads)
    note = SHARED_ENCODER if model_name in BUNDLED.values() else ""
    return gr.Slider(1, layers, value=layers, step=1), gr.Slider(0, heads, value=0, step=1), note


INSIDE_POSITIONS = 64  # positions drawn in the position-encoding charts


def _inside_task_args(model, extra: str) -> dict:
    """The layer lens's task arguments: zero-shot candidate labels, or the second text of an embedding."""
    extra = (extra or "").strip()
    if model.task == "zero-shot":
        if not extra:
            raise InputError("A zero-shot model's layer lens needs candidate labels: give them, comma-separated.")
        return {"labels": split_labels(extra)}
    if model.task == "embedding":
        if not extra:
            raise InputError("An embedding model's layer lens needs a second text to compare with.")
        return {"pair": extra}
    return {}


def _layer_head(model, layer, head) -> tuple[int, int]:
    """1-based slider values to the library's 0-based layer and head, within the model's size."""
    parts = internals.anatomy(model)
    return (min(max(_int(layer, "layer"), 1), len(parts.layers)) - 1,
            min(max(_int(head, "head"), 1), parts.heads) - 1)


@gpu
@handler
def inside(text: str, model_name: str, layer: int, head: int, extra: str, progress=gr.Progress()):
    """Self-attention step by step, position encodings, the layer flow and the layer lens of one text."""
    model = _model(model_name, None, progress)
    layer_index, head_index = _layer_head(model, layer, head)
    steps = internals.attention_steps(model, text, layer_index, head_index)
    flow = internals.layer_flow(model, text)
    lens = internals.layer_lens(model, text, **_inside_task_args(model, extra))
    parts = internals.anatomy(model)
    length = min(INSIDE_POSITIONS, parts.position_embeddings.num_embeddings if parts.position_embeddings else 64)
    encoding = internals.sinusoidal_encoding(length, parts.hidden)
    summed = internals.embedding_sum(model, text)
    learned = inside_charts.learned_positions(internals.position_embeddings(model), length) \
        if parts.position_embeddings is not None else None
    query = 1 if len(steps.tokens) > 1 else 0
    proof = (f"- **This is the model's own computation**: P equals the model's attention probabilities to "
             f"{steps.p_difference:.1e} and A equals head {head_index + 1}'s slice of its attention output to "
             f"{steps.a_difference:.1e} (largest absolute differences); LayerNorm(token + position"
             f"{' + type' if summed.type is not None else ''}) equals the model's embedding output to "
             f"{summed.difference:.1e}.\n- `last_hidden_state` has shape `{flow.last_hidden_state_shape}` "
             f"(batch, tokens, hidden) for this text; the layer lens's last point is the model's prediction.")
    folder = Path(tempfile.mkdtemp(prefix="inside-"))
    path = folder / f"inside-{slug(model.name)}-{slug(text)}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "model": model.name, "text": text, "attention_steps": steps.to_dict(),
        "sinusoidal_encoding": encoding.tolist(), "embedding_sum_max_abs_difference": summed.difference,
        "layer_flow": {"tokens": list(flow.tokens), "residual_norm": flow.residual_norm.tolist(),
                       "attention_norm": flow.attention_norm.tolist(), "ffn_norm": flow.ffn_norm.tolist(),
                       "active_share": flow.active_share.tolist()},
        "layer_lens": {"labels": list(lens.labels), "output": lens.output_name, "values": lens.values.tolist()},
    }, ensure_ascii=False), encoding="utf-8")
    return (proof, inside_charts.layer_input(steps), inside_charts.queries_keys_values(steps),
            inside_charts.scores_and_weights(steps), inside_charts.head_output(steps),
            gr.Dropdown(choices=[(f"{i}: {t}", i) for i, t in enumerate(steps.tokens)], value=query),
            inside_charts.query_key(steps, query), inside_charts.sinusoidal(encoding), learned,
            inside_charts.flow(flow), inside_charts.token_similarity(flow, layer_index + 1),
            inside_charts.lens(lens), str(path))


@gpu
@handler
def inside_query(text: str, model_name: str, layer: int, head: int, query: int):
    """The query/key view for another query token (the dropdown lists the text's tokens)."""
    model = _model(model_name)
    layer_index, head_index = _layer_head(model, layer, head)
    steps = internals.attention_steps(model, text, layer_index, head_index)
    position = _int(query, "query token")
    if not 0 <= position < len(steps.tokens):
        raise InputError(f"The query token must be one of the text's {len(steps.tokens)} tokens (0 to "
                         f"{len(steps.tokens) - 1}); press Show to list them.")
    return inside_charts.query_key(steps, position)


@handler
def inside_shape(model_name: str):
    """Layer and head sliders follow the chosen model; the lens box says what it needs."""
    model = _model(model_name)
    parts = internals.anatomy(model)
    hint = {"zero-shot": "Candidate labels for the layer lens (comma-separated)",
            "embedding": "Second text for the layer lens (similarity after each layer)"}.get(
        model.task, "Not used by a classifier (its lens reads the class probabilities)")
    value = {"zero-shot": EXAMPLES["zero_shot"][0][1], "embedding": EXAMPLES["similarity"][0][1]}.get(model.task, "")
    return (gr.Slider(1, len(parts.layers), value=min(2, len(parts.layers)), step=1),
            gr.Slider(1, parts.heads, value=1, step=1), gr.Textbox(label=hint, value=value))


TRAIN_EXAMPLE_ROWS = 4  # the pasted example: this many rows of each label of the example file


def _examples_from(paste: str, path: str | None, text_column: str | None, label_column: str | None):
    """The labelled examples of the uploaded file (if any) or else of the pasted lines."""
    if path:
        return training.examples_from_rows(read_rows(path, text_column=text_column or "text",
                                                     label_column=label_column or "label",
                                                     max_bytes=DATASET_MAX_BYTES))
    if not (paste or "").strip():
        raise InputError("Paste examples (one 'text, label' per line) or upload a file.")
    if len(paste) > training.MAX_ROWS * (training.MAX_CHARS + 100):
        raise InputError("The pasted examples are too long; upload a file instead.")
    texts, labels, bad = training.parse_pasted(paste)
    return training.prepare_examples(texts, labels, notes=training.left_out(bad))


def _model_choices(online: bool) -> list:
    """Every model dropdown, with the models trained so far (classification ones and all-task ones)."""
    everything = [(n, v) for t in BUNDLED for n, v in _choices(t, online)]
    classifiers = _choices("classification", online)
    return [gr.Dropdown(choices=classifiers), gr.Dropdown(choices=classifiers), gr.Dropdown(choices=everything),
            gr.Dropdown(choices=everything)]


def _example_lines(per_label: int) -> str:
    """The example file's first ``per_label`` rows of each label, as pasted 'text, label' lines."""
    taken: dict[str, int] = defaultdict(int)
    lines = []
    for row in read_rows(DATASET_EXAMPLE, label_column="label"):
        if taken[row.label] < per_label:
            taken[row.label] += 1
            lines.append(f"{row.text}, {row.label}")
    return "\n".join(lines)


@gpu
@handler
def train_model(paste: str, path: str | None, text_column: str | None, label_column: str | None, name: str,
                encoder: str, mode: str, l2: float, optimizer: str, balanced: bool, holdout: float, folds: int,
                seed: int, epochs: int, learning_rate: float, batch_size: int, layers: int, request: gr.Request,
                progress=gr.Progress()):
    """Train a classifier on the examples, drawing its curves as it learns; then it is a model of every tab."""
    name = check_name((name or "").strip())
    examples = _examples_from(paste, path, text_column, label_column)
    if not isinstance(encoder, str) or encoder not in REGISTRY or REGISTRY[encoder].task != "embedding":
        raise InputError("Choose one of the listed encoders.")
    settings = training.Settings(encoder=encoder, mode=mode, l2=float(l2), optimizer=optimizer,
                                 class_weights=bool(balanced), holdout=float(holdout), folds=_int(folds, "folds"),
                                 seed=_int(seed, "seed"), epochs=_int(epochs, "epochs"),
                                 learning_rate=float(learning_rate), batch_size=_int(batch_size, "batch size"),
                                 layers=_int(layers, "number of layers")).check()
    owner = request.session_hash if request is not None else None
    if TRAINED.taken(name, owner):
        raise InputError(f"A model named {name!r} was trained by someone else; choose another name.")
    counts = examples.counts()
    about = (f"{len(examples.texts):,} examples of {len(examples.labels)} labels (fewest: "
             f"{min(counts.values())} of {_markdown_text(min(counts, key=counts.get))})")
    events: queue.SimpleQueue = queue.SimpleQueue()
    outcome: dict = {}

    def work():
        try:
            outcome["result"] = training.train(
                examples, name, settings, on_epoch=lambda e: events.put(("epoch", e)),
                on_step=lambda e, s, n: events.put(("step", (e, s, n))), on_stage=lambda t: events.put(("stage", t)))
        except Exception as err:  # noqa: BLE001 - re-raised in the request's thread below
            outcome["error"] = err
        finally:
            events.put(("done", None))

    worker = threading.Thread(target=work, name="train", daemon=True)
    worker.start()
    history = []
    total = settings.steps
    last_draw = 0.0
    while True:
        kind, value = events.get()
        if kind == "done":
            break
        if kind == "stage":
            progress(None, desc=value + "…")
        elif kind == "step":
            epoch, step, steps = value
            progress(((epoch - 1) * steps + step, total * steps), desc=f"Fine-tuning: epoch {epoch}, step {step} of "
                     f"{steps}", unit="steps")
        elif kind == "epoch":
            history.append(value)
            if settings.mode == "head":
                progress((value.epoch, total), desc="Fitting the head (L-BFGS steps; it stops when converged)",
                         unit="steps")
            if time.perf_counter() - last_draw > 0.5:  # live curves, at most twice a second
                last_draw = time.perf_counter()
                yield (f"- Training {_markdown_text(name)} on {about}…", train_charts.curves(history), gr.skip(),
                       gr.skip(), gr.skip(), *[gr.skip()] * 4)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    evicted = TRAINED.put(name, result.model, owner=owner)
    folder = Path(tempfile.mkdtemp(prefix="trained-")) / name
    files = [str(p) for p in save_trained(result.model, folder)]
    summary = folder / "training.json"
    summary.write_text(json.dumps(result.summary(), ensure_ascii=False), encoding="utf-8")
    bundle = folder.parent / f"{name}.zip"  # the folder load_model reads, in one download
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in (*files, summary):
            archive.write(path, f"{name}/{Path(path).name}")
    lines = [f"**{_markdown_text(name)}** is trained ({about}; {settings.mode}, "
             f"{result.seconds.get('embedding', 0):.1f} s embedding + {result.seconds.get('head', 0):.2f} s head"
             + (f" + {result.seconds['finetune']:.0f} s fine-tuning" if "finetune" in result.seconds else "") + ").",
             f"It is now a model in the Classify, Dataset, Attention and Inside tabs (pick "
             f"*{_markdown_text(name)} (trained here)*) while the server runs; download it to keep it "
             f"(unzip it; `load_model(\"{name}\")` in that folder's parent loads it back)."]
    if result.report is not None:
        r = result.report
        what = f"{len(r.folds)}-fold cross-validated" if r.folds else f"held-out ({r.rows} rows)"
        lines.append(f"Accuracy {what}: **{r.accuracy:.1%}**.")
    lines += [_markdown_text(note[0].upper() + note[1:]) + "." for note in examples.notes]
    if evicted:
        lines.append(f"To stay within memory, older trained models were let go: {', '.join(map(_markdown_text, evicted))}.")
    report = result.report
    yield ("\n".join(f"- {line}" for line in lines), train_charts.curves(result.history, f"Training {name}"),
           train_charts.confusion(report) if report else None, train_charts.per_class(report) if report else None,
           [str(bundle), *files, str(summary)], *_model_choices(hub_reachable()))


RUNS: dict[str, DatasetRun] = {}  # the dataset run of each browser session, for its Cancel button
RUNS_LOCK = threading.Lock()


@handler
def dataset_columns(path: str | None):
    """The text and label column choices follow the chosen file's columns."""
    if not path:
        return gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS)
    columns = columns_of(path, max_bytes=DATASET_MAX_BYTES)
    if not columns:  # plain text: one text per line
        return (gr.Dropdown(choices=[("one text per line", "text")], value="text"),
                gr.Dropdown(choices=[NO_LABELS], value=NO_LABELS))
    text = next((c for c in columns if c.lower() in ("text", "sentence", "utterance")), columns[0])
    label = next((c for c in columns if c.lower() in ("label", "gold", "intent", "class")), NO_LABELS)
    return gr.Dropdown(choices=columns, value=text), gr.Dropdown(choices=[NO_LABELS, *columns], value=label)


def _top_words(record: dict, k: int = 3) -> str:
    return ", ".join(f"{word} {value:+.3f}" for word, value in RowResult.from_record(record).top_words[:k])


def _dataset_rows(records: list[dict]) -> list[list]:
    return [[r["row"], r["text"] if r["text"] is not None else "", r["label"] or "",
             r["prediction"] or "" if not r["error"] else f"not explained: {r['error']}",
             "" if r["correct"] is None else "✓" if r["correct"] else "✗",
             None if r["confidence"] is None else round(r["confidence"], 4), _top_words(r) if not r["error"] else ""]
            for r in records]


@gpu
@handler
def dataset(path: str | None, text_column: str | None, label_column: str | None, model_name: str, method: str,
            seed: int, limit: int, score: bool, request: gr.Request, progress=gr.Progress(), **params):
    """Explain every row of a file; the global importance, confusion matrix, misclassified rows,
    a map of the rows and the downloads. Cancel (or the time cap) keeps what finished."""
    if not path:
        raise InputError("Upload a file (CSV, JSON Lines or one text per line), or load the example file.")
    model = _model(model_name, "classification", progress)
    method = _method(method)
    limit = _int(limit, "row cap")
    if not 1 <= limit <= DATASET_MAX_ROWS:
        raise InputError(f"The row cap must be from 1 to {DATASET_MAX_ROWS:,}.")
    label = None if label_column in (None, "", NO_LABELS) else label_column
    started = time.perf_counter()

    def report(done: int, total: int | None) -> None:
        rate = done / max(time.perf_counter() - started, 1e-6)
        left = f" · about {(total - done) / rate:.0f} s left" if total and done < total else ""
        progress((done, total), desc=f"{plots.method_label(method)}: rows explained{left}", unit="rows")

    run = explain_dataset(model, path, method, text_column=text_column or "text", label_column=label, limit=limit,
                          max_bytes=DATASET_MAX_BYTES,
                          seconds=DATASET_SECONDS, progress=report, seed=_int(seed, "seed"), evaluate=bool(score),
                          **_params(method, params))
    if run.total == 0:
        raise InputError("The file has no rows to explain.")
    folder = Path(tempfile.mkdtemp(prefix="dataset-"))
    stem = f"dataset-{method}-{time.strftime('%Y%m%d-%H%M%S')}"
    key = request.session_hash if request is not None else None
    with RUNS_LOCK:
        RUNS[key] = run
    records = []
    try:
        progress((0, run.total), desc=f"{plots.method_label(method)}: rows explained", unit="rows")
        with RowWriter(folder / f"{stem}-rows.jsonl") as writer:
            for result in run:
                writer.write(result)
                records.append(result.to_record())
    finally:
        with RUNS_LOCK:
            RUNS.pop(key, None)
    summary = run.summary
    summary.write_csv(folder / f"{stem}-global.csv")
    (folder / f"{stem}-summary.json").write_text(json.dumps(summary.to_dict(), ensure_ascii=False), encoding="utf-8")
    explained = [r for r in records if not r["error"]]
    projection = None
    if len(explained) >= 3:
        progress(None, desc="Embedding the rows for the map…")
        embedder = load_model(BUNDLED["embedding"])
        vectors = embedder.predict([r["text"] for r in explained])
        projection = dataset_charts.rows_projection([r["text"] for r in explained], vectors,
                                                    [r["prediction"] for r in explained],
                                                    [r["correct"] for r in explained], embedder.info.name)
    wrong = [r for r in records if r["correct"] is False]
    return (_dataset_summary(run, len(records)), {"headers": DATASET_COLUMNS, "data": _dataset_rows(records)},
            dataset_charts.global_importance(summary), dataset_charts.confusion(summary),
            {"headers": DATASET_COLUMNS, "data": _dataset_rows(wrong)}, projection,
            [str(folder / f"{stem}-rows.jsonl"), str(folder / f"{stem}-global.csv"),
             str(folder / f"{stem}-summary.json")])


def _dataset_summary(run: DatasetRun, done: int) -> str:
    s = run.summary
    lines = [f"**{done:,} rows** of {run.total:,} explained with {plots.method_label(run.method)} on "
             f"`{_markdown_text(run.model.info.name)}`" + (f" · accuracy **{s.accuracy:.1%}** on {s.labelled:,} "
                                                           f"labelled rows" if s.accuracy is not None else "")]
    if run.stopped == "cancelled":
        lines.append(f"Cancelled: the {done:,} rows finished before are shown and in the downloads.")
    elif run.stopped == "time":
        lines.append(f"Stopped at the {DATASET_SECONDS / 60:.0f}-minute limit: the {done:,} rows finished are shown.")
    if s.error_count:
        shown = "; ".join(_markdown_text(e["error"]) for e in s.errors[:3])
        lines.append(f"{s.error_count:,} rows could not be explained ({shown}{' …' if s.error_count > 3 else ''}).")
    if s.clipped or s.truncated:
        lines.append(f"{s.clipped + s.truncated:,} rows were cut to the model's input length.")
    card = dataset_charts.scores_line(s)
    if card:
        lines.append(card)
    return "\n".join(f"- {line}" for line in lines)


@handler
def dataset_cancel(request: gr.Request):
    """Stop this session's dataset run after the rows in progress; what finished is shown."""
    with RUNS_LOCK:
        run = RUNS.get(request.session_hash if request is not None else None)
    if run is None:
        gr.Info("No dataset run is in progress.")
    else:
        run.cancel()
        gr.Info("Cancelling: the rows in progress finish, then the results so far are shown.")


# ----------------------------------------------------------------------------- layout
def _control(param: Param, visible: bool):
    """One UI control per parameter, derived from its declaration."""
    common = {"label": param.title, "info": param.help, "visible": visible}
    if param.kind == "choice":
        return gr.Radio(list(param.choices), value=param.default, **common)
    if param.kind == "bool":
        return gr.Checkbox(value=param.default, **common)
    if param.also:  # a number or a word ("auto"): presets to pick from, any value typed in
        presets = [param.default * 2 ** k for k in range(-1, 5)]
        choices = [*param.also, *(str(v) for v in presets if param.low <= v <= param.high)]
        return gr.Dropdown(choices, value=str(param.default), allow_custom_value=True, **common)
    step = param.step or (1 if param.kind == "int" else (param.high - param.low) / 100)
    return Slider(param.low, param.ui_high or param.high, value=param.default, step=step, **common)


def method_controls(default: str, methods: list[str] | None = None) -> dict:
    """The parameters of every method offered (default: all registered) as controls; those of ``default`` visible."""
    own = {p.name for p in METHODS[default].PARAMS}
    offered = {p.name for m in (methods or METHODS) for p in METHODS[m].PARAMS}
    return {name: _control(param, name in own) for name, param in all_params().items() if name in offered}


def follow_method(method: str, controls: dict):
    """Show the selected method's controls (for a method radio's change event)."""
    own = {p.name for p in METHODS[method].PARAMS} if method in METHODS else set()
    return [gr.update(visible=name in own) for name in controls]


def _method_row(label: str = "Method", methods: list[str] | None = None):
    """A method radio with its parameter controls and a seed, wired to show the right controls."""
    methods = methods or list(METHODS)
    radio = gr.Radio([(plots.method_label(m), m) for m in methods], value="shap" if "shap" in methods
                     else methods[0], label=label)
    with gr.Row():
        controls = method_controls(radio.value, methods)
        seed = Number(value=0, precision=0, minimum=0, label="Seed", info="for methods that sample (LIME)")
    radio.change(lambda m: follow_method(m, controls), radio, list(controls.values()), api_name=False)
    return radio, controls, seed


def _clear_on_change(inputs: list, outputs: list) -> None:
    """Empty the outputs whenever an input changes, so no result stays beside inputs it does not match."""
    for component in inputs:
        component.change(cleared(len(outputs)), None, outputs, api_name=False, queue=False,
                         show_progress="hidden")


def _no_average_eta(demo: gr.Blocks) -> None:
    """Explanations vary a hundredfold in cost (text length x budget), so Gradio's ETA (the average
    of earlier runs) is wrong more often than not; report progress instead and no ETA. (Gradio
    sends an ETA only for functions it has timings for: ``fn in process_time_per_fn``.)"""
    class NoTimings(defaultdict):
        def __contains__(self, key) -> bool:
            return False

    queue = demo._queue
    queue.process_time_per_fn = NoTimings(queue.process_time_per_fn.default_factory, queue.process_time_per_fn)


def build() -> gr.Blocks:
    online = hub_reachable()
    with gr.Blocks(title="Transformer explainability studio", analytics_enabled=False) as demo:
        gr.Markdown(intro())
        if not online:
            gr.Markdown("*The Hugging Face Hub is not reachable from this server: only the bundled models are offered.*")
        with gr.Tab("Classify"):
            with gr.Row():
                c_text = gr.Textbox(label="Text", lines=3, value=EXAMPLES["classify"][0][0], max_length=100_000)
                with gr.Column():
                    c_model = gr.Dropdown(_choices("classification", online), value=BUNDLED["classification"],
                                          label="Model")
                    c_target = gr.Dropdown([("predicted class", "")], value="", label="Explain class",
                                           allow_custom_value=True)
            c_method, c_params, c_seed = _method_row()
            c_sort = gr.Checkbox(value=True, label=f"Sort words by the size of their contribution (top {TOP_WORDS})")
            c_run = gr.Button("Explain", variant="primary")
            gr.Examples(EXAMPLES["classify"], [c_text], label="Examples")
            c_label = gr.Label(label="Prediction", num_top_classes=TOP_K)
            c_bars = gr.Plot(label="Word contributions")
            c_heat = gr.Plot(label="Text heatmap")
            c_notes = gr.Markdown()
            c_files = gr.File(label="Download: JSON, words CSV, tokens CSV", file_count="multiple", height=190)
            with gr.Accordion("Compare methods on this text: the scorecard", open=False):
                c_which = gr.CheckboxGroup([(plots.method_label(m), m) for m in METHODS], value=default_compare(),
                                           label="Methods to compare")
                c_cmp = gr.Button("Compare methods")
                c_compare = gr.Plot(label="Methods compared")
                gr.Markdown(SCORECARD_HELP)
                c_table = gr.Dataframe(label="Scorecard (↑ higher is better, ↓ lower is better)", interactive=False,
                                       wrap=True)
                c_curves = gr.Plot(label="Faithfulness per bin")
                c_agree = gr.Plot(label="Agreement between the methods")
                c_card_files = gr.File(label="Download the scorecard: JSON, CSV", file_count="multiple", height=130)
            c_compare_outputs = [c_compare, c_table, c_curves, c_agree, c_card_files]
            c_run.click(classify, [c_text, c_model, c_method, c_target, c_seed, c_sort],
                        [c_label, c_bars, c_heat, c_notes, c_files], inputs_kwargs=c_params, api_name="classify")
            c_cmp.click(compare_methods, [c_text, c_model, c_target, c_seed, c_which, c_sort], c_compare_outputs,
                        inputs_kwargs=c_params, api_name="compare_methods")
            c_model.change(class_labels, c_model, c_target, api_name="class_labels")
            demo.load(class_labels, c_model, c_target, api_name=False, queue=False)
            _clear_on_change([c_text, c_model, c_method, c_target, c_seed, c_sort, *c_params.values()],
                             [c_label, c_bars, c_heat, c_notes, c_files])
            _clear_on_change([c_text, c_model, c_target, c_seed, c_which, c_sort, *c_params.values()],
                             c_compare_outputs)

        with gr.Tab("Zero-shot"):
            with gr.Row():
                z_text = gr.Textbox(label="Text", lines=3, value=EXAMPLES["zero_shot"][0][0], max_length=100_000)
                with gr.Column():
                    z_labels = gr.Textbox(label=f"Candidate labels (comma-separated, at most {MAX_LABELS})",
                                          value=EXAMPLES["zero_shot"][0][1], max_length=5_000)
                    z_template = gr.Textbox(label="Hypothesis template (leave empty for the model's default)",
                                            max_length=300, placeholder="This text is about {}.")
                    z_multi = gr.Checkbox(label="Several labels can be true (multi-label: each scored on its own)")
            z_model = gr.Dropdown(_choices("zero-shot", online), value=BUNDLED["zero-shot"], label="Model")
            z_method, z_params, z_seed = _method_row()
            z_run = gr.Button("Classify and explain", variant="primary")
            gr.Examples(EXAMPLES["zero_shot"], [z_text, z_labels], label="Examples")
            with gr.Row():
                z_label = gr.Label(label="Top label", num_top_classes=1)
                z_scores = gr.Plot(label="Scores of every candidate label")
            z_notes = gr.Markdown()
            z_multiples = gr.Plot(label="Contributions per label")
            z_heat = gr.Plot(label="Text heatmap (top label)")
            z_files = gr.File(label="Download: JSON, words CSV, tokens CSV", file_count="multiple", height=190)
            z_outputs = [z_label, z_scores, z_notes, z_multiples, z_heat, z_files]
            z_run.click(zero_shot, [z_text, z_labels, z_template, z_multi, z_model, z_method, z_seed], z_outputs,
                        inputs_kwargs=z_params, api_name="zero_shot")
            _clear_on_change([z_text, z_labels, z_template, z_multi, z_model, z_method, z_seed, *z_params.values()],
                             z_outputs)

        with gr.Tab("Embeddings & similarity"):
            with gr.Row():
                e_texts = gr.Textbox(label=f"Texts, one per line (2 to {MAX_EMBED_TEXTS})", lines=7,
                                     value="\n".join(EXAMPLES["embeddings"]), max_length=200_000)
                with gr.Column():
                    e_model = gr.Dropdown(_choices("embedding", online), value=BUNDLED["embedding"], label="Model")
                    e_proj = gr.Radio([("PCA", "pca"), ("UMAP (5 texts or more)", "umap")], value="pca",
                                      label="Projection")
                    e_run = gr.Button("Compare texts", variant="primary")
            e_matrix = gr.Plot(label="Similarity matrix")
            with gr.Row():
                e_2d = gr.Plot(label="2-D projection")
                e_3d = gr.Plot(label="3-D projection")
            e_outputs = [e_matrix, e_2d, e_3d]
            e_run.click(embeddings, [e_texts, e_model, e_proj], e_outputs, api_name="embeddings")
            _clear_on_change([e_texts, e_model, e_proj], e_outputs)
            gr.Markdown("### Why are two texts similar?")
            with gr.Row():
                s_text = gr.Textbox(label="Text A", value=EXAMPLES["similarity"][0][0], max_length=100_000)
                s_pair = gr.Textbox(label="Text B", value=EXAMPLES["similarity"][0][1], max_length=100_000)
            s_method, s_params, s_seed = _method_row()
            s_run = gr.Button("Explain the similarity", variant="primary")
            gr.Examples(EXAMPLES["similarity"], [s_text, s_pair], label="Examples")
            s_value = gr.Textbox(label="Similarity", interactive=False)
            with gr.Row():
                s_a = gr.Plot(label="Words of A")
                s_b = gr.Plot(label="Words of B")
            s_notes = gr.Markdown()
            s_files = gr.File(label="Download (both texts): JSON, words CSV, tokens CSV", file_count="multiple", height=190)
            s_outputs = [s_value, s_a, s_b, s_notes, s_files]
            s_run.click(explain_similarity, [s_text, s_pair, e_model, s_method, s_seed], s_outputs,
                        inputs_kwargs=s_params, api_name="explain_similarity")
            _clear_on_change([s_text, s_pair, e_model, s_method, s_seed, *s_params.values()], s_outputs)

        with gr.Tab("Attention"):
            with gr.Row():
                a_text = gr.Textbox(label="Text", lines=2, value=EXAMPLES["attention"][0][0], max_length=100_000)
                with gr.Column():
                    a_model = gr.Dropdown([(n, v) for t in BUNDLED for n, v in _choices(t, online)],
                                          value=BUNDLED["classification"], label="Model")
                    a_shared = gr.Markdown(SHARED_ENCODER)
                    a_layer = Slider(1, 6, value=6, step=1, label="Layer")
                    a_head = Slider(0, 12, value=0, step=1, label="Head (0 = mean of heads)")
            a_run = gr.Button("Show attention", variant="primary")
            gr.Examples(EXAMPLES["attention"], [a_text], label="Examples")
            gr.Markdown(f"*{plots.ATTENTION_CAVEAT}*")
            a_heat = gr.Plot(label="Layer / head")
            a_scores = gr.Plot(label="Attention received per token (follows the layer and head)")
            a_grid = gr.Plot(label="All heads of the layer")
            a_roll = gr.Plot(label="Rollout")
            a_files = gr.File(label="Download: JSON, words CSV, tokens CSV", file_count="multiple", height=190)
            a_outputs = [a_heat, a_grid, a_scores, a_roll, a_files]
            a_model.change(attention_shape, a_model, [a_layer, a_head, a_shared], api_name="attention_shape")
            a_run.click(attention, [a_text, a_model, a_layer, a_head], a_outputs, api_name="attention")
            for control in (a_layer, a_head):  # redraw for the chosen layer/head (the weights come from the cache)
                control.release(attention, [a_text, a_model, a_layer, a_head], a_outputs, api_name=False)
            _clear_on_change([a_text, a_model], a_outputs)
        with gr.Tab("Dataset"):
            gr.Markdown("Explain every row of a file and see what the classifier relies on across it: CSV (choose "
                        "the columns), JSON Lines, or plain text with one text per line; UTF-8, up to "
                        f"{DATASET_MAX_BYTES // 2**20} MB. Gold labels add accuracy, a confusion matrix and the "
                        "misclassified rows. For bigger files use the CLI (`python -m explain --file …`), which "
                        "resumes and can run on Ray.")
            with gr.Row():
                d_file = gr.File(label="File", file_types=[".csv", ".jsonl", ".json", ".txt"], type="filepath",
                                 height=130)
                with gr.Column():
                    d_example = gr.Button(f"Use the example file ({DATASET_EXAMPLE.name}: 300 labelled intents)",
                                          size="sm")
                    # (any name is accepted: the choices follow the file, and the reader names a missing column)
                    d_text_col = gr.Dropdown([], label="Text column", allow_custom_value=True)
                    d_label_col = gr.Dropdown([NO_LABELS], value=NO_LABELS, label="Gold label column",
                                              allow_custom_value=True)
                with gr.Column():
                    d_model = gr.Dropdown(_choices("classification", online), value=BUNDLED["classification"],
                                          label="Model")
                    d_limit = Slider(1, DATASET_MAX_ROWS, value=300, step=1, label="Row cap",
                                     info="rows explained from the top of the file")
                    d_score = gr.Checkbox(label="Score each row's faithfulness (about 50 more model calls a row)")
            targeted = [m for m, cls in METHODS.items() if cls.NEEDS_TARGET]
            d_method, d_params, d_seed = _method_row(methods=targeted)
            with gr.Row():
                d_run = gr.Button("Explain the file", variant="primary")
                d_stop = gr.Button("Cancel (keep the rows done)", variant="stop")
            d_summary = gr.Markdown()
            d_table = gr.Dataframe(headers=DATASET_COLUMNS, label="Rows (click a header to sort)", interactive=False,
                                   wrap=True, max_height=420, datatype=DATASET_TYPES, column_widths=DATASET_WIDTHS)
            d_global = gr.Plot(label="Global word importance (choose the class in the chart)")
            with gr.Row():
                d_confusion = gr.Plot(label="Confusion matrix")
                d_map = gr.Plot(label="Rows embedded (colour by class or correctness)")
            d_wrong = gr.Dataframe(headers=DATASET_COLUMNS, label="Misclassified rows", interactive=False, wrap=True,
                                   max_height=320, datatype=DATASET_TYPES, column_widths=DATASET_WIDTHS)
            d_files = gr.File(label="Download: rows (JSON Lines), global importance (CSV), summary (JSON)",
                              file_count="multiple", height=150)
            d_outputs = [d_summary, d_table, d_global, d_confusion, d_wrong, d_map, d_files]
            d_file.change(dataset_columns, d_file, [d_text_col, d_label_col], api_name="dataset_columns")
            d_example.click(lambda: str(DATASET_EXAMPLE), None, d_file, api_name=False, queue=False)
            d_run.click(dataset, [d_file, d_text_col, d_label_col, d_model, d_method, d_seed, d_limit, d_score],
                        d_outputs, inputs_kwargs=d_params, api_name="dataset", concurrency_limit=1)
            d_stop.click(dataset_cancel, None, None, api_name="dataset_cancel", queue=False)
            _clear_on_change([d_file, d_text_col, d_label_col, d_model, d_method, d_seed, d_limit, d_score,
                              *d_params.values()], d_outputs)
        with gr.Tab("Inside the Transformer"):
            gr.Markdown("How the encoder computes, recomputed from the chosen model's own weights and checked "
                        "against what the model itself computed: self-attention step by step, position encodings, "
                        "the feed-forward layers and a layer lens. BERT-style encoders and DistilBERT.")
            with gr.Row():
                i_text = gr.Textbox(label="Text", lines=2, value="The bank raised interest rates again.",
                                    max_length=2_000)
                with gr.Column():
                    i_model = gr.Dropdown([(n, v) for t in BUNDLED for n, v in _choices(t, online)],
                                          value=BUNDLED["classification"], label="Model")
                    i_extra = gr.Textbox(label="Not used by a classifier (its lens reads the class probabilities)",
                                         max_length=5_000)
                with gr.Column():
                    i_layer = Slider(1, 6, value=2, step=1, label="Layer")
                    i_head = Slider(1, 12, value=1, step=1, label="Head")
            i_run = gr.Button("Show the computation", variant="primary")
            i_proof = gr.Markdown()
            gr.Markdown("### Self-attention, step by step\nOne head of one layer: the layer input X is projected "
                        "to queries, keys and values; each query's scores against every key are scaled by √d_k and "
                        "turned into weights by a softmax; the head's output mixes the values with those weights.")
            i_x = gr.Plot(label="X: the layer input (tokens × hidden)")
            i_qkv = gr.Plot(label="Q, K, V (tokens × d_k)")
            i_sp = gr.Plot(label="S = QKᵀ/√d_k and P = softmax(S) (tokens × tokens)")
            i_a = gr.Plot(label="A = PV: the head's output (tokens × d_k)")
            i_query = gr.Dropdown([], label="Query token (for the view below)", allow_custom_value=True)
            i_qk = gr.Plot(label="One query against every key: the products that make each score")
            gr.Markdown("### Positions\nSelf-attention alone does not know word order: the model adds a position "
                        "vector to each token's embedding. The original Transformer used fixed sinusoids (left: "
                        "their dot product depends only on the distance between positions); BERT-style models "
                        "learn their own table (right).")
            i_sin = gr.Plot(label="Sinusoidal position encoding (the formula)")
            i_learned = gr.Plot(label="The model's learned position embeddings")
            gr.Markdown("### Feed-forward layers and hidden states")
            i_flow = gr.Plot(label="Per layer and token: the residual stream and what each block adds")
            i_sim = gr.Plot(label="Token-to-token similarity after the chosen layer (follows the Layer slider)")
            i_lens = gr.Plot(label="Layer lens: the task's output read after each layer")
            i_file = gr.File(label="Download the matrices (JSON)", height=100)
            i_outputs = [i_proof, i_x, i_qkv, i_sp, i_a, i_query, i_qk, i_sin, i_learned, i_flow, i_sim, i_lens,
                         i_file]
            i_model.change(inside_shape, i_model, [i_layer, i_head, i_extra], api_name="inside_shape")
            i_run.click(inside, [i_text, i_model, i_layer, i_head, i_extra], i_outputs, api_name="inside")
            for control in (i_layer, i_head):
                control.release(inside, [i_text, i_model, i_layer, i_head, i_extra], i_outputs, api_name=False)
            i_query.input(inside_query, [i_text, i_model, i_layer, i_head, i_query], i_qk, api_name="inside_query")
            _clear_on_change([i_text, i_model, i_extra], i_outputs)
        with gr.Tab("Train a classifier"):
            gr.Markdown("Train a classifier on your own labelled examples, the way the bundled one was made: a "
                        "pretrained encoder and a head learned from examples (or also its top layers, fine-tuned). "
                        "Then explain it like any other model: it joins the model lists of the other tabs.")
            with gr.Row():
                t_paste = gr.Textbox(label="Examples: one 'text, label' per line (the label after the last comma)",
                                     lines=10, max_length=training.MAX_ROWS * 300,
                                     value=_example_lines(TRAIN_EXAMPLE_ROWS))
                with gr.Column():
                    t_file = gr.File(label="…or a CSV / JSON Lines file (it takes the place of the pasted lines)",
                                     file_types=[".csv", ".jsonl", ".json"], type="filepath", height=120)
                    t_example = gr.Button(f"Use the example file ({DATASET_EXAMPLE.name}: 300 labelled intents)",
                                          size="sm")
                    with gr.Row():
                        t_text_col = gr.Dropdown([], label="Text column", allow_custom_value=True)
                        t_label_col = gr.Dropdown([], label="Label column", allow_custom_value=True)
            with gr.Row():
                t_name = gr.Textbox(label="Name of the new model (letters, digits, - and _)", value="my-classifier",
                                    max_length=40)
                t_encoder = gr.Dropdown(_choices("embedding", online), value=BUNDLED["embedding"],
                                        label="Pretrained encoder")
                t_mode = gr.Radio([("Head only (seconds)", "head"),
                                   ("Fine-tune the top layers too (minutes on a CPU)", "finetune")], value="head",
                                  label="What to train")
            with gr.Accordion("Training settings", open=False):
                with gr.Row():
                    t_l2 = Number(value=1e-3, minimum=0, maximum=100, label="L2 strength",
                                  info="mean cross-entropy + L2/2 ‖W‖² (scikit-learn's C = 1 / (L2 × rows))")
                    t_optimizer = gr.Radio([("L-BFGS (full batch)", "lbfgs"), ("Adam", "adam")], value="lbfgs",
                                           label="Head optimizer")
                    t_balanced = gr.Checkbox(label="Balance the classes (weights n / (labels × count))")
                with gr.Row():
                    t_holdout = Slider(0, 0.5, value=0.2, step=0.05, label="Held-out share",
                                       info="stratified and seeded; 0 trains on everything")
                    t_folds = Slider(0, 10, value=0, step=1, label="Cross-validation folds",
                                     info="0: the held-out split instead")
                    t_seed = Number(value=0, precision=0, minimum=0, label="Seed")
                with gr.Row():
                    t_epochs = Slider(0, 200, value=0, step=1, label="Epochs (0 = default)",
                                      info="head: L-BFGS steps (50) or Adam steps (300); fine-tune: 3")
                    t_lr = Number(value=0, minimum=0, maximum=1, label="Learning rate (0 = default)",
                                  info="Adam 0.05; fine-tuned layers 3e-5")
                    t_batch = Slider(1, 128, value=16, step=1, label="Fine-tune batch size")
                    t_layers = Slider(1, 6, value=2, step=1, label="Fine-tuned layers (from the top)")
            t_run = gr.Button("Train", variant="primary")
            t_status = gr.Markdown()
            t_curves = gr.Plot(label="Loss and held-out accuracy, per epoch (drawn as it trains)")
            with gr.Row():
                t_confusion = gr.Plot(label="Held-out confusion matrix")
                t_classes = gr.Plot(label="Precision and recall per label")
            t_files = gr.File(label="Download the model: a zip of its folder (safetensors weights + JSON config + the "
                                    "training summary), and each file",
                              file_count="multiple", height=150)
            t_outputs = [t_status, t_curves, t_confusion, t_classes, t_files, c_model, d_model, a_model, i_model]
            t_file.change(dataset_columns, t_file, [t_text_col, t_label_col], api_name=False)
            t_example.click(lambda: str(DATASET_EXAMPLE), None, t_file, api_name=False, queue=False)
            t_run.click(train_model, [t_paste, t_file, t_text_col, t_label_col, t_name, t_encoder, t_mode, t_l2,
                                      t_optimizer, t_balanced, t_holdout, t_folds, t_seed, t_epochs, t_lr, t_batch,
                                      t_layers], t_outputs, api_name="train", concurrency_limit=1)
            _clear_on_change([t_paste, t_file, t_text_col, t_label_col, t_name, t_encoder, t_mode, t_l2, t_optimizer,
                              t_balanced, t_holdout, t_folds, t_seed, t_epochs, t_lr, t_batch, t_layers],
                             t_outputs[:5])
    demo.queue(default_concurrency_limit=2, max_size=32)
    _no_average_eta(demo)
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Transformer explainability studio.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--no-warm-up", action="store_true", help="load models on first use instead of at start")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_logging()
    limit_hub_waits()
    load_plugins()
    started = time.perf_counter()
    demo = build()
    if not args.no_warm_up:
        WARM.start()  # in the background: the page is served while the models load
    log.info("page built in %.1f s (Hub %s); serving", time.perf_counter() - started,
             "reachable" if hub_reachable() else "not reachable: bundled models only")
    demo.launch(server_name=args.host, server_port=args.port, allowed_paths=[str(ASSETS)], show_error=False,
                max_file_size=DATASET_MAX_BYTES)


if __name__ == "__main__":
    main()
